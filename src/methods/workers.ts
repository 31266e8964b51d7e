import { readdir, readlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { HomeserverConfig } from '../config/homeserver-config.js';
import { dialHost } from '../config/listener.js';
import { readYamlFile } from '../config/yaml-file.js';
import { commandLines, environPwd, openFiles } from '../system/proc.js';
import { startedConfigs } from './start-config.js';
import { workerConfigPattern } from './restart/systemd.js';
import type { RestartManager, Worker } from './types.js';

export const WORKER_MARKERS = [
  'synapse.app.generic_worker',
  'synapse_worker',
  'synapse.app.media_repository',
  'synapse.app.pusher',
  'synapse.app.federation_sender',
  'synapse.app.appservice',
  'synapse.app.user_dir',
];

/** The base URL of the first `http` worker listener with the `client` resource. */
export function workerClientUrl(listeners: unknown, fallbackBind?: unknown): string | undefined {
  if (!Array.isArray(listeners)) return undefined;
  for (const item of listeners) {
    if (!item || typeof item !== 'object') continue;
    const listener = item as Record<string, unknown>;
    if ((listener.type ?? 'http') !== 'http' || typeof listener.port !== 'number') continue;
    const resources = Array.isArray(listener.resources) ? listener.resources : [];
    const names = resources.flatMap((r) => (Array.isArray((r as { names?: unknown })?.names) ? (r as { names: unknown[] }).names.map(String) : []));
    if (!names.includes('client')) continue;
    const binds = Array.isArray(listener.bind_addresses)
      ? listener.bind_addresses.map(String)
      : typeof listener.bind_address === 'string'
        ? [listener.bind_address]
        : typeof fallbackBind === 'string'
          ? [fallbackBind]
          : ['0.0.0.0'];
    const hosts = binds.map(dialHost);
    const host = hosts.find((h) => !h.startsWith('[')) ?? hosts[0] ?? '127.0.0.1';
    return `${listener.tls === true ? 'https' : 'http'}://${host}:${listener.port}`;
  }
  return undefined;
}

/** A worker from its YAML file; undefined when the file is not a worker config (no worker_app). */
export async function readWorkerConfig(path: string, from: string, unit?: string): Promise<Worker | undefined> {
  let value: unknown;
  try {
    value = (await readYamlFile(path)).value;
  } catch {
    return undefined;
  }
  if (!value || typeof value !== 'object') return undefined;
  const config = value as Record<string, unknown>;
  if (typeof config.worker_app !== 'string') return undefined;
  return {
    name: typeof config.worker_name === 'string' ? config.worker_name : basename(path).replace(/\.ya?ml$/, ''),
    app: config.worker_app,
    configPath: path,
    unit,
    url: workerClientUrl(config.worker_listeners, config.worker_bind_address),
    from,
  };
}

/** Worker configs in a folder (the `synctl -a DIR` layout); an empty list when there are none. */
export async function workersInDir(dir: string, from: string): Promise<Worker[]> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => /\.ya?ml$/.test(n)).sort();
  const found: Worker[] = [];
  for (const name of names) {
    const worker = await readWorkerConfig(join(dir, name), from);
    if (worker) found.push(worker);
  }
  return found;
}

/** Running worker processes, with the worker config among their `-c` arguments. */
async function runningWorkerConfigs(procRoot: string, mainConfigs: readonly string[]): Promise<string[]> {
  const configs: string[] = [];
  for (const { pid, argv } of await commandLines(procRoot)) {
    if (!argv.some((a) => WORKER_MARKERS.some((m) => a.endsWith(m)))) continue;
    const cwd = await readlink(join(procRoot, String(pid), 'cwd')).catch(() => '/');
    // Relative `-c` (synctl started from the config's folder): resolved as the process did at its start.
    const proc = { pid, argv, cwd, pwd: await environPwd(procRoot, pid), openFiles: await openFiles(procRoot, pid) };
    const paths = (await startedConfigs(proc)).configs;
    if (mainConfigs.length && !paths.some((p) => mainConfigs.includes(p))) continue;
    configs.push(...paths.filter((p) => !mainConfigs.includes(p)));
  }
  return configs;
}

export interface WorkerFindings {
  workers: Worker[];
  /** The folder holding every worker config, for `synctl -a`. */
  workersDir: string | undefined;
  evidence: string[];
}

/**
 * Workers from every place they show: systemd worker units (their config from the template's
 * `%i` path), a `workers/` folder next to homeserver.yaml, running worker processes, and names in
 * `instance_map` that none of those explain.
 */
export async function findWorkers(opts: {
  root: string;
  configPaths: readonly string[];
  config: HomeserverConfig | undefined;
  restart: RestartManager;
  procRoot?: string;
  /** Folders to look in besides `<config dir>/workers` (Debian: /etc/matrix-synapse/workers). */
  extraDirs?: string[];
}): Promise<WorkerFindings> {
  const evidence: string[] = [];
  const byConfig = new Map<string, Worker>();
  const add = (worker: Worker): void => {
    const key = worker.configPath ?? `name:${worker.name}`;
    const existing = byConfig.get(key);
    byConfig.set(key, existing ? { ...existing, unit: existing.unit ?? worker.unit } : worker);
  };
  if (opts.restart.kind === 'systemd' && opts.restart.workerUnits.length) {
    const pattern = (await workerConfigPattern(opts.root)) ?? '/etc/matrix-synapse/workers/%i.yaml';
    for (const unit of opts.restart.workerUnits) {
      const instance = /@(.+)\.service$/.exec(unit)?.[1] ?? unit;
      const path = join(opts.root, pattern.replaceAll('%i', instance));
      const worker = (await readWorkerConfig(path, `systemd unit ${unit}`, unit)) ?? {
        name: instance,
        app: undefined,
        configPath: undefined,
        unit,
        url: undefined,
        from: `systemd unit ${unit} (no readable config at ${path})`,
      };
      add(worker);
    }
  }
  let workersDir: string | undefined;
  const mainDir = opts.configPaths[0] ? dirname(resolve(opts.configPaths[0])) : undefined;
  const dirs = [...(mainDir ? [join(mainDir, 'workers')] : []), ...(opts.extraDirs ?? [])];
  for (const dir of [...new Set(dirs)]) {
    const found = await workersInDir(dir, `worker config in ${dir}`);
    if (!found.length) continue;
    workersDir ??= dir;
    for (const worker of found) add(worker);
  }
  const running = await runningWorkerConfigs(
    opts.procRoot ?? '/proc',
    opts.configPaths.map((p) => resolve(p)),
  );
  for (const path of running) {
    const worker = await readWorkerConfig(path, 'a running worker process');
    if (worker) add(worker);
  }
  const known = new Set([...byConfig.values()].map((w) => w.name));
  const instances = opts.config?.get('instance_map');
  if (instances && typeof instances === 'object') {
    for (const name of Object.keys(instances)) {
      if (name === 'main' || known.has(name)) continue;
      add({ name, app: undefined, configPath: undefined, unit: undefined, url: undefined, from: 'instance_map in the shared config (no worker config found)' });
    }
  }
  const workers = [...byConfig.values()];
  if (workers.length) evidence.push(`workers: ${workers.map((w) => `${w.name} (${w.from})`).join('; ')}`);
  return { workers, workersDir, evidence };
}
