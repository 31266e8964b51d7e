// Fakes for the unit tests of the flow's steps (test/engine/steps/), the way np stubs execa: the system helpers,
// the runner, the method and the admin's answers are plain objects, so a step's branches run in milliseconds with
// no process, no network and no file. A helper a test did not fake throws, naming itself: a step that reaches for
// something the test did not expect fails loudly instead of touching the machine.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AdminError } from '../../src/core/errors.js';
import type { Question, WizardEvent } from '../../src/core/events.js';
import type { SessionContext } from '../../src/engine/context.js';
import type { DatabaseInfo } from '../../src/engine/database-info.js';
import type { ServerPicture } from '../../src/engine/inspect.js';
import type { RollbackContext } from '../../src/engine/rollback-context.js';
import type { RollbackPlan } from '../../src/core/rollback-plan.js';
import { StepTracker } from '../../src/engine/step-tracker.js';
import type { SystemHelpers } from '../../src/engine/system-helpers.js';
import type { Install, InstallMethod } from '../../src/methods/types.js';
import type { CommandResult, CommandSpec } from '../../src/system/command.js';
import type { VersionProbe } from '../../src/system/http.js';
import { findReleaseDataDir, loadReleaseData, type ReleaseData } from '../../src/system/release-data.js';
import type { Runner } from '../../src/system/runner.js';

const unexpected = (name: string) => (): never => {
  throw new Error(`unexpected call of the system helper ${name}`);
};

type Over<T> = { [K in keyof T]?: T[K] };

export interface SystemOverrides {
  http?: Over<SystemHelpers['http']>;
  files?: Over<SystemHelpers['files']>;
  database?: Over<SystemHelpers['database']>;
  releaseData?: SystemHelpers['releaseData'];
  readOnly?: SystemHelpers['readOnly'];
}

/** System helpers that throw unless faked; `sleep` moves a fake clock that `now` reads (a deadline passes at once). */
export function fakeSystem(over: SystemOverrides = {}): SystemHelpers & { clock: { at: number } } {
  const clock = { at: 1_000_000 };
  const all = <T extends object>(group: string, names: (keyof T)[], given: Over<T> | undefined): T =>
    Object.fromEntries(names.map((n) => [n, given?.[n] ?? unexpected(`${group}.${String(n)}`)])) as T;
  return {
    clock,
    http: all<SystemHelpers['http']>('http', ['serverVersion', 'health', 'workerVersion', 'waitUntilReady'], over.http),
    files: all<SystemHelpers['files']>(
      'files',
      ['exists', 'size', 'sha256', 'remove', 'createPrivate', 'writableDirProblem', 'ensureTrusted', 'freeSpace', 'ownerOf', 'userName', 'lastLines'],
      over.files,
    ),
    database: all<SystemHelpers['database']>('database', ['info', 'bytes', 'pythonRuntime', 'verifySqliteBackup', 'verifyPgDump'], over.database),
    releaseData: over.releaseData ?? unexpected('releaseData'),
    readOnly: over.readOnly ?? unexpected('readOnly'),
    sleep: async (ms) => void (clock.at += ms),
    now: () => clock.at,
  };
}

/** A version answer as system/http.ts gives it. */
export const answers = (version: string): VersionProbe => ({ ok: true, answer: { version, raw: version, python: undefined }, serverHeader: undefined });
export const noAnswer = (reason = 'connection refused'): VersionProbe => ({ ok: false, reachable: false, reason });

/** A runner that runs nothing: it records each command and answers with `result(spec)` (exit 0 by default). */
export function fakeRunner(opts: { dryRun?: boolean; result?: (spec: CommandSpec) => Partial<CommandResult> } = {}): Runner & { ran: CommandSpec[] } {
  const ran: CommandSpec[] = [];
  return {
    ran,
    dryRun: opts.dryRun ?? false,
    run: async (spec) => {
      ran.push(spec);
      return { exitCode: 0, durationMs: 5, tail: [], ...opts.result?.(spec) };
    },
    adopt: () => {},
    current: () => undefined,
    stop: () => false,
    detach: () => {},
  };
}

