import { randomBytes } from 'node:crypto';
import { closeSync, readSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { writeFileAtomic } from './atomic-write.js';
import { openReadNoFollow, readTextNoFollow } from './no-follow.js';
import { isSameProcessAlive } from './proc-identity.js';

/**
 * A job is one mutating command run detached from the wizard (see supervisor.ts), in its own folder
 * `jobs/NNNN` of the session folder:
 *   job.json      what it runs (display argv, folder, title), written before it starts
 *   started.json  the supervisor's and the command's pid and start time, once it runs
 *   output.log    everything the command writes (stdout and stderr)
 *   exit.json     its exit code (or signal), once it ended
 * The journal names the job of a running step, so a later run can follow it or read how it ended.
 */
export interface JobRecord {
  /** Relative to the session folder, e.g. `jobs/0003`. */
  dir: string;
  /** The command, as shown (secrets masked). */
  argv: string[];
}

export interface JobMeta {
  argv: string[];
  cwd: string | undefined;
  title: string | undefined;
  createdAt: string;
  wizardPid: number;
}

export interface JobStarted {
  supervisorPid: number;
  supervisorStart?: string;
  pid: number;
  pidStart?: string;
  startedAt: string;
}

export interface JobExit {
  exitCode: number;
  signal?: string | null;
  endedAt: string;
  error?: string;
  /** The supervisor never started the command (it got no job description). */
  notStarted?: boolean;
}

export type JobState =
  | { state: 'not-started'; meta: JobMeta | undefined }
  | { state: 'running'; meta: JobMeta | undefined; started: JobStarted; supervised: boolean }
  | { state: 'exited'; meta: JobMeta | undefined; started: JobStarted | undefined; exit: JobExit }
  | { state: 'lost'; meta: JobMeta | undefined; started: JobStarted };

export const JOB_FILES = { meta: 'job.json', started: 'started.json', output: 'output.log', exit: 'exit.json', supervisorLog: 'supervisor.log' } as const;

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readTextNoFollow(path, 1024 * 1024)) as T;
  } catch {
    return undefined; // missing, or (never: they are written atomically) damaged
  }
}

