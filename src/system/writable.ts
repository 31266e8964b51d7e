import { access, constants, mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { AdminError, ExitCode } from '../core/errors.js';

/** Node's recursive mkdir says ENOENT where the filesystem is read-only: make the missing levels one by one to learn why. */
async function mkdirCause(dir: string, error: NodeJS.ErrnoException): Promise<string> {
  const missing: string[] = [];
  for (
    let d = resolve(dir);
    !(await stat(d).then(
      () => true,
      () => false,
    ));
    d = dirname(d)
  ) {
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  for (const level of missing) {
    try {
      await mkdir(level, { mode: 0o700 });
    } catch (inner) {
      return (inner as NodeJS.ErrnoException).code ?? error.code ?? 'error';
    }
  }
  return error.code ?? 'error';
}

/** The state folder must be writable before anything changes: a journal that cannot be written cannot be resumed. */
export async function ensureWritableDir(dir: string): Promise<void> {
  let code: string | undefined;
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    code = await mkdirCause(dir, error as NodeJS.ErrnoException);
  }
  if (!code)
    code = await access(dir, constants.W_OK).then(
      () => undefined,
      (error: NodeJS.ErrnoException) => error.code ?? 'error',
    );
  if (code) {
    throw new AdminError(`The state folder ${dir} cannot be written (${code}).`, {
      exitCode: ExitCode.usage,
      serverState: 'nothing was changed',
      nextStep: 'Choose a writable folder with --state-dir, or fix its permissions.',
    });
  }
}