const cmd = (argv: string[], title: string): CommandSpec => ({ argv, title });

/** A pip method whose commands are plain argv (nothing runs them but the fake runner). */
export function fakeMethod(over: Partial<InstallMethod> = {}): InstallMethod {
  return {
    name: 'pip',
    availableVersions: async () => ['1.46.0', '1.47.0'],
    installedVersion: async () => '1.47.0',
    installCommand: (_install, version) => cmd(['pip', 'install', `matrix-synapse==${version}`], `Install matrix-synapse ${version}`),
    restartCommand: () => cmd(['synctl', 'restart', '/srv/synapse/homeserver.yaml'], 'Restart Synapse'),
    ...over,
  };
}

export function fakeInstall(over: Partial<Install> = {}): Install {
  return {
    method: 'pip',
    evidence: [],
    confidence: 'high',
    configPaths: ['/srv/synapse/homeserver.yaml'],
    installedVersion: '1.46.0',
    extras: [],
    pythonVersion: '3.11.2',
    sqliteVersion: '3.40.1',
    venv: '/srv/synapse/env',
    python: '/srv/synapse/env/bin/python',
    restart: { kind: 'synctl', synctl: '/srv/synapse/env/bin/synctl', config: '/srv/synapse/homeserver.yaml', workersDir: undefined },
    workers: [],
    ...over,
  } as Install;
}

export const SERVER_URL = 'http://synapse.test:8008';

export function fakePicture(over: Partial<ServerPicture> = {}): ServerPicture {
  return {
    install: fakeInstall(),
    config: { values: { server_name: 'example.test' }, files: [{ path: '/srv/synapse/homeserver.yaml' }] } as unknown as ServerPicture['config'],
    serverName: 'example.test',
    url: SERVER_URL,
    urlEvidence: 'the listener in homeserver.yaml',
    running: answers('1.46.0'),
    logFile: undefined,
    pidFile: undefined,
    ...over,
  };
}

/** A database the config names; its read-only queries answer from `rows` (by a word of the SQL), else fail. */
export function fakeDatabase(engine: DatabaseInfo['engine'], rows: Record<string, Record<string, unknown>[]> = {}): DatabaseInfo {
  const ro = {
    engine,
    query: async (sql: string) => {
      const key = Object.keys(rows).find((k) => sql.includes(k));
      if (key === undefined) throw new Error(`no such table in the fake: ${sql}`);
      return rows[key]!;
    },
  } as unknown as DatabaseInfo['ro'];
  return engine === 'sqlite3'
    ? { engine, ro, sqlitePath: '/srv/synapse/homeserver.db', where: '/srv/synapse/homeserver.db' }
    : {
        engine,
        ro,
        pg: { argv: ['-h', '127.0.0.1', '-p', '5432', '-U', 'synapse'], dbname: 'synapse', env: {}, secretEnv: [], where: 'synapse@127.0.0.1:5432/synapse' },
        where: 'synapse@127.0.0.1:5432/synapse',
      };
}

export interface FakeSession {
  ctx: SessionContext;
  events: WizardEvent[];
  asked: Question[];
  runner: ReturnType<typeof fakeRunner>;
  system: ReturnType<typeof fakeSystem>;
  /** `step:status summary` of every step.finished event. */
  finished(): string[];
  messages(level?: 'info' | 'warn' | 'error'): string[];
}

/**
 * A session context over fakes: a pip install at 1.46.0 upgraded to 1.47.0, Synapse answering. `answers` are the
 * admin's (by question id; otherwise the question's safe default).
 */
