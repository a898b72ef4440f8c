/**
 * Where the answers of the last generation may be, besides the working tree: the git index, and
 * every commit of `.atmos-oidc.yaml`'s history, newest first. A teammate's merged PR that edits
 * the answers by hand leaves the recorded hashes pointing at an older version; walking the history
 * finds the answers that reproduce them, so the merge base is exact and the change merges as
 * cleanly as an uncommitted one. Read lazily: git is asked only while a base is still missing.
 */
import { ANSWERS_FILE, parseAnswersText, readRecord, type Answers } from '../answers/answers.ts';

/** How many commits of the answers file's history are read at most. */
export const HISTORY_LIMIT = 200;

async function git(dir: string, args: string[]): Promise<string | null> {
  try {
    const { execa } = await import('execa');
    const { stdout, exitCode } = await execa('git', args, { cwd: dir, timeout: 10000, reject: false, stripFinalNewline: false });
    return exitCode === 0 ? String(stdout) : null;
  } catch {
    return null;
  }
}

function answersOf(text: string, source: string): Answers | null {
  try {
    return readRecord(parseAnswersText(text, source), source).answers;
  } catch {
    return null; // a version that does not read (an old schema, a bad edit) cannot be the base
  }
}

/** The answers in the index, then in each commit that changed the file (newest first), deduplicated. */
export async function* answersHistory(dir: string, limit = HISTORY_LIMIT): AsyncGenerator<Answers> {
  const seen = new Set<string>();
  const staged = await git(dir, ['show', `:./${ANSWERS_FILE}`]);
  if (staged !== null) {
    seen.add(staged);
    const answers = answersOf(staged, `index:${ANSWERS_FILE}`);
    if (answers) yield answers;
  }
  const log = await git(dir, ['log', '--format=%H', `-n${limit}`, '--', ANSWERS_FILE]);
  if (log === null) return;
  for (const commit of log.split('\n').filter(Boolean)) {
    const text = await git(dir, ['show', `${commit}:./${ANSWERS_FILE}`]);
    if (text === null || seen.has(text)) continue;
    seen.add(text);
    const answers = answersOf(text, `${commit.slice(0, 12)}:${ANSWERS_FILE}`);
    if (answers) yield answers;
  }
}
