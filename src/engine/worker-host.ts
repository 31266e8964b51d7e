import { AdminError, ExitCode } from '../core/errors.js';
import type { TargetDecision } from '../core/target.js';
import { compareVersions, parseVersion, sameVersion } from '../core/version.js';
import { loadHomeserverConfig } from '../config/homeserver-config.js';
import { completeInstall, detectInstall } from '../methods/detect.js';
import { describeInstall, methodFor } from '../methods/registry.js';
import { workersOnlyRestart } from '../methods/restart/workers-only.js';
import { findWorkerHost, workersOfHost } from '../methods/worker-host.js';
import { probeServerVersion, probeWorkerVersion } from '../system/http.js';
import type { WizardOptions } from './context.js';
import type { InspectOptions, ServerPicture } from './inspect.js';
import type { StepTracker } from './step-tracker.js';
import { checkableWorkers, requireWorkersRestart } from './workers-only.js';

const nothingChanged = { serverState: 'nothing was changed' };

/**
 * Detection on a host with only workers: the virtualenv and the shared config from `--venv`/`-c` or the running
 * worker processes, this host's workers (never the ones `instance_map` places elsewhere), their restart manager, and
 * the main process's version read at `--main-url` (the picture's URL and running version are the main process's).
 */
export async function inspectWorkerHost(opts: InspectOptions & { mainUrl: string }): Promise<ServerPicture> {
  const host = await findWorkerHost(
    { ...(opts.venv ? { venv: opts.venv } : {}), ...(opts.configPaths ? { configPaths: opts.configPaths } : {}) },
    opts.procRoot,
  );
  if (!host.sharedConfigs.length) {
    throw new AdminError('No shared config (the homeserver.yaml the workers start with) was given or found on this workers-only host.', {
      exitCode: ExitCode.usage,
      ...nothingChanged,
      nextStep: 'Pass -c with the shared homeserver.yaml (and --venv with the virtualenv), or start the workers so the wizard can read their arguments.',
    });
  }
  const detection = await detectInstall({ ...opts, ...(host.venv ? { venv: host.venv } : {}), configPaths: host.sharedConfigs });
  const install = detection.install;
  if (install.method === 'docker') {
    throw new AdminError(`--workers-only upgrades workers run from a virtualenv, but the install found is ${describeInstall(install).location}.`, {
      exitCode: ExitCode.usage,
      ...nothingChanged,
      nextStep: 'Give --venv with the virtualenv the workers run from.',
    });
  }
  install.evidence.push(...host.evidence);
  const config = await loadHomeserverConfig(install.configPaths);
  await completeInstall(install, config, { ...(opts.root ? { root: opts.root } : {}), ...(opts.procRoot ? { procRoot: opts.procRoot } : {}) });
  install.workers = await workersOfHost(install.workers, host.workerConfigs);
  if (!install.workers.length) {
    throw new AdminError(`No workers found on this host (${describeInstall(install).location}): --workers-only upgrades a host that runs workers.`, {
      exitCode: ExitCode.usage,
      ...nothingChanged,
      nextStep: 'Start the workers, or pass their configs with -c (next to the shared config), or leave out --workers-only on the main host.',
    });
  }
  requireWorkersRestart(install);
  install.evidence.push(
    `workers-only host: restart ${workersOnlyRestart(install)
      .map((s) => s.argv.join(' '))
      .join('; ')}`,
  );
  const running = await probeServerVersion(opts.mainUrl);
  if (!running.ok) {
    throw new AdminError(`The main process did not tell its version at ${opts.mainUrl}: ${running.reason}.`, {
      exitCode: ExitCode.refused,
      ...nothingChanged,
      nextStep: 'Check --main-url (the base URL of the main process, e.g. http://10.0.0.1:8008) and that this host can reach it.',
    });
  }
  const serverName = config.get('server_name');
  return {
    install,
    config,
    serverName: typeof serverName === 'string' ? serverName : undefined,
    url: opts.mainUrl,
    urlEvidence: '--main-url',
    running,
    logFile: undefined,
    pidFile: undefined,
    workersOnly: { mainUrl: opts.mainUrl },
    detection: { candidates: detection.candidates, ambiguous: detection.ambiguous, looked: detection.looked },
  };
}

