import { readlink } from 'node:fs/promises';
import { resolve } from 'node:path';
import { readYamlFile } from '../config/yaml-file.js';
import { commandLines, environPwd, openFiles } from '../system/proc.js';
import { venvOf } from './pip-detect.js';
import { startedConfigs } from './start-config.js';
import { readWorkerConfig, WORKER_MARKERS } from './workers.js';
import type { Worker } from './types.js';

/** What a host with only workers shows of its install: the virtualenv and the shared config its workers run with. */
export interface WorkerHostFinding {
  venv: string | undefined;
  /** The shared configs (homeserver.yaml and the like: no `worker_app`), in the order the workers were given them. */
  sharedConfigs: string[];
  /** Worker configs among the given or started configs. */
  workerConfigs: string[];
  evidence: string[];
}

/** Whether a config file is a worker's (it has `worker_app`); unreadable files count as shared (the config loader reports them). */
async function isWorkerConfig(path: string): Promise<boolean> {
  try {
    const value = (await readYamlFile(path)).value;
    return !!value && typeof value === 'object' && typeof (value as Record<string, unknown>).worker_app === 'string';
  } catch {
    return false;
  }
}

/** Splits config paths into the shared ones and the workers' own. */
export async function splitConfigs(paths: readonly string[]): Promise<{ shared: string[]; workers: string[] }> {
  const shared: string[] = [];
  const workers: string[] = [];
  for (const path of paths.map((p) => resolve(p))) ((await isWorkerConfig(path)) ? workers : shared).push(path);
  return { shared, workers };
}

/**
 * The install of a workers-only host. `-c` may name the shared config and worker configs (told apart by
 * `worker_app`); without `--venv`/`-c`, the running worker processes say both: their interpreter's virtualenv and
 * the configs they were started with (the lowest pid first).
 */
export async function findWorkerHost(given: { venv?: string; configPaths?: readonly string[] }, procRoot = '/proc'): Promise<WorkerHostFinding> {
  const evidence: string[] = [];
  const split = await splitConfigs(given.configPaths ?? []);
  let venv = given.venv;
  let sharedConfigs = split.shared;
  const workerConfigs = [...split.workers];
  if (split.workers.length) evidence.push(`worker configs from --config: ${split.workers.join(', ')}`);
  if (venv && sharedConfigs.length) return { venv, sharedConfigs, workerConfigs, evidence };
  for (const { pid, argv } of await commandLines(procRoot)) {
    if (!argv.some((a) => WORKER_MARKERS.some((m) => a.endsWith(m)))) continue;
    const interpreter = argv[0];
    const procVenv = interpreter?.startsWith('/') ? await venvOf(interpreter) : undefined;
    if (venv && procVenv && resolve(procVenv) !== resolve(venv)) continue;
    const cwd = await readlink(`${procRoot}/${pid}/cwd`).catch(() => '/');
    const started = await startedConfigs({ pid, argv, cwd, pwd: await environPwd(procRoot, pid), openFiles: await openFiles(procRoot, pid) });
    const { shared, workers } = await splitConfigs(started.configs);
    // With -c, only the workers started with that shared config (other homeservers may run workers here too).
    if (!shared.length || (split.shared.length && !shared.some((c) => split.shared.includes(c)))) continue;
    if (!venv && procVenv) {
      venv = procVenv;
      evidence.push(`virtualenv of the running worker process (pid ${pid}): ${procVenv}`);
    }
    if (!sharedConfigs.length) {
      sharedConfigs = shared;
      evidence.push(`shared config from the running worker's arguments (pid ${pid}): ${shared.join(', ')}`);
    }
    for (const w of workers) if (!workerConfigs.includes(w)) workerConfigs.push(w);
  }
  return { venv, sharedConfigs, workerConfigs, evidence };
}

/**
 * The workers of this host: those with a config file or a systemd unit here. Names that only `instance_map` lists
 * run on other hosts (the shared config names every worker of the deployment), so they are left out.
 */
export async function workersOfHost(found: readonly Worker[], givenConfigs: readonly string[]): Promise<Worker[]> {
  const workers = found.filter((w) => w.configPath !== undefined || w.unit !== undefined);
  for (const path of givenConfigs) {
    if (workers.some((w) => w.configPath && resolve(w.configPath) === path)) continue;
    const worker = await readWorkerConfig(path, 'worker config from --config or a running worker');
    if (worker) workers.push(worker);
  }
  return workers;
}
