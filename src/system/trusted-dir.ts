import { readFileSync } from 'node:fs';
import { lstat, mkdir, realpath, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AdminError, ExitCode } from '../core/errors.js';

/** What the wizard needs to know about a folder to trust it. */
export interface FolderFacts {
  uid: number;
  mode: number;
  isLink: boolean;
  isDirectory: boolean;
}

const octal = (mode: number): string => (mode & 0o7777).toString(8).padStart(4, '0');

/** The name of a user id, from /etc/passwd (the number alone when it is not there). */
export function userName(uid: number, passwd = '/etc/passwd'): string {
  try {
    for (const line of readFileSync(passwd, 'utf8').split('\n')) {
      const [name, , id] = line.split(':');
      if (name && Number(id) === uid) return `${name} (uid ${uid})`;
    }
  } catch {
    // no passwd file: the number says it
  }
  return `uid ${uid}`;
}

/**
 * What is wrong with a folder the wizard keeps its files in (state or backups), or undefined. Pure. As ssh does
 * for ~/.ssh: it must be a real folder (not a link), owned by the running user, and writable by no one else, or
 * someone else could plant links there that make the wizard (root) write where they choose.
 */
export function privateFolderProblem(f: FolderFacts, uid: number, name: (uid: number) => string = userName): string | undefined {
  if (f.isLink) return 'is a symbolic link';
  if (!f.isDirectory) return 'is not a folder';
  if (f.uid !== uid) return `is owned by ${name(f.uid)}, not by ${name(uid)} who runs the wizard (mode ${octal(f.mode)})`;
  if (f.mode & 0o022) return `can be written by ${f.mode & 0o002 ? 'every user' : 'its group'} (owner ${name(f.uid)}, mode ${octal(f.mode)})`;
  return undefined;
}

/**
 * What is wrong with a folder above it, or undefined. Pure. Owned by root or the running user; writable by others
 * only with the sticky bit (as /tmp: others cannot rename or remove what is ours in it).
 */
export function ancestorProblem(f: FolderFacts, uid: number, name: (uid: number) => string = userName): string | undefined {
  if (f.uid !== 0 && f.uid !== uid) return `is owned by ${name(f.uid)} (mode ${octal(f.mode)}), who could replace what is in it`;
  if (f.mode & 0o022 && !(f.mode & 0o1000)) return `can be written by others and has no sticky bit (owner ${name(f.uid)}, mode ${octal(f.mode)})`;
  return undefined;
}

const facts = (s: import('node:fs').Stats): FolderFacts => ({ uid: s.uid, mode: s.mode, isLink: s.isSymbolicLink(), isDirectory: s.isDirectory() });

const currentUid = (): number => process.geteuid?.() ?? 0;

/** The problem with `dir` and the folders above it (after links are resolved), or undefined. */
export async function folderTrustProblem(dir: string, uid = currentUid()): Promise<string | undefined> {
  const own = privateFolderProblem(facts(await lstat(dir)), uid);
  if (own) return `${dir} ${own}`;
  let above = dirname(await realpath(dir));
  for (;;) {
    const problem = ancestorProblem(facts(await stat(above)), uid);
    if (problem) return `${above} (above ${dir}) ${problem}`;
    const next = dirname(above);
    if (next === above) return undefined;
    above = next;
  }
}

/**
 * Makes `dir` (mode 0700) when it is missing and refuses it (exit 2, nothing changed) when someone else owns or
 * can write it or a folder above it. `what` names it for the admin: "state folder", "backup folder". With
 * `create: false` a missing folder is left missing (and passes).
 */
export async function ensureTrustedFolder(dir: string, what: string, option: string, opts: { create?: boolean } = {}): Promise<void> {
  if (opts.create === false) {
    if (
      !(await lstat(dir).then(
        () => true,
        () => false,
      ))
    )
      return;
  } else {
    await mkdir(dir, { recursive: true, mode: 0o700 }).catch(() => {});
  }
  const problem = await folderTrustProblem(dir).catch((error: NodeJS.ErrnoException) => `${dir} cannot be checked (${error.code ?? error.message})`);
  if (!problem) return;
  throw new AdminError(
    `The ${what} ${problem}. The wizard refuses it: whoever controls it could make the wizard write, as ${userName(currentUid())}, into files of their choosing.`,
    {
      exitCode: ExitCode.usage,
      serverState: 'nothing was changed',
      nextStep: `Use a folder only you can write (owned by you, chmod 700), with ${option}, or remove that one if you did not make it.`,
    },
  );
}
