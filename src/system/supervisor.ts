import { spawn } from 'node:child_process';
import { closeSync, writeSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { openAppendNoFollow } from './no-follow.js';
import { JOB_FILES, type JobExit, type JobStarted } from './jobs.js';
import { processStart } from './proc-identity.js';

/** What the runner sends the supervisor on its stdin (never written to disk: `env` may hold secrets). */
export interface SupervisorInput {
  /** The job folder, for a supervisor started ahead of its job (`__supervise-next`). */
  jobDir?: string;
  argv: string[];
  cwd?: string;
  env?: Record<string, string>;
}

const osSignals = constants.signals as Record<string, number>;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const writeJson = (path: string, data: unknown): Promise<void> => writeFileAtomic(path, `${JSON.stringify(data, null, 2)}\n`);

/**
 * `synapse-upgrade __supervise JOB_DIR` (hidden): the small process that owns one mutating command.
 * The runner starts it in a session of its own (setsid), so a hang-up of the admin's terminal or the end of
 * the wizard never reaches it. It reads the command from stdin, runs it with its output going to
 * output.log, records the pids in started.json and, when the command ends, its exit status in exit.json.
 * SIGTERM (the admin chose "stop the command") is passed on to the command's process group.
 *
 * `__supervise-next` (`supervise('-')`): the same, started ahead of its job (the runner keeps one ready, so a command starts without
 * waiting for a Node start): the job folder comes on stdin with the command. Its stdin closed with nothing on
 * it (the wizard ended, or had no further command) ends it quietly, having touched nothing.
 */
export async function supervise(jobArg: string | undefined): Promise<number> {
  if (!jobArg) return 2;
  for (const signal of ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGPIPE'] as const) process.on(signal, () => {});
  const text = await readStdin();
  let jobDir = jobArg;
  if (jobArg === '-') {
    if (text.trim() === '') return 0; // no job came
    try {
      const dir = (JSON.parse(text) as SupervisorInput).jobDir;
      if (typeof dir !== 'string' || !dir) throw new Error('no job folder');
      jobDir = dir;
    } catch {
      return 2; // nothing to report to: no job folder is known
    }
    // The supervisor.log a supervisor started for its job gets as its stderr: its own failures go there.
    const log = openAppendNoFollow(join(jobDir, JOB_FILES.supervisorLog));
    process.on('uncaughtException', (error) => {
      try {
        writeSync(log, `${error.stack ?? error}\n`);
      } finally {
        process.exit(70);
      }
    });
  }
  const exitFile = join(jobDir, JOB_FILES.exit);
  let input: SupervisorInput;
  try {
    input = JSON.parse(text) as SupervisorInput;
    if (!Array.isArray(input.argv) || !input.argv[0]) throw new Error('no command');
  } catch (error) {
    const exit: JobExit = {
      exitCode: 127,
      endedAt: new Date().toISOString(),
      error: `no job description received (${(error as Error).message})`,
      notStarted: true,
    };
    await writeJson(exitFile, exit);
    return 1;
  }
  const out = openAppendNoFollow(join(jobDir, JOB_FILES.output));
  const [file, ...args] = input.argv as [string, ...string[]];
  const child = spawn(file, args, {
    cwd: input.cwd,
    env: { ...process.env, ...input.env },
    stdio: ['ignore', out, out],
    detached: true, // its own process group: "stop" signals the command and its children, not us
  });
  let stopping = false;
  process.on('SIGTERM', () => {
    stopping = true;
    if (child.pid) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        child.kill('SIGTERM');
      }
    }
  });
  return new Promise<number>((resolve) => {
    let written = Promise.resolve();
    let ended = false;
    child.on('spawn', () => {
      const started: JobStarted = {
        supervisorPid: process.pid,
        ...(processStart(process.pid) ? { supervisorStart: processStart(process.pid)! } : {}),
        pid: child.pid!,
        ...(processStart(child.pid!) ? { pidStart: processStart(child.pid!)! } : {}),
        startedAt: new Date().toISOString(),
      };
      // A full disk must not end the supervisor (the command runs on); the runner then judges by what it sees.
      written = writeJson(join(jobDir, JOB_FILES.started), started).catch(() => {});
    });
    child.on('error', (error) => {
      if (ended) return;
      ended = true;
      try {
        writeSync(out, `synapse-upgrade: cannot run ${file}: ${error.message}\n`);
      } catch {
        // a full disk: the exit status still says why
      }
      closeSync(out);
      const exit: JobExit = { exitCode: 127, endedAt: new Date().toISOString(), error: error.message };
      void written
        .then(() => writeJson(exitFile, exit))
        .catch(() => {})
        .finally(() => resolve(1));
    });
    child.on('exit', (code, signal) => {
      if (ended) return;
      ended = true;
      closeSync(out);
      const exit: JobExit = {
        exitCode: code ?? 128 + (signal ? (osSignals[signal] ?? 0) : 0),
        signal,
        endedAt: new Date().toISOString(),
        ...(stopping ? { error: "stopped at the admin's request" } : {}),
      };
      void written
        .then(() => writeJson(exitFile, exit))
        .catch(() => {})
        .finally(() => resolve(0));
    });
  });
}
