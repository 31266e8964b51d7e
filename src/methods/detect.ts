import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { HomeserverConfig } from '../config/homeserver-config.js';
import { AdminError, ExitCode } from '../core/errors.js';
import { detectDebianInstall } from './debian-detect.js';
import { detectDockerInstalls } from './docker-detect.js';
import { gitInstallFrom } from './git-detect.js';
import { findSynapseVenvs, noInstallError, pipInstallFrom, type DetectInputs, type VenvFinding } from './pip-detect.js';
import { synctlManager } from './restart/synctl.js';
import { detectSystemd } from './restart/systemd.js';
import type { Confidence, Install, MethodName } from './types.js';
import { matchingUrl } from './single-out.js';
import { findWorkers } from './workers.js';

export interface DetectOptions extends DetectInputs {
  /** `--method`: look only for this kind of install. */
  method?: MethodName;
  /** `--container NAME`: the Docker container to upgrade (implies --method docker). */
  container?: string;
  /** Where system paths are looked up (`/`; a folder in tests). */
  root?: string;
  /** `--url`: among equally plausible installs (several homeservers), the one listening there. */
  url?: string;
  /** Asked when two installs are equally plausible; without it the first is taken and `ambiguous` is set. */
  choose?: (candidates: Install[]) => Promise<Install>;
}

export interface Detection {
  install: Install;
  /** Every plausible install, the chosen one first. */
  candidates: Install[];
  /** Everything looked at, for "no Synapse install found". */
  looked: string[];
  /** Two or more installs were equally plausible. */
  ambiguous: boolean;
}

const RANK: Record<Confidence, number> = { high: 3, medium: 2, low: 1 };

/** The candidates, most plausible first; ties keep the order pip, git, debian, docker is not used: found order wins. */
export function rankCandidates(candidates: Install[]): Install[] {
  return [...candidates].sort((a, b) => RANK[b.confidence] - RANK[a.confidence]);
}

/**
 * Among several candidates, one whose config file is gone is a homeserver that stopped while we looked (or was
 * deleted under it): it is set aside with a word in `looked` instead of becoming the one the wizard reads. A single
 * candidate stays, so its missing config is reported as such.
 */
async function dropVanished(candidates: Install[], looked: string[]): Promise<void> {
  if (candidates.length < 2) return;
  const gone = await Promise.all(
    candidates.map(async (c) => {
      const config = c.configPaths[0];
      if (config === undefined) return false;
      return access(config).then(
        () => false,
        () => true,
      );
    }),
  );
  if (gone.every(Boolean)) return;
  for (let i = candidates.length - 1; i >= 0; i--) {
    if (!gone[i]) continue;
    looked.push(`${candidates[i]!.configPaths[0]} (a homeserver's config that no longer exists)`);
    candidates.splice(i, 1);
  }
}

/** `--config` naming a file that is not there is a typo to report as such (exit 2), not "no install found". */
async function requireGivenConfigs(paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    if (
      await access(path).then(
        () => true,
        () => false,
      )
    )
      continue;
    throw new AdminError(`The config file ${resolve(path)} given with --config does not exist.`, {
      exitCode: ExitCode.usage,
      code: 'config-missing',
      serverState: 'nothing was changed',
      nextStep: 'Check the path (a relative path is taken from the folder you run the wizard in) and pass the homeserver.yaml your Synapse uses.',
    });
  }
}

/**
 * Looks for every kind of install and keeps the plausible ones. A virtualenv that is the Debian
 * package's, or that pip filled from a git checkout, counts once (as Debian, as git). When the most
 * plausible are equally so (a checkout with a venv from PyPI, a package next to a stray venv), `choose` decides.
 */
