import { access, constants, mkdir } from 'node:fs/promises';
import { AdminError, ExitCode } from '../core/errors.js';

/** The state folder must be writable before anything changes: a journal that cannot be written cannot be resumed. */
export async function ensureWritableDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await access(dir, constants.W_OK);
  } catch (error) {
    throw new AdminError(`The state folder ${dir} cannot be written (${(error as NodeJS.ErrnoException).code ?? 'error'}).`, {
      exitCode: ExitCode.usage,
      serverState: 'nothing was changed',
      nextStep: 'Choose a writable folder with --state-dir, or fix its permissions.',
    });
  }
}
