import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import { open } from 'node:fs/promises';

/**
 * Opening the wizard's own files (in the state and backup folders) never follows a link (O_NOFOLLOW), and never
 * blocks on, or writes into, something that is not a regular file (O_NONBLOCK, then fstat): a FIFO or a device
 * planted under a file's name is refused, not waited on.
 */
const { O_APPEND, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_RDONLY, O_WRONLY } = constants;

/** A clear reason for a refused open (ELOOP is what O_NOFOLLOW gives for a link). */
export function openProblem(path: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ELOOP') return `${path} is a symbolic link; the wizard does not follow links among its files`;
  if (code === 'ENXIO') return `${path} is not a regular file (a FIFO or a socket)`;
  return `${path} cannot be opened (${code ?? (error as Error).message})`;
}

function regularOnly(fd: number, path: string): number {
  const info = fstatSync(fd);
  if (info.isFile()) return fd;
  closeSync(fd);
  throw Object.assign(new Error(`${path} is not a regular file`), { code: 'ENOTREG' });
}

/** For appending (a transcript, a log): made 0600 when new, never through a link, only a regular file. */
export function openAppendNoFollow(path: string): number {
  return regularOnly(openSync(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK, 0o600), path);
}

/** For reading, never through a link, only a regular file. */
export function openReadNoFollow(path: string): number {
  return regularOnly(openSync(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK), path);
}

/** The text of a file, never read through a link; at most `maxBytes` (longer is an error). */
export async function readTextNoFollow(path: string, maxBytes = 64 * 1024 * 1024): Promise<string> {
  const handle = await open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw Object.assign(new Error(`${path} is not a regular file`), { code: 'ENOTREG' });
    if (info.size > maxBytes) throw Object.assign(new Error(`${path} is larger than ${maxBytes} bytes`), { code: 'EFBIG' });
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * A new private file (mode 0600) for a command to write into (a backup, a restore script): made exclusively, so
 * nothing already under that name (a link, someone else's file) is used. When the file is there from an earlier,
 * interrupted run of the same session, it is reused only if it is a regular file of ours with one link.
 */
export async function createPrivateFile(path: string, uid = process.geteuid?.() ?? 0): Promise<void> {
  try {
    await (await open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600)).close();
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const handle = await open(path, O_WRONLY | O_NOFOLLOW | O_NONBLOCK);
  try {
    const info = await handle.stat();
    if (!info.isFile() || info.uid !== uid || info.nlink !== 1)
      throw Object.assign(new Error(`${path} is already there and is not a file of this wizard's`), { code: 'EEXIST' });
    await handle.chmod(0o600);
  } finally {
    await handle.close();
  }
}