export async function detectInstall(opts: DetectOptions): Promise<Detection> {
  const env = opts.env ?? process.env;
  const root = opts.root ?? '/';
  if (opts.container && opts.method && opts.method !== 'docker') {
    throw new AdminError(`--container names a Docker container, but --method ${opts.method} was given.`, {
      exitCode: ExitCode.usage,
      serverState: 'nothing was changed',
      nextStep: 'Leave out --method (or give --method docker) with --container.',
    });
  }
  const method = opts.container ? 'docker' : opts.method;
  const wants = (m: MethodName): boolean => !method || method === m;
  const looked: string[] = [];
  const candidates: Install[] = [];
  await requireGivenConfigs(opts.configPaths ?? []);

  // The three kinds are looked for at once (each spawns its own probes: dpkg-query, the venvs' Python, docker ps); what
  // each looked at is reported in the same order as before.
  const debianLooked: string[] = [];
  const venvLooked: string[] = [];
  const dockerLooked: string[] = [];
  const [debian, venvs, dockerInstalls] = await Promise.all([
    wants('debian')
      ? detectDebianInstall(
          { root, env, ...(opts.configPaths?.length ? { configPaths: opts.configPaths } : {}), ...(opts.procRoot ? { procRoot: opts.procRoot } : {}) },
          debianLooked,
        )
      : undefined,
    wants('pip') || wants('git') ? findSynapseVenvs({ ...opts, env }, venvLooked) : [],
    wants('docker')
      ? detectDockerInstalls(
          {
            env,
            required: method === 'docker',
            ...(opts.configPaths?.length ? { configPaths: opts.configPaths } : {}),
            ...(opts.container ? { container: opts.container } : {}),
            ...(opts.procRoot ? { procRoot: opts.procRoot } : {}),
          },
          dockerLooked,
        )
      : [],
  ]);
  looked.push(...debianLooked, ...venvLooked);
  const isDebianVenv = (v: VenvFinding): boolean => debian !== undefined && resolve(v.venv) === resolve(debian.venv);
  if (debian) {
    const running = venvs.find((v) => isDebianVenv(v) && v.runningPid !== undefined);
    if (running && debian.confidence !== 'high') {
      debian.confidence = 'high';
      debian.evidence.push(`the running homeserver (pid ${running.runningPid}) runs from the package's virtualenv`);
    }
    if (opts.method === 'debian') debian.confidence = 'high';
    candidates.push(debian);
  }
  for (const venv of venvs) {
    if (isDebianVenv(venv)) {
      if (opts.method && opts.method !== 'debian') looked.push(`${venv.venv} (the Debian package's virtualenv)`);
      continue;
    }
    const git = wants('git') ? await gitInstallFrom(venv, env) : undefined;
    const fromCheckout = git && venv.facts.directUrl?.url.startsWith('file://');
    if (git) candidates.push(git);
    if (wants('pip') && !fromCheckout) candidates.push(await pipInstallFrom(venv));
    if (opts.method === 'git' && !git) looked.push(`${venv.venv} (matrix-synapse in it was not installed from a git checkout)`);
  }
  looked.push(...dockerLooked);
  candidates.push(...dockerInstalls);
  await dropVanished(candidates, looked);

  if (!candidates.length) {
    if (method) {
      const given = opts.container ? `--container ${opts.container}` : `--method ${method}`;
      throw new AdminError(`${given} was given, but no ${method} install of Synapse was found. Looked at: ${looked.join('; ')}.`, {
        exitCode: ExitCode.usage,
        code: 'no-install',
        serverState: 'nothing was changed',
        nextStep:
          method === 'pip' || method === 'git'
            ? 'Point the wizard at it with --venv PATH and --config PATH.'
            : 'Check the method, or leave out --method to let the wizard look for every kind of install.',
      });
    }
    throw noInstallError(looked);
  }
  const ranked = rankCandidates(candidates);
  const top = ranked[0] as Install;
  let tied = ranked.filter((c) => c.confidence === top.confidence);
  if (tied.length > 1 && opts.url) {
    const matching = await matchingUrl(tied, opts.url);
    if (matching.length) tied = matching;
  }
  let chosen = tied[0] as Install;
  if (tied.length > 1 && opts.choose) chosen = await opts.choose(tied);
  return { install: chosen, candidates: [chosen, ...ranked.filter((c) => c !== chosen)], looked, ambiguous: tied.length > 1 };
}

/**
 * What needs the config: the restart manager of a virtualenv install (a systemd unit running it, or
 * synctl) and the workers (from units, a workers/ folder, running processes and instance_map).
 */
export async function completeInstall(
  install: Install,
  config: HomeserverConfig | undefined,
  opts: { root?: string; procRoot?: string } = {},
): Promise<Install> {
  const root = opts.root ?? '/';
  if (install.method === 'pip' || install.method === 'git') {
    const systemd = await detectSystemd(root, install.venv);
    if (systemd) {
      install.restart = systemd.manager;
      install.evidence.push(...systemd.evidence);
    }
  }
  const found = await findWorkers({
    root,
    configPaths: install.configPaths,
    config,
    restart: install.restart,
    ...(opts.procRoot ? { procRoot: opts.procRoot } : {}),
    ...(install.method === 'debian' ? { extraDirs: [resolve(root, 'etc/matrix-synapse/workers')] } : {}),
  });
  install.workers = found.workers;
  install.evidence.push(...found.evidence);
  if (install.restart.kind === 'synctl') {
    const venv = install.venv ?? '';
    install.restart = await synctlManager(venv, install.configPaths, found.workersDir, install.method === 'git' ? install.repo : undefined);
    if (found.workersDir) install.evidence.push(`restart with synctl -a ${found.workersDir} (worker configs there)`);
  }
  return install;
}
