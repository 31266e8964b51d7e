import { access, realpath } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { AdminError, ExitCode } from '../core/errors.js';
import { configArgs, findHomeserverProcesses, type HomeserverProcess } from '../system/proc.js';
import { synctlManager } from './restart/synctl.js';
import type { Confidence, PipInstall } from './types.js';
import { readVenvFacts, type VenvFacts } from './venv-facts.js';

export interface DetectInputs {
  venv?: string;
  configPaths?: string[];
  env?: NodeJS.ProcessEnv;
  home?: string;
  procRoot?: string;
}

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

export async function venvOf(python: string): Promise<string | undefined> {
  const venv = dirname(dirname(python));
  return (await exists(join(venv, 'pyvenv.cfg'))) ? venv : undefined;
}

/**
 * The first homeserver process running from a virtualenv (from `onlyVenv` when given; started
 * with one of `onlyConfigs` when given).
 */
async function fromProcess(procs: HomeserverProcess[], onlyVenv: string | undefined, onlyConfigs: readonly string[] = []): Promise<{ venv: string; configs: string[]; pid: number } | undefined> {
  for (const proc of procs) {
    const interpreter = proc.argv[0];
    if (!interpreter || !isAbsolute(interpreter)) continue;
    const venv = await venvOf(interpreter);
    if (!venv || (onlyVenv && venv !== onlyVenv)) continue;
    const configs = configArgs(proc.argv).map((p) => resolve(proc.cwd ?? '/', p));
    if (onlyConfigs.length && !configs.some((c) => onlyConfigs.includes(c))) continue;
    return { venv, configs, pid: proc.pid };
  }
  return undefined;
}

async function synctlOnPath(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'synctl');
    if (!(await exists(candidate))) continue;
    const venv = await venvOf(await realpath(candidate).catch(() => candidate));
    if (venv) return venv;
  }
  return undefined;
}

export interface VenvFinding {
  venv: string;
  python: string;
  configs: string[];
  evidence: string[];
  looked: string[];
  confidence: Confidence;
  facts: VenvFacts;
  /** The running homeserver started from this virtualenv, when there is one. */
  runningPid: number | undefined;
}

/**
 * Finds a virtualenv holding matrix-synapse: --venv, the running homeserver's interpreter, the
 * synctl on PATH, then the documented places. Undefined when there is none (with what was looked at).
 */
export async function findSynapseVenv(inputs: DetectInputs, looked: string[] = []): Promise<VenvFinding | undefined> {
  const env = inputs.env ?? process.env;
  const home = inputs.home ?? homedir();
  const evidence: string[] = [];
  let venv: string | undefined;
  let confidence: Confidence = 'medium';
  let runningPid: number | undefined;
  let configs = inputs.configPaths?.map((p) => resolve(p)) ?? [];
  if (configs.length) evidence.push(`config from --config: ${configs.join(', ')}`);

  if (inputs.venv) {
    venv = resolve(inputs.venv);
    if (!(await exists(join(venv, 'bin', 'python')))) {
      throw new AdminError(`--venv ${venv} is not a virtualenv (no bin/python there).`, { exitCode: ExitCode.usage });
    }
    evidence.push(`virtualenv from --venv: ${venv}`);
    confidence = 'high';
  }
  const running = await fromProcess(await findHomeserverProcesses(inputs.procRoot), venv, configs);
  looked.push('running homeserver processes in /proc');
  if (running) {
    runningPid = running.pid;
    if (!venv) {
      venv = running.venv;
      confidence = 'high';
      evidence.push(`virtualenv of the running homeserver (pid ${running.pid}): ${venv}`);
    } else {
      evidence.push(`the running homeserver (pid ${running.pid}) uses it`);
    }
    if (!configs.length && running.configs.length) {
      configs = running.configs;
      evidence.push(`config from the running homeserver's arguments: ${configs.join(', ')}`);
    }
  }
  if (!venv) {
    looked.push('synctl on PATH');
    venv = await synctlOnPath(env);
    if (venv) evidence.push(`virtualenv of the synctl on PATH: ${venv}`);
  }
  for (const candidate of [join(home, 'synapse', 'env'), '/opt/synapse/env']) {
    if (venv) break;
    looked.push(candidate);
    if (await exists(join(candidate, 'pyvenv.cfg'))) {
      venv = candidate;
      evidence.push(`virtualenv found at the usual place ${candidate}`);
    }
  }
  if (!venv) return undefined;
  const python = join(venv, 'bin', 'python');
  const facts = await readVenvFacts(python);
  if (!facts.installed || !facts.version) {
    if (inputs.venv) throw new AdminError(`The virtualenv ${venv} has no matrix-synapse package installed.`, { exitCode: ExitCode.usage });
    looked.push(`${venv} (no matrix-synapse in it)`);
    return undefined;
  }
  evidence.push(`matrix-synapse ${facts.version} in the virtualenv's package metadata`);
  if (!configs.length) {
    for (const candidate of [join(dirname(venv), 'homeserver.yaml'), join(home, 'synapse', 'homeserver.yaml')]) {
      if (await exists(candidate)) {
        configs = [candidate];
        evidence.push(`config found at ${candidate}`);
        break;
      }
    }
  }
  return { venv, python, configs, evidence, looked, confidence, facts, runningPid };
}

export const noInstallError = (looked: readonly string[]): AdminError =>
  new AdminError(`No Synapse install found. Looked at: ${looked.join('; ')}.`, {
    exitCode: ExitCode.usage,
    code: 'no-install',
    serverState: 'nothing was changed',
    nextStep:
      'Point the wizard at it: --venv PATH and --config PATH for a virtualenv or a git checkout, --method debian for the Debian package, --method docker for a container (or run `synapse-upgrade --demo` to try a sandbox).',
  });

/** Finds a pip/virtualenv install, recording why each choice was made. */
export async function detectPipInstall(inputs: DetectInputs): Promise<PipInstall> {
  const looked: string[] = [];
  const found = await findSynapseVenv(inputs, looked);
  if (!found) throw noInstallError(looked);
  return pipInstallFrom(found);
}

export async function pipInstallFrom(found: VenvFinding): Promise<PipInstall> {
  return {
    method: 'pip',
    evidence: [...found.evidence, ...(found.facts.directUrl ? [] : ['installed from a package index (no direct_url.json): a pip install'])],
    confidence: found.confidence,
    venv: found.venv,
    python: found.python,
    configPaths: found.configs,
    installedVersion: found.facts.version ?? '0.0.0',
    extras: found.facts.extras,
    pythonVersion: found.facts.python,
    sqliteVersion: found.facts.sqlite,
    restart: await synctlManager(found.venv, found.configs, undefined),
    workers: [],
  };
}
