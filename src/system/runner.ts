import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { fileURLToPath } from 'node:url';
import { AdminError, ExitCode } from '../core/errors.js';
import type { Emit } from '../core/events.js';
import { IS_BUNDLE, SUPERVISOR_FILE } from './build-flags.js';
import { openAppendNoFollow } from './no-follow.js';
import type { CommandResult, CommandSpec } from './command.js';
import { createJob, followJob, inspectJob, JOB_FILES, type JobRecord, type JobState } from './jobs.js';
import { displayArgv, displayEnv } from './redact.js';
import { clearSessionTmp, ensureSessionTmp, withSessionTmp } from './session-tmp.js';
import type { SupervisorInput } from './supervisor.js';
import type { Transcript } from './transcript.js';

const TAIL_LINES = 40;

const isDirectory = (path: string): boolean => statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;

const currentUser = (): string => {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? 'unknown');
  }
};

/** The command the runner is following now, for the Ctrl+C question. */
export interface RunningCommand {
  argv: string[];
  pid: number | undefined;
  job: JobRecord;
  output: string;
}

export interface Runner {
  readonly dryRun: boolean;
  /** Runs a command that changes the system (or, in a dry run, shows it and runs nothing). */
  run(spec: CommandSpec, onLine?: (line: string) => void): Promise<CommandResult>;
  /**
   * A job of an interrupted session: the next `run()` of the same command follows it (still running) or
   * takes its recorded result (ended) instead of starting the command a second time.
   */
  adopt(job: JobRecord): void;
  /** The command running now, if any. */
  current(): RunningCommand | undefined;
  /** Asks the running command to stop (SIGTERM to its process group); false when none runs. */
  stop(): boolean;
  /** Stops following for good: a pending `run()` rejects with `reason`, no new command starts. The command itself keeps running. */
  detach(reason: unknown): void;
}

export interface RunnerOptions {
  dryRun: boolean;
  /** Awaited before each command starts: held while the admin is asked whether to quit (it may reject: detached). */
  gate?: () => Promise<void>;
  transcript: Transcript;
  emit: Emit;
  /**
   * The session folder: each command gets a job folder under `jobs/` with its output and exit status.
   * Default: the transcript's folder (which is the session folder), else a temporary folder.
   */
  sessionDir?: string;
  /** Called before a command starts, with its job: the journal records it, so a later run can find it. */
  onJob?: (job: JobRecord) => Promise<void>;
  /** Called right after a command was launched. */
  onLaunched?: (job: JobRecord) => void;
  /** The session id, written as a header line so the transcript shows which session (and run) each command belongs to. */
  session?: string;
  /** The step running now, named in each command's header line (`=== <time> [install] $ [...]`). */
  step?: () => string | undefined;
  /**
   * How output reaches `emit`: one `command.output` event a line (the default), or one `command.lines` event
   * for the lines of each read (the wizard's screens and JSON stream, which print the same either way).
   */
  outputEvents?: 'line' | 'read';
}

/**
 * How to start the supervisor: this same program with the hidden `__supervise JOB_DIR` command, or
 * `__supervise-next` for one that waits for its job (`jobPath` undefined).
 */
function supervisorCommand(jobPath: string | undefined): [string, string[]] {
  const command = jobPath === undefined ? ['__supervise-next'] : ['__supervise', jobPath];
  try {
    const sea = createRequire(import.meta.url)('node:sea') as { isSea?: () => boolean };
    if (sea.isSea?.()) return [process.execPath, command];
  } catch {
    // not a single executable
  }
  const self = fileURLToPath(import.meta.url);
  // dist/app/ (what bin/ runs): supervise.mjs beside this chunk, which compiles only the supervisor. In the
  // single-file bundle (whatever its name) this module *is* the CLI; otherwise (dist/system, src/system) bin/ is two
  // folders up. The builds say so by constants set when they are built, never by a file's name.
  const entry = SUPERVISOR_FILE ? resolve(dirname(self), SUPERVISOR_FILE) : IS_BUNDLE ? self : resolve(dirname(self), '..', '..', 'bin', 'synapse-upgrade.mjs');
  return [process.execPath, [entry, ...command]];
}

