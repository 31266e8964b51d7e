import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readOnly } from '../system/probe.js';
import { descendsFrom } from '../system/proc.js';

/** dpkg's and apt's lock files, relative to the root the package database lives under. */
const APT_LOCKS = ['var/lib/dpkg/lock-frontend', 'var/lib/dpkg/lock', 'var/lib/apt/lists/lock', 'var/cache/apt/archives/lock'];

export interface LockHolder {
  lock: string;
  pid: number;
  command: string | undefined;
}

/** Asks the kernel who holds each lock (fcntl F_GETLK): read-only, unlike trying to take it. */
const LOCK_QUERY = String.raw`
import fcntl, json, os, struct, sys
out = []
for path in sys.argv[1:]:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        continue
    try:
        res = fcntl.fcntl(fd, fcntl.F_GETLK, struct.pack("hhqqi4x", fcntl.F_WRLCK, 0, 0, 0, 0))
        kind, _, _, _, pid = struct.unpack("hhqqi4x", res)
        if kind != fcntl.F_UNLCK:
            out.append({"lock": path, "pid": pid})
    finally:
        os.close(fd)
print(json.dumps(out))
`;

/**
 * Who holds dpkg's or apt's locks (apt-get, unattended-upgrades, another admin), without taking
 * them: `python -c` with fcntl F_GETLK, the same query apt makes before it says "Could not get lock".
 */
export async function aptLockHolders(root = '/', python = 'python3', procRoot = '/proc'): Promise<LockHolder[]> {
  const result = await readOnly([python, '-c', LOCK_QUERY, ...APT_LOCKS.map((rel) => join(root, rel))], { timeoutMs: 30_000 });
  if (result.exitCode !== 0) return [];
  let found: { lock: string; pid: number }[];
  try {
    found = JSON.parse(result.stdout) as { lock: string; pid: number }[];
  } catch {
    return [];
  }
  const holders: LockHolder[] = [];
  for (const { lock, pid } of found) {
    const command = pid > 0 ? (await readFile(join(procRoot, String(pid), 'comm'), 'utf8').catch(() => '')).trim() || undefined : undefined;
    holders.push({ lock, pid, command });
  }
  return holders;
}

/**
 * The lock holders split by whose they are: `ours` run under a command of the interrupted session that a resumed
 * run follows (`followed`: their pids and supervisors'; apt-get, or the dpkg it runs), `others` are strangers'.
 */
export async function lockHoldersByOwner(
  holders: LockHolder[],
  followed: readonly number[],
  procRoot = '/proc',
): Promise<{ ours: LockHolder[]; others: LockHolder[] }> {
  const ours: LockHolder[] = [];
  const others: LockHolder[] = [];
  for (const h of holders) (h.pid > 0 && followed.length && (await descendsFrom(h.pid, followed, procRoot)) ? ours : others).push(h);
  return { ours, others };
}
