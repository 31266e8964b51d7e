// A real Synapse homeserver set up the way its docs tell admins to: a venv, a config made by
// `python -m synapse.app.homeserver --generate-config`, the listener moved to a free loopback port, and
// `cd DIR && synctl start homeserver.yaml` (a relative -c; Synapse's daemon then moves to /).
import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../src/demo/standin.js';
import { cloneVenv, pipEnv } from './cache.js';
import type { PidNamespace } from './pidns.js';

export interface RealHomeserver {
  root: string;
  /** The venv (`root/env`), as in Synapse's install docs. */
  venv: string;
  /** The config folder (`root/synapse`), the working folder of synctl. */
  dir: string;
  config: string;
  port: number;
  url: string;
  serverName: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  pid(): number | undefined;
  serverVersion(): Promise<string | undefined>;
  /** The database file (SQLite). */
  database: string;
  readLog(): Promise<string>;
  /** Environment with the venv first on PATH, as after `source env/bin/activate`. */
  env(): Record<string, string>;
  /** Kills the server (if still up) and removes its folder. */
  dispose(): Promise<void>;
}

export interface CreateOptions {
  version: string;
  serverName?: string;
  /** Edits the generated config's text before the first start. */
  editConfig?: (yaml: string) => string;
  /** Runs synctl (so the daemon) inside this pid namespace. */
  ns?: PidNamespace;
  /** pip extras of the venv, e.g. ['postgres'] (psycopg2 built from source once, then cached). */
  extras?: string[];
  /** Called after the config is written and before the first start (worker configs, a workers/ folder). */
  prepare?: (dir: string, port: number) => Promise<void>;
}

/**
 * Moves the generated listener (port 8008 on ::1 and 127.0.0.1) to `port` on 127.0.0.1 only, as an admin
 * would edit it. Old releases write `- port: 8008` and `bind_addresses: ['::1', '127.0.0.1']`; new ones
 * `port: 8008` under `- bind_addresses:` with a block list.
 */
export function moveListener(yaml: string, port: number): string {
  const moved = yaml
    .replace(/^(\s*(?:- )?port:\s*)8008[ \t]*$/m, `$1${port}`)
    .replace(/^(\s*(?:- )?bind_addresses:\s*)\['::1', '127\.0\.0\.1'\][ \t]*$/m, `$1['127.0.0.1']`)
    .replace(/^(\s*(?:- )?bind_addresses:\s*\n)\s*- ::1\s*\n/m, '$1');
  if (!new RegExp(`port: ${port}\\s*$`, 'm').test(moved) || /::1/.test(moved.replace(/^\s*#.*$/gm, ''))) {
    throw new Error('the generated homeserver.yaml has no listener on port 8008 on ::1 and 127.0.0.1 to move');
  }
  return moved;
}

export async function createHomeserver(opts: CreateOptions): Promise<RealHomeserver> {
  const root = await mkdtemp(join(tmpdir(), 'su-real-'));
  try {
    return await setUp(root, opts);
  } catch (error) {
    await rm(root, { recursive: true, force: true }); // a failed set-up leaves no folder behind
    throw error;
  }
}

async function setUp(root: string, opts: CreateOptions): Promise<RealHomeserver> {
  const venv = join(root, 'env');
  const dir = join(root, 'synapse');
  const serverName = opts.serverName ?? 'real.test';
  await cloneVenv(opts.version, venv, opts.extras);
  await mkdir(dir);
  const activeEnv = () => ({ ...pipEnv(), PATH: `${join(venv, 'bin')}:${process.env.PATH}`, VIRTUAL_ENV: venv });
  await execa(
    join(venv, 'bin', 'python'),
    ['-m', 'synapse.app.homeserver', '--server-name', serverName, '--config-path', 'homeserver.yaml', '--generate-config', '--report-stats=no'],
    { cwd: dir, env: activeEnv(), extendEnv: false },
  );
  const config = join(dir, 'homeserver.yaml');
  const port = await freePort();
  let yaml = moveListener(await readFile(config, 'utf8'), port);
  if (opts.editConfig) yaml = opts.editConfig(yaml);
  await writeFile(config, yaml);
  await opts.prepare?.(dir, port);
  const url = `http://127.0.0.1:${port}`;
  const pidFile = join(dir, 'homeserver.pid');
  const synctl = (args: string[]) =>
    opts.ns ? opts.ns.wrap(join(venv, 'bin', 'synctl'), args, dir) : ([join(venv, 'bin', 'synctl'), args] as [string, string[]]);
  const hs: RealHomeserver = {
    root,
    venv,
    dir,
    config,
    port,
    url,
    serverName,
    database: join(dir, 'homeserver.db'),
    env: activeEnv,
    async start() {
      const run = await execa(...synctl(['start', 'homeserver.yaml']), {
        cwd: dir,
        env: { ...activeEnv(), PWD: dir },
        extendEnv: false,
        reject: false,
        timeout: 180_000,
      });
      if (run.exitCode !== 0)
        throw new Error(`synctl start failed (exit ${run.exitCode}):\n${run.stdout}\n${run.stderr}\n${(await hs.readLog()).slice(-3000)}`);
      await waitFor(async () => (await hs.serverVersion()) !== undefined, 120_000, 'Synapse to answer server_version');
    },
    async stop() {
      if (!hs.pid()) return;
      await execa(...synctl(['stop', 'homeserver.yaml']), { cwd: dir, env: activeEnv(), extendEnv: false, reject: false, timeout: 120_000 });
    },
    pid() {
      if (!existsSync(pidFile)) return undefined;
      const pid = Number(readPidFile(pidFile));
      if (!pid) return undefined;
      if (opts.ns) return opts.ns.outerPid(pid);
      try {
        process.kill(pid, 0);
        return pid;
      } catch {
        return undefined;
      }
    },
    async serverVersion() {
      try {
        const res = await fetch(`${url}/_synapse/admin/v1/server_version`, { signal: AbortSignal.timeout(5000) });
        if (!res.ok) return undefined;
        return ((await res.json()) as { server_version?: string }).server_version;
      } catch {
        return undefined;
      }
    },
    readLog: () => readFile(join(dir, 'homeserver.log'), 'utf8').catch(() => ''),
    async dispose() {
      await hs.stop().catch(() => {});
      const pid = hs.pid();
      if (pid)
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      await rm(root, { recursive: true, force: true });
    },
  };
  return hs;
}

function readPidFile(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string, everyMs = 250): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
