import { closeSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { AdminError, ExitCode } from '../core/errors.js';
import { isSameProcessAlive, processStart } from './proc-identity.js';

/** Who holds the lock of a homeserver's state folder: one wizard at a time. */
export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  /** The holder's process start time (see proc-identity.ts), to tell a reused pid from the holder. */
  start?: string;
  /** What it is doing (`wizard`, `resume`). */
  command?: string;
}

export interface HeldLock {
  path: string;
  info: LockInfo;
  /** The stale lock this one replaced, when there was one. */
  tookOver: LockInfo | undefined;
  release(): void;
}

export const lockPath = (sessionDir: string): string => join(sessionDir, 'wizard.lock');

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export function parseLock(text: string | undefined): LockInfo | undefined {
  if (text === undefined) return undefined;
  try {
    const data = JSON.parse(text) as Partial<LockInfo>;
    if (typeof data.pid === 'number' && typeof data.host === 'string' && typeof data.startedAt === 'string') return data as LockInfo;
  } catch {
    // a damaged lock file: judged by its holder being unknown
  }
  return undefined;
}

/** The lock in a folder, if any, and whether its holder still runs (a lock from another host counts as live). */
export function readLock(sessionDir: string): { info: LockInfo | undefined; live: boolean } | undefined {
  const text = readText(lockPath(sessionDir));
  if (text === undefined) return undefined;
  const info = parseLock(text);
  return { info, live: info ? lockIsLive(info) : false };
}

export function lockIsLive(info: LockInfo): boolean {
  if (info.host !== hostname()) return true; // cannot check a process on another machine
  return isSameProcessAlive({ pid: info.pid, start: info.start });
}

const agoText = (iso: string): string => {
  const ms = Date.now() - Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 120 ? `${s} s ago` : s < 7200 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
};

export const describeHolder = (info: LockInfo): string => `pid ${info.pid} on ${info.host}, started ${info.startedAt} (${agoText(info.startedAt)})`;

/** Creates `path` with `text` only if it does not exist: written to a temp file first, then hard-linked into place. */
function createExclusive(path: string, text: string): boolean {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temp);
    try {
      const dir = openSync(dirname(path), 'r');
      try {
        fsyncSync(dir);
      } finally {
        closeSync(dir);
      }
    } catch {
      // best effort
    }
  }
}

/**
 * Takes the lock of a homeserver's state folder. A live holder makes this fail with exit 2, naming its pid.
 * A lock whose process is gone (or whose pid now belongs to another process) is stale: it is taken over,
 * and `tookOver` says whose it was so the caller can say so.
 */
export function acquireLock(sessionDir: string, command = 'wizard'): HeldLock {
  const path = lockPath(sessionDir);
  const info: LockInfo = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), start: processStart(process.pid), command };
  const text = `${JSON.stringify(info)}\n`;
  let tookOver: LockInfo | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (createExclusive(path, text)) {
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        process.off('exit', release);
        try {
          if (readText(path) === text) unlinkSync(path);
        } catch {
          // already gone
        }
      };
      process.on('exit', release);
      return { path, info, tookOver, release };
    }
    const existingText = readText(path);
    if (existingText === undefined) continue; // released meanwhile
    const holder = parseLock(existingText);
    if (holder && lockIsLive(holder)) {
      throw new AdminError(`Another synapse-upgrade is working on this homeserver: ${describeHolder(holder)}${holder.command ? ` (${holder.command})` : ''}.`, {
        exitCode: ExitCode.usage,
        serverState: 'this run changed nothing',
        nextStep:
          holder.host === hostname()
            ? `Let it finish (synapse-upgrade status shows where it is), or stop it (kill ${holder.pid}) and run again.`
            : `If that machine no longer runs it, remove ${path} and run again.`,
      });
    }
    // Stale (or unreadable): move it aside under a name of our own, and check it is still the one judged stale.
    const aside = `${path}.stale-${process.pid}-${randomBytes(3).toString('hex')}`;
    try {
      renameSync(path, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    const moved = readText(aside);
    if (moved !== existingText) {
      // Another wizard replaced it in between: put theirs back and look again.
      try {
        linkSync(aside, path);
      } catch {
        // a third one holds it now; the next round says who
      }
      unlinkSync(aside);
      continue;
    }
    unlinkSync(aside);
    tookOver = holder ?? { pid: 0, host: 'unknown', startedAt: 'unknown' };
  }
  throw new AdminError(`The lock ${path} keeps changing: several synapse-upgrade runs are starting at once.`, {
    exitCode: ExitCode.usage,
    nextStep: 'Run only one synapse-upgrade for this homeserver at a time.',
  });
}
