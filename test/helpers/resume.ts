import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeStep, isStepId } from '../../src/core/steps.js';
import { binFor } from './cli.js';

export const hasCommand = (cmd: string, args: string[] = ['--version']): boolean => {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return r.error === undefined;
};

export interface WizardRun {
  child: ChildProcess;
  output: () => string;
  /** Exit code (null when killed) and signal. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>;
}

/** Starts the built CLI without a terminal; stdout and stderr are collected together. */
export function startWizard(args: string[], env: Record<string, string>): WizardRun {
  const child = spawn(process.execPath, [binFor(env), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, output: text })),
  );
  return { child, output: () => text, done };
}

export async function runWizard(args: string[], env: Record<string, string>, timeoutMs = 90_000) {
  const run = startWizard(args, env);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), timeoutMs);
  const end = await run.done;
  clearTimeout(timer);
  return end;
}

export async function sessionDirOf(stateDir: string): Promise<string> {
  const folders = await readdir(stateDir);
  assert.equal(folders.length, 1, `one homeserver folder in ${stateDir}: ${folders.join(', ')}`);
  return join(stateDir, folders[0]!);
}

export interface JournalLike {
  format: number;
  sessionId: string;
  from: string;
  to: string;
  outcome?: string;
  transcript: string;
  steps: { id: string; status: string; command?: string[]; job?: { dir: string; argv: string[] }; summary?: string; startedAt?: string; endedAt?: string }[];
  events?: { kind: string; reason?: string; step?: string }[];
  serverDownAt?: string;
}

export async function journalOf(stateDir: string): Promise<JournalLike> {
  return JSON.parse(await readFile(join(await sessionDirOf(stateDir), 'journal.json'), 'utf8')) as JournalLike;
}

/** The steps whose commands change something: each may run only once per session. */
export const CHANGING_STEPS = { has: (id: string): boolean => id === 'backup' || (isStepId(id) && describeStep(id).changesServer) };

/** Every command the transcript says was started (`=== <time> [step] $ [argv]`), in order; only those of `session` when given. */
export async function startedCommands(transcriptPath: string, session?: string): Promise<{ step: string | undefined; argv: string[] }[]> {
  const commands: { step: string | undefined; argv: string[] }[] = [];
  let current: string | undefined;
  for (const line of (await readFile(transcriptPath, 'utf8')).split('\n')) {
    const header = /^=== \S+ session (\S+),/.exec(line);
    if (header) current = header[1];
    const started = /^=== \S+ (?:\[(\S+)\] )?\$ (\[.*\])$/.exec(line);
    if (started && (session === undefined || current === session)) commands.push({ step: started[1], argv: JSON.parse(started[2]!) as string[] });
  }
  return commands;
}

/**
 * Fails when a command of a step that changes something (install, restart, backup…) was started twice in one
 * session, across all its runs. Returns those commands, one line each.
 */
export async function assertNoDuplicateCommand(journal: { transcript: string; sessionId: string }): Promise<string[]> {
  const lines = (await startedCommands(journal.transcript, journal.sessionId))
    .filter((c) => c.step && CHANGING_STEPS.has(c.step as never))
    .map((c) => `[${c.step}] ${c.argv.join(' ')}`);
  const seen = new Set<string>();
  for (const line of lines) {
    assert.ok(!seen.has(line), `started twice: ${line}\nall: ${lines.join('\n')}`);
    seen.add(line);
  }
  return lines;
}

/** The job folders of a session, with whether each one's command really started (started.json). */
export async function jobsOf(sessionDir: string): Promise<{ dir: string; argv: string[]; started: boolean; exit?: { exitCode: number } }[]> {
  const names = await readdir(join(sessionDir, 'jobs')).catch(() => [] as string[]);
  const jobs = [];
  for (const name of names.sort()) {
    const dir = join(sessionDir, 'jobs', name);
    const meta = JSON.parse(await readFile(join(dir, 'job.json'), 'utf8')) as { argv: string[] };
    const started = await readFile(join(dir, 'started.json'), 'utf8').then(
      () => true,
      () => false,
    );
    const exit = await readFile(join(dir, 'exit.json'), 'utf8').then(
      (t) => JSON.parse(t) as { exitCode: number },
      () => undefined,
    );
    jobs.push({ dir: name, argv: meta.argv, started, ...(exit ? { exit } : {}) });
  }
  return jobs;
}

export async function waitUntil<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const processGone = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return / [ZX] /.test(stat.slice(stat.lastIndexOf(')')));
  } catch {
    return true;
  }
};

/** Waits for `what` while the wizard runs; fails with its output at once if it ends first. */
export async function whileRunning<T>(run: WizardRun, what: Promise<T>, timeoutMs = 60_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      what,
      run.done.then((end) => {
        throw new Error(`the wizard ended (code ${end.code}, signal ${end.signal}) before that:\n${end.output}`);
      }),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms:\n${run.output()}`)), timeoutMs))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs the wizard and, once its output shows it re-attached to the running command, calls `then` (e.g. to let a
 * held download finish): so the test knows the command was still running when the new run took it up.
 */
export async function runReattaching(args: string[], env: Record<string, string>, then: () => void, timeoutMs = 90_000) {
  const run = startWizard(args, env);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), timeoutMs);
  try {
    await whileRunning(
      run,
      waitUntil(() => /re-attaching/.test(run.output()), timeoutMs, 're-attaching'),
      timeoutMs,
    );
  } finally {
    then();
  }
  const end = await run.done;
  clearTimeout(timer);
  return end;
}
