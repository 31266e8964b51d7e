import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Room kept in the state folder for the journal: a file of zeros written before the first change. When the
 * folder fills up mid-upgrade (after Synapse was stopped), the file is removed so the journal, and the job of
 * the command that brings Synapse back, can still be written.
 */
export const RESERVE_FILE = 'room.reserve';
export const RESERVE_BYTES = 256 * 1024;

export async function reserveStateRoom(sessionDir: string): Promise<void> {
  const handle = await open(join(sessionDir, RESERVE_FILE), 'w', 0o600);
  try {
    await handle.writeFile(Buffer.alloc(RESERVE_BYTES));
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Frees the reserved room; true when there was some to free. */
export async function releaseStateRoom(sessionDir: string): Promise<boolean> {
  try {
    await rm(join(sessionDir, RESERVE_FILE));
    return true;
  } catch {
    return false;
  }
}

export const isFullDisk = (error: unknown): boolean => ['ENOSPC', 'EDQUOT'].includes((error as NodeJS.ErrnoException)?.code ?? '');