/** A new, empty job folder with its job.json. */
export async function createJob(sessionDir: string, meta: JobMeta): Promise<{ record: JobRecord; path: string }> {
  const root = join(sessionDir, 'jobs');
  await mkdir(root, { recursive: true, mode: 0o700 });
  const taken = (await readdir(root)).map((n) => Number.parseInt(n, 10)).filter(Number.isFinite);
  let next = taken.length ? Math.max(...taken) + 1 : 1;
  for (;;) {
    const name = String(next).padStart(4, '0');
    try {
      await mkdir(join(root, name), { mode: 0o700 });
      const path = join(root, name);
      await writeFileAtomic(join(path, JOB_FILES.meta), `${JSON.stringify(meta, null, 2)}\n`);
      return { record: { dir: `jobs/${name}`, argv: meta.argv }, path };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      next += 1 + (randomBytes(1)[0]! % 3);
    }
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** How long a just-launched supervisor may take to write started.json (it is a fresh node process). */
export const START_GRACE_MS = 5000;

/**
 * Where a job stands. A job with neither started.json nor exit.json that was created moments ago may be a
 * supervisor still starting: it is given `graceMs` to show up before it counts as never started.
 */
export async function inspectJob(path: string, graceMs = START_GRACE_MS): Promise<JobState> {
  const meta = await readJson<JobMeta>(join(path, JOB_FILES.meta));
  for (;;) {
    const exit = await readJson<JobExit>(join(path, JOB_FILES.exit));
    const started = await readJson<JobStarted>(join(path, JOB_FILES.started));
    if (exit) return exit.notStarted ? { state: 'not-started', meta } : { state: 'exited', meta, started, exit };
    if (started) {
      if (isSameProcessAlive({ pid: started.supervisorPid, start: started.supervisorStart })) return { state: 'running', meta, started, supervised: true };
      // The supervisor is gone (killed): the command may still run, but its exit status will not be recorded.
      const again = await readJson<JobExit>(join(path, JOB_FILES.exit));
      if (again) return { state: 'exited', meta, started, exit: again };
      if (isSameProcessAlive({ pid: started.pid, start: started.pidStart })) return { state: 'running', meta, started, supervised: false };
      return { state: 'lost', meta, started };
    }
    const age = meta ? Date.now() - Date.parse(meta.createdAt) : Infinity;
    if (!(age < graceMs)) return { state: 'not-started', meta };
    await sleep(100);
  }
}

const ago = (iso: string | undefined, now: number): string => {
  const ms = iso ? now - Date.parse(iso) : NaN;
  if (!Number.isFinite(ms)) return '';
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`;
};

/** One phrase for the admin: "is still running (pid 123, for 2 min)", "ended with exit code 0 (4 s ago)". */
export function jobStateText(job: JobState, now = Date.now()): string {
  switch (job.state) {
    case 'running':
      return `is still running (pid ${job.started.pid}, for ${ago(job.started.startedAt, now)})${job.supervised ? '' : '; its supervisor is gone, so its exit code will not be known'}`;
    case 'exited':
      return `ended with ${job.exit.signal ? `signal ${job.exit.signal} (exit ${job.exit.exitCode})` : `exit code ${job.exit.exitCode}`} ${ago(job.exit.endedAt, now)} ago${job.exit.error ? ` (${job.exit.error})` : ''}`;
    case 'lost':
      return 'ended while nothing watched it: its exit code was not recorded';
    default:
      return 'never started';
  }
}

/** Waits `ms`, or less when `signal` aborts or `wake` settles. */
function pause(ms: number, signal: AbortSignal | undefined, wake?: Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    void wake?.then(done);
  });
}

export interface FollowEnd {
  /** Undefined when the command ended without a recorded status (its supervisor was killed). */
  exit: JobExit | undefined;
  notStarted: boolean;
}

/**
 * Follows a job's output file from `offset`, line by line, until the job has ended and every line is read.
 * Rejects with `signal.reason` when aborted (the command itself keeps running).
 */
export async function followJob(
  path: string,
  opts: {
    onLine?: (line: string) => void;
    /** Takes the place of `onLine`: the lines of one read at once (a flood then costs per read, not per line). */
    onLines?: (lines: string[]) => void;
    onStarted?: (started: JobStarted) => void;
    signal?: AbortSignal;
    pollMs?: number;
    offset?: number;
    /** Settles when the supervisor has ended: the exit status is then read at once, not at the next poll. */
    wake?: Promise<void>;
  },
): Promise<FollowEnd> {
  let started = false;
  const pollMs = opts.pollMs ?? 25;
  const output = join(path, JOB_FILES.output);
  // Read at most this much before yielding: a flood of output then flows through the transcript
  // and the screen in slices, instead of piling up in memory while the loop reads it all.
  const sliceBytes = 64 * 1024;
  const decoder = new StringDecoder('utf8');
  const buffer = Buffer.alloc(64 * 1024);
  let position = opts.offset ?? 0;
  let partial = '';
  let fd: number | undefined;
  let lastCheck = 0;
  let woken = false;
  const wake = opts.wake?.then(() => {
    woken = true;
  });
  const deliver = (lines: string[], stripCr = true): void => {
    if (stripCr) for (let i = 0; i < lines.length; i++) if (lines[i]!.endsWith('\r')) lines[i] = lines[i]!.slice(0, -1);
    if (opts.onLines) opts.onLines(lines);
    else if (opts.onLine) for (const line of lines) opts.onLine(line);
  };
  /** Reads what is there (up to `limit` bytes); true when more may be waiting. */
  const drain = (limit = Infinity): boolean => {
    if (fd === undefined) {
      try {
        fd = openReadNoFollow(output);
      } catch {
        return false; // not created yet
      }
    }
    let read = 0;
    for (;;) {
      if (read >= limit) return true;
      const n = readSync(fd, buffer, 0, buffer.length, position);
      if (n <= 0) return false;
      read += n;
      position += n;
      const text = partial + decoder.write(buffer.subarray(0, n));
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      if (lines.length > 0) deliver(lines);
    }
  };
  try {
    for (;;) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      if (!started && opts.onStarted) {
        const record = await readJson<JobStarted>(join(path, JOB_FILES.started));
        if (record) {
          started = true;
          opts.onStarted(record);
        }
      }
      if (drain(sliceBytes)) {
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      const exit = await readJson<JobExit>(join(path, JOB_FILES.exit));
      if (exit) {
        while (drain(sliceBytes)) await new Promise((resolve) => setImmediate(resolve));
        const rest = partial + decoder.end();
        if (rest) deliver([rest], false);
        return { exit: exit.notStarted ? undefined : exit, notStarted: exit.notStarted === true };
      }
      if (Date.now() - lastCheck >= 1000) {
        lastCheck = Date.now();
        const state = await inspectJob(path);
        if (state.state === 'lost' || state.state === 'not-started') {
          while (drain(sliceBytes)) await new Promise((resolve) => setImmediate(resolve));
          const rest = partial + decoder.end();
          if (rest) deliver([rest], false);
          return { exit: undefined, notStarted: state.state === 'not-started' };
        }
      }
      // Once the supervisor has ended, its exit.json is there: one more look, then the usual polling (a
      // supervisor killed before writing it is found out by inspectJob above).
      await pause(pollMs, opts.signal, woken ? undefined : wake);
    }
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
