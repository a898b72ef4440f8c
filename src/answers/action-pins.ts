/**
 * Third-party actions the generated workflows use, and how each is pinned.
 *
 * `pin_actions: major` (the default) writes `owner/repo@vN`: the action's maintainers move that tag
 * to each release of the major version. `pin_actions: sha` writes the full commit SHA of one
 * release of that major version, with the release in a trailing comment
 * (`actions/checkout@<sha> # v6.0.2`), so the workflow runs exactly the code that was reviewed even
 * if a tag is moved. Only SHAs checked against published sources are shipped; an action without one
 * makes `sha` mode refuse (exit 2) rather than write an unverified pin. To move a pin, update the
 * table after checking the release's commit, e.g. `git ls-remote https://github.com/OWNER/REPO
 * refs/tags/vX.Y.Z^{}`.
 */
import { InputError } from './validate.ts';

export type PinMode = 'major' | 'sha';
export const PIN_MODES: readonly PinMode[] = ['major', 'sha'];
export const DEFAULT_PIN_MODE: PinMode = 'major';

export interface ActionPin {
  /** Full 40-character commit SHA of `release`. */
  sha: string;
  /** The release tag that commit carries, inside the major version of the key. */
  release: string;
}

/** Every action reference the templates write, as `owner/repo@vMAJOR`. */
export const USED_ACTIONS = ['actions/checkout@v6', 'github/codeql-action/upload-sarif@v4'] as const;

/** Verified commit SHAs by `owner/repo@vMAJOR`. */
export const ACTION_PINS: Readonly<Record<string, ActionPin>> = {
  'actions/checkout@v6': { sha: 'de0fac2e4500dabe0009e67214ff5f5447ce83dd', release: 'v6.0.2' },
  // The guard workflow's upload. Tag v4.36.2 of github/codeql-action (git rev-parse v4.36.2^{commit}
  // in a clone of https://github.com/github/codeql-action); v4 pointed at the same commit.
  'github/codeql-action/upload-sarif@v4': { sha: '8aad20d150bbac5944a9f9d289da16a4b0d87c1e', release: 'v4.36.2' },
};

/** Actions the templates use that have no verified SHA (each would make `sha` mode refuse). */
export function unpinnedActions(table: Readonly<Record<string, ActionPin>> = ACTION_PINS): string[] {
  return USED_ACTIONS.filter((ref) => !table[ref]);
}

/**
 * The `uses:` value for `ref` (`owner/repo@vN`) in `mode`. In `sha` mode an action without a
 * verified SHA is an input error naming `pin_actions`.
 */
export function actionRef(ref: string, mode: PinMode, table: Readonly<Record<string, ActionPin>> = ACTION_PINS): string {
  if (!/^[\w.-]+\/[\w.-]+(?:\/[\w./-]+)?@v\d+$/.test(ref)) throw new Error(`action reference ${ref} is not owner/repo@vMAJOR`);
  if (mode === 'major') return ref;
  const pin = table[ref];
  if (!pin)
    throw new InputError({
      field: 'pin_actions',
      value: mode,
      allowed: `"sha" needs a verified commit SHA for every action, and this version of create-atmos-oidc ships none for ${ref}; use "major"`,
    });
  return `${ref.slice(0, ref.lastIndexOf('@'))}@${pin.sha} # ${pin.release}`;
}
