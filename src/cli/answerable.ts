import { usageError } from '../core/errors.js';
import type { CliOptions } from './args.js';

/** A session that may ask questions needs a terminal, or --yes to take the safe defaults (exit 2 otherwise). */
export function ensureAnswerable(opts: Pick<CliOptions, 'yes' | 'json'>, interactive: boolean, yesMeans: string): void {
  if (opts.yes || (interactive && !opts.json)) return;
  throw usageError(
    opts.json ? '--json needs --yes: questions cannot be answered on a JSON stream.' : 'There is no terminal to ask questions on.',
    `Run it in a terminal, or pass --yes to ${yesMeans}.`,
  );
}