/** A launched supervisor: `ended` settles when it exits (its stdout, a pipe only it holds, closes). */
interface Launched {
  ended: Promise<void>;
}

/** A supervisor started ahead of its job (`__supervise-next`), waiting for the job on its stdin. */
interface Spare {
  child: ChildProcess;
  ended: Promise<void>;
  gone: boolean;
}

/** The supervisor's stdout: it never writes there, so its closing says the supervisor ended. */
function endOf(child: ChildProcess): Promise<void> {
  return new Promise((resolveEnd) => {
    if (!child.stdout) return resolveEnd();
    child.stdout.on('close', () => resolveEnd());
    child.stdout.on('error', () => resolveEnd());
    child.stdout.resume();
    (child.stdout as unknown as { unref?: () => void }).unref?.(); // never what keeps the wizard running
  });
}

/**
 * Starts a supervisor that waits for its job: it runs in a session of its own (setsid), its stdin stays open
 * until the job is written (or the wizard ends, which ends it quietly). Ready for the next command, so that
 * command starts without waiting for a Node start (130-175 ms, the old server still serving meanwhile).
 */
function startSpare(): Spare {
  const [file, args] = supervisorCommand(undefined);
  const child = spawn(file, args, { detached: true, stdio: ['pipe', 'pipe', 'ignore'], cwd: process.cwd(), env: process.env });
  const spare: Spare = { child, ended: endOf(child), gone: false };
  child.once('error', () => (spare.gone = true));
  child.once('exit', () => (spare.gone = true));
  child.stdin?.on('error', () => (spare.gone = true));
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return spare;
}

/** Hands a job to a spare supervisor; false when it is gone (its stdin is closed). */
function handOver(spare: Spare, jobPath: string, spec: CommandSpec): Promise<boolean> {
  const input: SupervisorInput = { jobDir: jobPath, ...supervisorInput(spec) };
  return new Promise((resolveHandOver) => {
    const stdin = spare.child.stdin;
    if (spare.gone || !stdin || stdin.destroyed || spare.child.exitCode !== null || spare.child.signalCode !== null) return resolveHandOver(false);
    stdin.once('error', () => resolveHandOver(false));
    stdin.end(JSON.stringify(input), () => resolveHandOver(true));
  });
}

const supervisorInput = (spec: CommandSpec): SupervisorInput => ({
  argv: [...spec.argv],
  ...(spec.cwd ? { cwd: spec.cwd } : {}),
  ...(spec.env ? { env: { ...spec.env } } : {}),
});

/** Launches the supervisor of a job in a new session (setsid): no terminal, not in the wizard's process group. */
function launch(jobPath: string, spec: CommandSpec): Promise<Launched> {
  const [file, args] = supervisorCommand(jobPath);
  const log = openAppendNoFollow(join(jobPath, JOB_FILES.supervisorLog));
  try {
    const child = spawn(file, args, { detached: true, stdio: ['pipe', 'pipe', log], cwd: spec.cwd ?? process.cwd(), env: process.env });
    const input = supervisorInput(spec);
    const ended = endOf(child);
    return new Promise((resolvePromise, reject) => {
      child.once('error', reject);
      child.once('spawn', () => {
        child.unref();
        child.stdin?.end(JSON.stringify(input), () => resolvePromise({ ended }));
      });
      child.stdin?.on('error', () => {}); // a supervisor that died at once is reported through its job files
    });
  } finally {
    closeSync(log);
  }
}

/**
 * The one place that starts processes which change the system. It honours dry-run, writes every command
 * and all its output to the transcript, and streams lines as events. Each command runs detached from the
 * wizard (supervisor.ts): if the wizard is killed or its terminal hangs up, the command carries on, and a
 * later run re-attaches to it through the journal instead of starting it again.
 */
/**
 * The wizard follows a command's output in 64 KiB reads: each leaves a little alive across a scavenge, and V8
 * doubles its young generation whenever enough has survived since it last grew, up to 32 MB and more over a long
 * flood (peak RSS 103-106 MB at 2,000,000 lines, 82-84 MB at 200,000). Kept at its first size, scavenges are more
 * frequent and as cheap: 87-97 MB and 73-76 MB (docs/benchmarks.md). A V8 flag read at each resize, set once a
 * runner exists, so nothing before it (loading the code, the first frame) is affected.
 */
