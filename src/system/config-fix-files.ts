import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { AdminError, ExitCode } from '../core/errors.js';
import type { FixFile, FixPlan } from '../core/fixes/types.js';
import { loadHomeserverConfig } from '../config/homeserver-config.js';
import { MAX_CONFIG_BYTES } from '../config/yaml-file.js';
import { ensureTrustedFolder } from './trusted-dir.js';

/**
 * The files config fixes read and write: the homeserver config (each -c file and conf.d file), the log config it
 * names and the worker configs. Writing keeps the original bytes as a private backup first, then replaces the file
 * atomically with the same mode and owner; restoring puts the backup's bytes back the same way.
 */

/** Reads the text of every file a fix may touch. A log config or worker config that cannot be read is left out (its checks stay unknown). */
export async function readFixFiles(opts: { configPaths: readonly string[]; workerConfigPaths?: readonly string[]; workingDir?: string }): Promise<FixFile[]> {
  const config = await loadHomeserverConfig(opts.configPaths);
  const files: FixFile[] = [];
  for (const file of config.files) files.push({ path: resolve(file.path), scope: 'config', text: await readConfigText(file.path) });
  const logConfig = config.get('log_config');
  if (typeof logConfig === 'string') {
    const owner = config.fileFor('log_config')?.path ?? config.paths[0] ?? '.';
    const path = resolve(opts.workingDir ?? dirname(owner), logConfig);
    const text = await readConfigText(path).catch(() => undefined);
    if (text !== undefined) files.push({ path, scope: 'log_config', text });
  }
  for (const path of opts.workerConfigPaths ?? []) {
    const text = await readConfigText(path).catch(() => undefined);
    if (text !== undefined) files.push({ path: resolve(path), scope: 'worker', text });
  }
  return files;
}

async function readConfigText(path: string): Promise<string> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const info = await handle.stat();
    if (!info.isFile() || info.size > MAX_CONFIG_BYTES) throw new Error(`${path} is not a regular file of at most ${MAX_CONFIG_BYTES} bytes`);
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/** One file a fix rewrote: where its original bytes are kept. */
export interface FixWrite {
  path: string;
  backup: string;
}

const stamp = (now: Date): string =>
  now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');

/** Writes `bytes` to a new private file (0600), never through a link, never over an existing file. */
async function writePrivate(path: string, bytes: Buffer): Promise<void> {
  const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const canWrite = (dir: string): Promise<boolean> =>
  access(dir, constants.W_OK).then(
    () => true,
    () => false,
  );

/** Keeps the original bytes: beside the file, or under the state folder when the file's folder cannot be written. */
async function keepBackup(path: string, bytes: Buffer, stateDir: string, now: Date): Promise<string> {
  const name = `${basename(path)}.before-fix-${stamp(now)}`;
  if (await canWrite(dirname(path))) {
    const beside = join(dirname(path), name);
    try {
      await writePrivate(beside, bytes);
      return beside;
    } catch (error) {
      if (!['EACCES', 'EPERM', 'EROFS'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
    }
  }
  const folder = join(stateDir, 'config-backups');
  await ensureTrustedFolder(folder, 'config backup folder', '--state-dir');
  const inState = join(folder, `${resolve(path).replace(/[^A-Za-z0-9._-]+/g, '_')}.before-fix-${stamp(now)}-${randomBytes(3).toString('hex')}`);
  await writePrivate(inState, bytes);
  return inState;
}

/**
 * Replaces `path` with `bytes` atomically, keeping its mode and (when allowed) its owner and group. When the folder
 * cannot be written but the file can (a group-writable config in a root-owned /etc folder), the file is rewritten
 * in place and synced: not atomic, which is why the backup is always kept first.
 */
export async function replaceKeepingMode(path: string, bytes: Buffer): Promise<'atomic' | 'in-place'> {
  if (
    !(await canWrite(dirname(path))) &&
    (await access(path, constants.W_OK).then(
      () => true,
      () => false,
    ))
  ) {
    const handle = await open(path, constants.O_WRONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      await handle.truncate(0);
      await handle.write(bytes, 0, bytes.length, 0);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return 'in-place';
  }
  const info = await stat(path);
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, info.mode & 0o7777);
    try {
      await handle.writeFile(bytes);
      await handle.chmod(info.mode & 0o7777);
      if (process.geteuid?.() === 0) await handle.chown(info.uid, info.gid);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    throw error;
  }
  const folder = await open(dirname(path), 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
  return 'atomic';
}

const notWritten = (what: string, next: string): AdminError =>
  new AdminError(what, {
    exitCode: ExitCode.failed,
    serverState: 'the config files were not changed by this step (any file already rewritten is listed with its backup above)',
    nextStep: next,
  });

/**
 * Applies a plan: for each file, checks it still holds the bytes the plan was made from, keeps a backup, then
 * rewrites it. A file changed since the plan was shown stops everything before that file is touched.
 */
export async function applyFixPlan(
  plan: FixPlan,
  stateDir: string,
  now = new Date(),
  onBackup?: (write: FixWrite) => Promise<void> | void,
): Promise<FixWrite[]> {
  const writes: FixWrite[] = [];
  for (const file of plan.files) {
    const current = await readFile(file.path);
    if (current.toString('utf8') !== file.before)
      throw notWritten(
        `${file.path} changed after the fix was shown; it was not rewritten.`,
        'Run the command again to see the fix for the file as it is now.',
      );
    let backup: string;
    try {
      backup = await keepBackup(file.path, current, stateDir, now);
    } catch (error) {
      if (error instanceof AdminError) throw error;
      throw notWritten(
        `No backup of ${file.path} could be kept (${(error as NodeJS.ErrnoException).code ?? String(error)}), so it was not rewritten.`,
        'Make its folder or the state folder (--state-dir) writable and run the command again.',
      );
    }
    const write = { path: file.path, backup };
    // Recorded before the file changes: whoever records it (the wizard's journal) can always put it back.
    await onBackup?.(write);
    try {
      await replaceKeepingMode(file.path, Buffer.from(file.after, 'utf8'));
    } catch (error) {
      throw notWritten(
        `${file.path} could not be rewritten (${(error as NodeJS.ErrnoException).code ?? String(error)}); it still holds its old content (backup: ${backup}).`,
        'Make the file writable (run as its owner or root) and run the command again.',
      );
    }
    writes.push(write);
  }
  return writes;
}

/** Puts a backup's bytes back over the file (rollback); the backup itself is kept. Returns whether the file now matches it. */
export async function restoreFixBackup(write: FixWrite): Promise<boolean> {
  const original = await readFile(write.backup);
  const now = await readFile(write.path).catch(() => undefined);
  if (now && now.equals(original)) return true;
  await replaceKeepingMode(write.path, original);
  return (await readFile(write.path)).equals(original);
}
