import { access, realpath } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { AdminError, ExitCode } from '../core/errors.js';
import { configArgs, findHomeserverProcesses, type HomeserverProcess } from '../system/proc.js';
import type { Install } from './types.js';
import { readVenvFacts } from './venv-facts.js';

export interface DetectInputs {
  venv?: string;
  configPaths?: string[];
  env?: NodeJS.ProcessEnv;
  home?: string;
  procRoot?: string;
}

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

async function venvOf(python: string): Promise<string | undefined> {
  const venv = dirname(dirname(python));
  return (await exists(join(venv, 'pyvenv.cfg'))) ? venv : undefined;
}

/** The first homeserver process running from a virtualenv (from `onlyVenv` when given). */
async function fromProcess(procs: HomeserverProcess[], onlyVenv: string | undefined): Promise<{ venv: string; configs: string[]; pid: number } | undefined> {
  for (const proc of procs) {
    const interpreter = proc.argv[0];
    if (!interpreter || !isAbsolute(interpreter)) continue;
    const venv = await venvOf(interpreter);
    if (!venv || (onlyVenv && venv !== onlyVenv)) continue;
    const configs = configArgs(proc.argv).map((p) => resolve(proc.cwd ?? '/', p));
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

/** Finds a pip/virtualenv install, recording why each choice was made. */
export async function detectPipInstall(inputs: DetectInputs): Promise<Install> {
  const env = inputs.env ?? process.env;
  const home = inputs.home ?? homedir();
  const evidence: string[] = [];
  const looked: string[] = [];
  let venv: string | undefined;
  let configs = inputs.configPaths?.map((p) => resolve(p)) ?? [];
  if (configs.length) evidence.push(`config from --config: ${configs.join(', ')}`);

  if (inputs.venv) {
    venv = resolve(inputs.venv);
    if (!(await exists(join(venv, 'bin', 'python')))) {
      throw new AdminError(`--venv ${venv} is not a virtualenv (no bin/python there).`, { exitCode: ExitCode.usage });
    }
    evidence.push(`virtualenv from --venv: ${venv}`);
  }
  if (!venv || !configs.length) {
    const running = await fromProcess(await findHomeserverProcesses(inputs.procRoot), venv);
    looked.push('running homeserver processes in /proc');
    if (running) {
      if (!venv) {
        venv = running.venv;
        evidence.push(`virtualenv of the running homeserver (pid ${running.pid}): ${venv}`);
      }
      if (!configs.length && running.configs.length) {
        configs = running.configs;
        evidence.push(`config from the running homeserver's arguments: ${configs.join(', ')}`);
      }
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
  if (!venv) {
    throw new AdminError(`No Synapse install found. Looked at: ${looked.join('; ')}.`, {
      exitCode: ExitCode.usage,
      code: 'no-install',
      serverState: 'nothing was changed',
      nextStep: 'Point the wizard at it with --venv PATH and --config PATH (or run `synapse-upgrade --demo` to try a sandbox).',
    });
  }
  const python = join(venv, 'bin', 'python');
  const facts = await readVenvFacts(python);
  if (!facts.installed || !facts.version) {
    throw new AdminError(`The virtualenv ${venv} has no matrix-synapse package installed.`, { exitCode: ExitCode.usage });
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
  return {
    method: 'pip',
    evidence,
    venv,
    python,
    configPaths: configs,
    installedVersion: facts.version,
    extras: facts.extras,
    pythonVersion: facts.python,
    sqliteVersion: facts.sqlite,
  };
}
