import type { Context } from '../context.ts';
import { InputError } from '../validate.ts';

export async function runCheck(ctx: Context): Promise<number> {
  throw new InputError({ field: 'command', value: ctx.command, allowed: 'check is not available in this version' });
}
