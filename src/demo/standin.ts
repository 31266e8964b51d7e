import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { renderHomeserverYaml, renderLogConfig, standinPaths, type StandinConfigOptions } from './standin-config.js';
import { buildWheelhouse } from './wheelhouse.js';
import { pidAlive, pipEnv, readFileSafe, runChecked, urlFor, waitUntil } from './standin-util.js';

export { buildWheelhouse, standinSourceDir } from './wheelhouse.js';
export { renderHomeserverYaml, renderLogConfig, standinPaths } from './standin-config.js';
export { freePort, pidAlive } from './standin-util.js';

export interface StandinOptions {
  root: string;
  version: string;
  port: number;
  /** Default `['127.0.0.1']`. */
  bindAddresses?: string[];
  /** pip extras, e.g. `['postgres']` (installs the tiny stand-in dependency). */
  extras?: string[];
  /** `x_standin.migration_seconds`: how long the start-up migration takes when there are deltas. */
  migrationSeconds?: number;
  /** Default `example.test`. */
  serverName?: string;
  /** Top-level keys merged over the generated homeserver.yaml (`x_standin` merged key by key). */
  extraConfig?: Record<string, unknown>;
  /** Python used for `-m venv` and the wheel builder. Default `python3`. */
  python?: string;
  /** An existing wheelhouse; default: `buildWheelhouse()`. */
  wheelhouse?: string;
}

export interface StandinInstall {
  root: string;
  /** `<root>/env`, the virtualenv. */
  venv: string;
  configPath: string;
  logConfigPath: string;
  logPath: string;
  pidFile: string;
  dbPath: string;
  serverName: string;
  port: number;
  /** `http://127.0.0.1:<port>` (or the first bind address). */
  url: string;
  wheelhouse: string;
  /** A program in the venv: `bin('synctl')` → `<root>/env/bin/synctl`. */
  bin(name: string): string;
  /**
   * `synctl start <config>`: resolves once Synapse listens and has no background update left (a fresh
   * database has some, as real Synapse's does; they are waited out here, as an admin's first start would);
   * rejects (with the log tail) if it failed.
   */
  start(): Promise<void>;
  /** `synctl stop <config>` (a no-op when not running). */
  stop(): Promise<void>;
  /** SIGKILL the pid in the pid file, for cleanup in after() hooks. */
  kill(): Promise<void>;
  /** The running daemon's pid (from the pid file), or undefined. */
  pid(): number | undefined;
  /** GET /_synapse/admin/v1/server_version → server_version. */
  serverVersion(): Promise<string>;
  /** `pip install -U 'matrix-synapse[extras]==version'` into the venv (an upgrade or a rollback). */
  install(version: string, extras?: string[]): Promise<void>;
  /** Rewrites homeserver.yaml (and the log config) with changed options. */
  writeConfig(changes?: Partial<Pick<StandinOptions, 'bindAddresses' | 'migrationSeconds' | 'extraConfig'>>): Promise<void>;
  readLog(): Promise<string>;
  /** Runs SQL on homeserver.db (or `db`) with the venv's python; returns the rows. */
  query(sql: string, db?: string): Promise<unknown[][]>;
}

/** Creates `<root>/env` with the stand-in installed by pip, plus homeserver.yaml and its log config. */
export async function createStandinInstall(opts: StandinOptions): Promise<StandinInstall> {
  const root = path.resolve(opts.root);
  const serverName = opts.serverName ?? 'example.test';
  const paths = standinPaths(root, serverName);
  const wheelhouse = opts.wheelhouse ?? (await buildWheelhouse(undefined, opts.python));
  let config: StandinConfigOptions = {
    root,
    serverName,
    port: opts.port,
    bindAddresses: opts.bindAddresses ?? ['127.0.0.1'],
    migrationSeconds: opts.migrationSeconds,
    extraConfig: opts.extraConfig,
  };
  const bin = (name: string) => path.join(paths.venv, 'bin', name);
  const synctl = async (action: string) => {
    const result = await execa(bin('synctl'), [action, paths.configPath], { cwd: root, env: pipEnv(), extendEnv: false, reject: false, all: true });
    if (result.exitCode !== 0) {
      const log = await readFile(paths.logPath, 'utf8').catch(() => '');
      const tail = log.split('\n').slice(-30).join('\n');
      throw new Error(`synctl ${action} failed (exit ${result.exitCode}):\n${result.all}\n--- ${paths.logPath} ---\n${tail}`);
    }
  };
  const pid = () => {
    const value = Number.parseInt(readFileSafe(paths.pidFile), 10);
    return Number.isInteger(value) && value > 0 && pidAlive(value) ? value : undefined;
  };

  const install: StandinInstall = {
    ...paths,
    root,
    serverName,
    port: opts.port,
    wheelhouse,
    bin,
    url: urlFor(config.bindAddresses[0], opts.port),
    async start() {
      await synctl('start');
      const deadline = Date.now() + 30_000;
      while (Number((await install.query('SELECT count(*) FROM background_updates'))[0]?.[0]) > 0) {
        if (Date.now() > deadline) throw new Error(`the stand-in's background updates did not finish within 30 s (${paths.dbPath})`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    stop: () => synctl('stop'),
    async kill() {
      const current = pid();
      if (current === undefined) return;
      process.kill(current, 'SIGKILL');
      await waitUntil(() => !pidAlive(current), 10_000);
    },
    pid,
    async serverVersion() {
      const res = await fetch(`${install.url}/_synapse/admin/v1/server_version`, { signal: AbortSignal.timeout(5000) });
      if (!res.ok) throw new Error(`server_version: HTTP ${res.status}`);
      return ((await res.json()) as { server_version: string }).server_version;
    },
    async install(version, extras = opts.extras ?? []) {
      const spec = `matrix-synapse${extras.length ? `[${extras.join(',')}]` : ''}==${version}`;
      await runChecked(bin('pip'), ['install', '--no-index', '--find-links', wheelhouse, '-U', spec]);
    },
    async writeConfig(changes = {}) {
      config = { ...config, ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) };
      await writeFile(paths.configPath, renderHomeserverYaml(config));
      await writeFile(paths.logConfigPath, renderLogConfig(paths.logPath));
    },
    readLog: () => readFile(paths.logPath, 'utf8').catch(() => ''),
    async query(sql, db = paths.dbPath) {
      const script = 'import json,sqlite3,sys; print(json.dumps(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchall()))';
      const { stdout } = await runChecked(bin('python'), ['-c', script, db, sql]);
      return JSON.parse(stdout) as unknown[][];
    },
  };

  await mkdir(root, { recursive: true });
  await runChecked(opts.python ?? 'python3', ['-m', 'venv', paths.venv]);
  await install.install(opts.version);
  await install.writeConfig();
  return install;
}
