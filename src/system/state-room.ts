import { statfs } from 'node:fs/promises';
import { AdminError, ExitCode } from '../core/errors.js';

/** Below this much free space in the state folder no mutating step starts: its journal and output must fit. */
export const MIN_STATE_FREE_BYTES = 1024 * 1024;

export type FreeBytes = (dir: string) => Promise<number>;

export const statfsFreeBytes: FreeBytes = async (dir) => {
  const fs = await statfs(dir);
  return fs.bavail * fs.bsize;
};

const kib = (bytes: number): string => `${Math.floor(bytes / 1024)} KiB`;

/**
 * Refuses (exit 2) when the state folder is (nearly) full: a journal that cannot be written is an
 * upgrade that cannot be resumed, so nothing that changes the server may start.
 */
export async function ensureStateRoom(dir: string, what: string, freeBytes: FreeBytes = statfsFreeBytes): Promise<void> {
  let free: number;
  try {
    free = await freeBytes(dir);
  } catch (error) {
    throw new AdminError(
      `The free space of the state folder ${dir} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}), so ${what} will not start.`,
      {
        exitCode: ExitCode.usage,
        nextStep: 'Choose a working folder with --state-dir.',
      },
    );
  }
  if (free < MIN_STATE_FREE_BYTES) {
    throw new AdminError(
      `The state folder ${dir} is full: ${kib(free)} free, ${kib(MIN_STATE_FREE_BYTES)} needed. ${what[0]?.toUpperCase()}${what.slice(1)} will not start: an upgrade whose journal cannot be written cannot be resumed.`,
      { exitCode: ExitCode.usage, nextStep: 'Free some space there, or choose another folder with --state-dir, then run synapse-upgrade again.' },
    );
  }
}
