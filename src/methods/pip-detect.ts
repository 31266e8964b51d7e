import { access, realpath } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { AdminError, ExitCode } from '../core/errors.js';
import { maskUrlCredentials } from '../core/secret-values.js';
import { findHomeserverProcesses, findPipProcesses, type HomeserverProcess } from '../system/proc.js';
import { synctlManager } from './restart/synctl.js';
import { startedConfigs } from './start-config.js';
import type { Confidence, PipInstall } from './types.js';
import { prefetchedVenvFacts, readVenvFacts, type VenvFacts } from './venv-facts.js';

export interface DetectInputs {
  venv?: string;
  configPaths?: string[];
  env?: NodeJS.ProcessEnv;
  home?: string;
  procRoot?: string;
  /** How long to wait for a pip at work in the virtualenv (ms; 10 minutes by default). */
  pipWaitMs?: number;
}

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * The virtualenv's facts once no pip runs in it any more (checked every 250 ms, for up to `pipWaitMs`, 10 minutes by
 * default), read again; the first reading when none ran. A pip still running at the deadline is an error naming it
 * (its command line is another process's: credentials in a URL of it are masked).
 */
async function afterPip(venv: string, python: string, first: VenvFacts, inputs: DetectInputs): Promise<VenvFacts> {
  const deadline = Date.now() + (inputs.pipWaitMs ?? 600_000);
  let waited = false;
  for (;;) {
    const pips = await findPipProcesses(venv, inputs.procRoot);
    if (!pips.length) return waited ? readVenvFacts(python) : first;
    if (Date.now() > deadline) {
      throw new AdminError(
        `pip is still at work in the virtualenv ${venv} (pid ${pips.map((p) => p.pid).join(', ')}: ${maskUrlCredentials(pips[0]?.argv.join(' ') ?? '')}).`,
        {
          exitCode: ExitCode.usage,
          serverState: 'what is installed in it cannot be read until pip has finished; nothing was changed',
          nextStep: 'Wait for that pip to finish (or stop it), then run synapse-upgrade again.',
        },
      );
    }
    waited = true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export async function venvOf(python: string): Promise<string | undefined> {
  const venv = dirname(dirname(python));
  return (await exists(join(venv, 'pyvenv.cfg'))) ? venv : undefined;
}

/** A running homeserver started from a virtualenv: its interpreter's venv and the configs it was started with. */
interface RunningHomeserver {
  venv: string;
  configs: string[];
  pid: number;
  evidence: string[];
  startDir: string | undefined;
}

/**
 * Every homeserver process running from a virtualenv (from `onlyVenv` when given; started with one
 * of `onlyConfigs` when given), one per virtualenv and config (the lowest pid kept).
 */
async function runningHomeservers(procs: HomeserverProcess[], onlyVenv: string | undefined, onlyConfigs: readonly string[] = []): Promise<RunningHomeserver[]> {
  const found: RunningHomeserver[] = [];
  for (const proc of [...procs].sort((a, b) => a.pid - b.pid)) {
    const interpreter = proc.argv[0];
    if (!interpreter || !isAbsolute(interpreter)) continue;
    const venv = await venvOf(interpreter);
    if (!venv || (onlyVenv && venv !== onlyVenv)) continue;
    const started = await startedConfigs(proc);
    if (onlyConfigs.length && !started.configs.some((c) => onlyConfigs.includes(c))) continue;
    if (found.some((f) => f.venv === venv && f.configs.join('\0') === started.configs.join('\0'))) continue;
    found.push({ venv, configs: started.configs, pid: proc.pid, evidence: started.evidence, startDir: started.startDir });
  }
  return found;
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
  /** The folder that homeserver was started in (see StartedConfigs.startDir). */
  startDir: string | undefined;
}

/**
 * Finds the virtualenvs holding matrix-synapse: one finding per running homeserver started from a
 * virtualenv (several homeservers: several findings, each with its own config), else one from
 * --venv, the synctl on PATH or the documented places. Empty when there is none (with what was looked at).
 */
export async function findSynapseVenvs(inputs: DetectInputs, looked: string[] = []): Promise<VenvFinding[]> {
  const env = inputs.env ?? process.env;
  const home = inputs.home ?? homedir();
  const given = inputs.configPaths?.map((p) => resolve(p)) ?? [];
  const base: string[] = given.length ? [`config from --config: ${given.join(', ')}`] : [];
  let venv: string | undefined;
  if (inputs.venv) {
    venv = resolve(inputs.venv);
    if (!(await exists(join(venv, 'bin', 'python')))) {
      throw new AdminError(`--venv ${venv} is not a virtualenv (no bin/python there).`, { exitCode: ExitCode.usage });
    }
    base.push(`virtualenv from --venv: ${venv}`);
  }
  // Every virtualenv's probe (one Python each) starts as soon as the virtualenv is known, --venv's before the /proc
  // scan; the findings keep the drafts' order. A probe whose result is never awaited (an earlier draft threw) is
  // marked handled so it cannot end the process.
  const factsOf = new Map<string, Promise<VenvFacts>>();
  const probe = (dir: string): Promise<VenvFacts> => {
    const python = join(dir, 'bin', 'python');
    let facts = factsOf.get(python);
    if (!facts) {
      facts = prefetchedVenvFacts(python) ?? readVenvFacts(python);
      facts.catch(() => {});
      factsOf.set(python, facts);
    }
    return facts;
  };
  if (venv) void probe(venv);
  const running = await runningHomeservers(await findHomeserverProcesses(inputs.procRoot), venv, given);
  looked.push('running homeserver processes in /proc');
  const drafts: {
    venv: string;
    configs: string[];
    evidence: string[];
    confidence: Confidence;
    runningPid: number | undefined;
    startDir: string | undefined;
  }[] = running.map((r) => ({
    venv: r.venv,
    startDir: r.startDir,
    configs: given.length ? given : r.configs,
    confidence: 'high',
    runningPid: r.pid,
    evidence: [
      ...base,
      venv ? `the running homeserver (pid ${r.pid}) uses it` : `virtualenv of the running homeserver (pid ${r.pid}): ${r.venv}`,
      ...(given.length || !r.configs.length ? [] : [`config from the running homeserver's arguments: ${r.configs.join(', ')}`]),
      ...r.evidence,
    ],
  }));
  if (!drafts.length) {
    const evidence = [...base];
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
    if (venv) drafts.push({ venv, configs: given, evidence, confidence: inputs.venv ? 'high' : 'medium', runningPid: undefined, startDir: undefined });
  }
  const findings: VenvFinding[] = [];
  for (const draft of drafts) void probe(draft.venv);
  for (const draft of drafts) {
    const python = join(draft.venv, 'bin', 'python');
    let facts = await probe(draft.venv);
    // pip at work in it (an install the wizard left running, or the admin's): its metadata may be half there.
    if (!facts.installed || !facts.version) facts = await afterPip(draft.venv, python, facts, inputs);
    if (!facts.installed || !facts.version) {
      if (inputs.venv) throw new AdminError(`The virtualenv ${draft.venv} has no matrix-synapse package installed.`, { exitCode: ExitCode.usage });
      looked.push(`${draft.venv} (no matrix-synapse in it)`);
      continue;
    }
    const evidence = [...draft.evidence, `matrix-synapse ${facts.version} in the virtualenv's package metadata`];
    let configs = draft.configs;
    if (!configs.length) {
      for (const candidate of [join(dirname(draft.venv), 'homeserver.yaml'), join(home, 'synapse', 'homeserver.yaml')]) {
        if (await exists(candidate)) {
          configs = [candidate];
          evidence.push(`config found at ${candidate}`);
          break;
        }
      }
    }
    findings.push({
      venv: draft.venv,
      python,
      configs,
      evidence,
      looked,
      confidence: draft.confidence,
      facts,
      runningPid: draft.runningPid,
      startDir: draft.startDir,
    });
  }
  return findings;
}

export const noInstallError = (looked: readonly string[]): AdminError =>
  new AdminError(`No Synapse install found. Looked at: ${looked.join('; ')}.`, {
    exitCode: ExitCode.usage,
    code: 'no-install',
    serverState: 'nothing was changed',
    nextStep:
      'Point the wizard at it: --venv PATH and --config PATH for a virtualenv or a git checkout, --method debian for the Debian package, --method docker for a container (or run `synapse-upgrade --demo` to try a sandbox).',
  });

export async function pipInstallFrom(found: VenvFinding): Promise<PipInstall> {
  return {
    method: 'pip',
    evidence: [...found.evidence, ...(found.facts.directUrl ? [] : ['installed from a package index (no direct_url.json): a pip install'])],
    confidence: found.confidence,
    venv: found.venv,
    python: found.python,
    configPaths: found.configs,
    ...(found.startDir ? { startDir: found.startDir } : {}),
    installedVersion: found.facts.version ?? '0.0.0',
    extras: found.facts.extras,
    pythonVersion: found.facts.python,
    sqliteVersion: found.facts.sqlite,
    restart: await synctlManager(found.venv, found.configs, undefined),
    workers: [],
  };
}