export function fakeSession(
  over: Partial<Omit<SessionContext, 'system' | 'runner'>> & {
    system?: SystemOverrides;
    runner?: Parameters<typeof fakeRunner>[0];
    answers?: Record<string, string>;
  } = {},
): FakeSession {
  const { system: systemOver, runner: runnerOver, answers: given = {}, ...ctxOver } = over;
  const events: WizardEvent[] = [];
  const asked: Question[] = [];
  const emit = (event: WizardEvent) => void events.push(event);
  const runner = fakeRunner(runnerOver);
  const system = fakeSystem(systemOver);
  const dryRun = runner.dryRun;
  const ctx: SessionContext = {
    opts: { yes: false, dryRun, pre: false },
    deps: {
      emit,
      ask: async (question) => {
        asked.push(question);
        const answer = given[question.id] ?? question.safeDefault;
        if (answer === undefined) throw new Error(`no answer for ${question.id}`);
        return answer as never;
      },
    },
    tracker: new StepTracker(emit),
    picture: fakePicture(),
    method: fakeMethod(),
    runner,
    system,
    sessionDir: '/nonexistent/session',
    transcriptPath: '/nonexistent/session/transcript.log',
    from: '1.46.0',
    decision: { kind: 'upgrade', target: '1.47.0' },
    summary: [],
    ...ctxOver,
  };
  return {
    ctx,
    events,
    asked,
    runner,
    system,
    finished: () => events.flatMap((e) => (e.type === 'step.finished' ? [`${e.step}:${e.status}${e.summary ? ` ${e.summary}` : ''}`] : [])),
    messages: (level) => events.flatMap((e) => (e.type === 'message' && (!level || e.level === level) ? [e.text] : [])),
  };
}

/** The AdminError a step throws (fails the test when it throws nothing, or something else). */
export async function adminError(promise: Promise<unknown>): Promise<AdminError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof AdminError)) throw new Error(`expected an AdminError, got ${error === undefined ? 'no error' : String(error)}`);
  return error;
}

/**
 * The shipped release data (steps/) with only the named release files: platform floors, schema facts, queries and
 * rollback procedures as they are, read in a few milliseconds (the whole folder takes seconds to validate).
 */
export async function releaseDataWith(releases: string[]): Promise<ReleaseData> {
  const dir = findReleaseDataDir();
  const names = ['queries.yaml', 'platform.yaml', 'schema.yaml', 'rollback.yaml', ...releases.map((r) => `releases/${r}`)];
  const files = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await readFile(join(dir, n), 'utf8')] as const)));
  return loadReleaseData(undefined, files);
}

/** A rollback's context over fakes: 1.47.0 installed, going back to 1.46.0, the plan `plan` (no database change by default). */
export function fakeRollback(
  over: Partial<Omit<RollbackContext, 'system' | 'runner' | 'plan'>> & {
    plan?: Partial<RollbackPlan>;
    system?: SystemOverrides;
    runner?: Parameters<typeof fakeRunner>[0];
  } = {},
): Omit<FakeSession, 'ctx'> & { ctx: RollbackContext } {
  const { plan: planOver, system: systemOver, runner: runnerOver, ...ctxOver } = over;
  const s = fakeSession({ ...(systemOver ? { system: systemOver } : {}), ...(runnerOver ? { runner: runnerOver } : {}) });
  const plan: RollbackPlan = {
    back: '1.46.0',
    current: '1.47.0',
    restore: false,
    procedures: [],
    sql: [],
    configAdvice: [],
    reason: 'the database suits 1.46.0',
    ...planOver,
  };
  const dbChanges = plan.restore || plan.sql.length > 0;
  const ctx: RollbackContext = {
    picture: s.ctx.picture,
    method: fakeMethod({ installedVersion: async () => '1.46.0' }),
    runner: s.runner,
    tracker: s.ctx.tracker,
    deps: s.ctx.deps,
    yes: true,
    transcriptPath: '/nonexistent/session/transcript.log',
    back: '1.46.0',
    current: '1.47.0',
    backup: undefined,
    plan,
    system: s.system,
    info: fakeDatabase('sqlite3'),
    dbChanges,
    stillServing: false,
    lines: [],
    ...ctxOver,
  };
  return { ...s, ctx };
}