/**
 * The target of a workers-only host: exactly the version its main process answers, never ahead of it. A different
 * `--target` is refused (exit 2); `latest` only when it is the main's version. Already there: nothing to do, unless a
 * worker still answers another version (installed and not restarted: the admin restarts them or resumes).
 */
export async function chooseWorkersTarget(opts: WizardOptions, tracker: StepTracker, picture: ServerPicture): Promise<TargetDecision> {
  await tracker.start('target');
  const installed = picture.install.installedVersion;
  const main = picture.running.ok ? picture.running.answer.version : installed;
  const where = `the main process answers ${main} at ${picture.url}`;
  const method = methodFor(picture.install);
  const wanted = opts.target;
  if (wanted !== undefined && wanted !== 'latest' && !(parseVersion(wanted) && sameVersion(wanted, main))) {
    throw new AdminError(`--target ${wanted} is not the main process's version: ${where}, and a workers-only host runs exactly its main process's version.`, {
      exitCode: ExitCode.usage,
      ...nothingChanged,
      nextStep: `Leave out --target (or give --target ${main}); to go to ${wanted}, upgrade the main process first, then this host.`,
    });
  }
  const order = compareVersions(installed, main);
  if (order > 0) {
    throw new AdminError(`This host's code (matrix-synapse ${installed}) is ahead of its main process: ${where}.`, {
      exitCode: ExitCode.refused,
      ...nothingChanged,
      nextStep: `Upgrade the main process to ${installed} first, or put this host back with \`synapse-upgrade rollback\` if an earlier session moved it.`,
    });
  }
  const available = order < 0 || wanted === 'latest' ? await method.availableVersions(picture.install, { pre: true }) : [];
  if (wanted === 'latest') {
    const newest = available.find((v) => !parseVersion(v)?.prerelease) ?? available[0];
    if (newest && !sameVersion(newest, main))
      throw new AdminError(`--target latest is ${newest}, not the main process's version: ${where}.`, {
        exitCode: ExitCode.usage,
        ...nothingChanged,
        nextStep: `Leave out --target on a workers-only host (it follows its main process), or upgrade the main process to ${newest} first.`,
      });
  }
  if (order === 0) {
    const other = await workerOnOtherVersion(picture, main);
    if (other)
      throw new AdminError(`matrix-synapse ${main} is installed on this host, but the worker ${other}: it was installed and not restarted.`, {
        exitCode: ExitCode.usage,
        serverState: `${main} is installed; not every worker runs it`,
        nextStep: 'Resume the interrupted session (synapse-upgrade resume), or restart the workers.',
      });
    await tracker.done('target', `already at ${main}, the main process's version`);
    return { kind: 'already-current', target: main };
  }
  if (!available.some((v) => sameVersion(v, main))) {
    throw new AdminError(`The main process's version ${main} is not available to this host's install (${describeInstall(picture.install).location}).`, {
      exitCode: ExitCode.usage,
      ...nothingChanged,
      nextStep: 'Check the package index this host uses (pip config, apt sources): it must offer the version the main process runs.',
    });
  }
  await tracker.done('target', `${installed} → ${main}, the main process's version`);
  return { kind: 'upgrade', target: main };
}

/** The first worker answering a version other than `version` ("name answers X at URL"), if any. */
async function workerOnOtherVersion(picture: ServerPicture, version: string): Promise<string | undefined> {
  for (const worker of checkableWorkers(picture.install.workers)) {
    const probe = await probeWorkerVersion(worker.url, 2000);
    if (probe.ok && !sameVersion(probe.answer.version, version)) return `${worker.name} answers ${probe.answer.raw} at ${worker.url}`;
  }
  return undefined;
}