let youngGenerationKept = false;
function keepYoungGeneration(): void {
  if (youngGenerationKept) return;
  youngGenerationKept = true;
  setFlagsFromString('--semi-space-growth-factor=1');
}

export function createRunner(opts: RunnerOptions): Runner {
  keepYoungGeneration();
  let nextId = 1;
  const { transcript, emit } = opts;
  const perRead = opts.outputEvents === 'read';
  const sessionDir = opts.sessionDir ?? (transcript.path ? dirname(transcript.path) : join(tmpdir(), `synapse-upgrade-${process.pid}`));
  const adopted: JobRecord[] = [];
  if (opts.session) transcript.write(`=== ${new Date().toISOString()} session ${opts.session}, wizard pid ${process.pid}${opts.dryRun ? ' (dry run)' : ''}`);
  let running: RunningCommand | undefined;
  const detached = new AbortController();
  // One supervisor kept ready for the next command, started while a command runs (so none in a dry run).
  let spare: Spare | undefined;
  const takeSpare = (): Spare | undefined => {
    const ready = spare;
    spare = undefined;
    return ready;
  };
  const dropSpare = (): void => {
    const ready = takeSpare();
    if (!ready?.gone) ready?.child.stdin?.end(); // ends it quietly
  };
  detached.signal.addEventListener('abort', dropSpare, { once: true });

  const sameArgv = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

  /** Follows a job to its end, sending its lines to the transcript, the screen and `onLine`. */
  async function follow(
    id: number,
    job: JobRecord,
    onLine: ((line: string) => void) | undefined,
    ended?: Promise<void>,
  ): Promise<{ exitCode: number; tail: string[]; note?: string }> {
    const path = join(sessionDir, job.dir);
    const tail: string[] = [];
    const current: RunningCommand = { argv: job.argv, pid: undefined, job, output: join(path, JOB_FILES.output) };
    running = current;
    try {
      const end = await followJob(path, {
        signal: detached.signal,
        ...(ended ? { wake: ended } : {}),
        onStarted: (started) => (current.pid = started.pid),
        // The lines of one read: one transcript write, then each line to the caller and the event stream.
        onLines: (lines) => {
          transcript.write(`  | ${lines.join('\n  | ')}`);
          for (const text of lines.length > TAIL_LINES ? lines.slice(-TAIL_LINES) : lines) tail.push(text);
          if (tail.length > TAIL_LINES) tail.splice(0, tail.length - TAIL_LINES);
          if (onLine) for (const text of lines) onLine(text);
          if (perRead) emit({ type: 'command.lines', id, lines });
          else for (const text of lines) emit({ type: 'command.output', id, line: text });
        },
      });
      if (end.exit) {
        const note = end.exit.error ? ` (${end.exit.error})` : end.exit.signal ? ` (signal ${end.exit.signal})` : '';
        return { exitCode: end.exit.exitCode, tail, ...(note ? { note } : {}) };
      }
      const why = end.notStarted ? 'the command never started' : 'the command ended while nothing watched it; its exit status is unknown';
      tail.push(why);
      return { exitCode: 255, tail, note: ` (${why})` };
    } finally {
      running = undefined;
    }
  }

  return {
    dryRun: opts.dryRun,

    adopt(job) {
      adopted.push(job);
    },

    current: () => running,

    stop() {
      if (!running) return false;
      void inspectJob(join(sessionDir, running.job.dir), 0).then((state: JobState) => {
        if (state.state !== 'running') return;
        const target = state.supervised ? state.started.supervisorPid : -state.started.pid;
        try {
          process.kill(target, 'SIGTERM');
        } catch {
          // already gone
        }
      });
      return true;
    },

    detach(reason) {
      if (!detached.signal.aborted) detached.abort(reason);
    },

    async run(asked, onLine) {
      const spec = withSessionTmp(asked, sessionDir);
      const id = nextId++;
      const argv = displayArgv(spec);
      const env = displayEnv(spec);
      const envNames = Object.keys(env);
      await opts.gate?.();
      if (detached.signal.aborted) throw detached.signal.reason;

      // A job of the interrupted session with this very command: follow it (or take its result), never start it twice.
      const mine = adopted.findIndex((job) => sameArgv(job.argv, argv));
      if (!opts.dryRun && mine >= 0) {
        const job = adopted.splice(mine, 1)[0]!;
        emit({ type: 'command.started', id, argv, cwd: spec.cwd, title: spec.title, dryRun: false, user: currentUser(), envNames, env });
        transcript.write(`=== ${new Date().toISOString()} re-attached to ${job.dir}, started by an earlier run: ${JSON.stringify(argv)}`);
        const started = performance.now();
        const result = await follow(id, job, onLine);
        if (spec.tempDir) await clearSessionTmp(sessionDir);
        const durationMs = Math.round(performance.now() - started);
        transcript.write(`=== exit ${result.exitCode} (${job.dir})${result.note ?? ''}`);
        emit({ type: 'command.finished', id, exitCode: result.exitCode, durationMs });
        return { exitCode: result.exitCode, durationMs, tail: result.tail };
      }
      // A job of the interrupted session that runs another command: let it end first, never two at once.
      for (const job of adopted.splice(0)) {
        const state = await inspectJob(join(sessionDir, job.dir));
        if (state.state !== 'running') continue;
        emit({
          type: 'message',
          level: 'warn',
          text: `A command of the interrupted session still runs (pid ${state.started.pid}): ${job.argv.join(' ')}. Waiting for it to end first.`,
        });
        transcript.write(`=== ${new Date().toISOString()} waiting for ${job.dir} of an earlier run to end: ${JSON.stringify(job.argv)}`);
        const end = await follow(id, job, undefined);
        transcript.write(`=== exit ${end.exitCode} (${job.dir})${end.note ?? ''}`);
      }

      emit({ type: 'command.started', id, argv, cwd: spec.cwd, title: spec.title, dryRun: opts.dryRun, user: currentUser(), envNames, env });
      const step = opts.step?.();
      transcript.write(`=== ${new Date().toISOString()} ${step ? `[${step}] ` : ''}${opts.dryRun ? 'DRY RUN (not run) ' : ''}$ ${JSON.stringify(argv)}`);
      transcript.write(`    cwd=${spec.cwd ?? process.cwd()}${envNames.length ? ` env=${envNames.join(',')}` : ''}`);
      if (opts.dryRun) {
        emit({ type: 'command.finished', id, exitCode: 0, durationMs: 0 });
        return { exitCode: 0, durationMs: 0, tail: [] };
      }
      if (!spec.argv[0]) throw new Error('empty command');
      // Nothing else runs now: what a killed run left in the session's temporary folder goes before this one starts.
      if (spec.tempDir) await ensureSessionTmp(sessionDir).then(() => clearSessionTmp(sessionDir));
      const { record, path } = await createJob(sessionDir, {
        argv,
        cwd: spec.cwd,
        title: spec.title,
        createdAt: new Date().toISOString(),
        wizardPid: process.pid,
      });
      transcript.write(`    job=${record.dir}`);
      await opts.onJob?.(record);
      if (detached.signal.aborted) throw detached.signal.reason;
      await transcript.flush(); // the command is on record before it can change anything
      const started = performance.now();
      let launched: Launched;
      try {
        // The supervisor kept ready takes the job; a folder that is not there is left to launch() to report.
        const ready = !spec.cwd || isDirectory(spec.cwd) ? takeSpare() : undefined;
        launched = ready && (await handOver(ready, path, spec)) ? { ended: ready.ended } : await launch(path, spec);
      } catch (error) {
        throw new AdminError(`The command could not be started: ${(error as Error).message}`, {
          exitCode: ExitCode.failed,
          serverState: 'the command did not run',
        });
      }
      opts.onLaunched?.(record);
      // The next command gets a supervisor that starts while this one runs (the restart follows the config check).
      if (!spare && !detached.signal.aborted) spare = startSpare();
      const result = await follow(id, record, onLine, launched.ended);
      if (spec.tempDir) await clearSessionTmp(sessionDir);
      const durationMs = Math.round(performance.now() - started);
      transcript.write(`=== exit ${result.exitCode} after ${durationMs} ms${result.note ?? ''}`);
      emit({ type: 'command.finished', id, exitCode: result.exitCode, durationMs });
      return { exitCode: result.exitCode, durationMs, tail: result.tail };
    },
  };
}
