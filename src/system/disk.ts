import { constants } from 'node:fs';
import { access, mkdir, readFile, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** The nearest folder that exists at or above `path` (a backup folder may not exist yet). */
export async function existingAncestor(path: string): Promise<string> {
  let dir = resolve(path);
  for (;;) {
    if (
      await stat(dir).then(
        (s) => s.isDirectory(),
        () => false,
      )
    )
      return dir;
    const parent = dirname(dir);
    if (parent === dir) return dir;
    dir = parent;
  }
}

/** Free bytes for an unprivileged writer on the filesystem holding `path`, and that filesystem's device number. */
export async function freeSpace(path: string): Promise<{ path: string; free: number; device: number }> {
  const dir = await existingAncestor(path);
  const [fs, st] = await Promise.all([statfs(dir), stat(dir)]);
  return { path: dir, free: fs.bavail * fs.bsize, device: st.dev };
}

/** Size of a file plus its SQLite companions (-wal, -journal), 0 for a missing companion. */
export async function sqliteFilesSize(path: string): Promise<number> {
  const sizes = await Promise.all(
    ['', '-wal', '-journal'].map((suffix) =>
      stat(`${path}${suffix}`).then(
        (s) => s.size,
        () => 0,
      ),
    ),
  );
  return sizes.reduce((a, b) => a + b, 0);
}

/**
 * Creates `dir` if needed and proves it can be written by creating and removing a file there
 * (access(W_OK) says yes to root even on a read-only filesystem). Returns the error code or undefined.
 */
export async function writableDirProblem(dir: string): Promise<string | undefined> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await access(dir, constants.W_OK);
    const probe = `${dir}/.synapse-upgrade-write-test-${process.pid}`;
    await writeFile(probe, '');
    await rm(probe, { force: true });
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    // A recursive mkdir can say ENOENT for a read-only parent: one plain mkdir tells the real reason.
    if (code === 'ENOENT')
      return await mkdir(dir).then(
        () => code,
        (e: NodeJS.ErrnoException) => e.code ?? code,
      );
    return code;
  }
}

/** The owner of a path, with the user name from /etc/passwd when there is one. */
export async function ownerOf(path: string): Promise<{ uid: number; name: string | undefined } | undefined> {
  const st = await stat(path).catch(() => undefined);
  if (!st) return undefined;
  return { uid: st.uid, name: await userName(st.uid) };
}

export async function userName(uid: number): Promise<string | undefined> {
  const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
  for (const line of passwd.split('\n')) {
    const [name, , id] = line.split(':');
    if (name && Number(id) === uid) return name;
  }
  return undefined;
}
