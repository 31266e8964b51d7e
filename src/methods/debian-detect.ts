import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { parseVersion } from '../core/version.js';
import { readOnly } from '../system/probe.js';
import { findHomeserverProcesses } from '../system/proc.js';
import { synctlManager } from './restart/synctl.js';
import { detectSystemd } from './restart/systemd.js';
import type { Confidence, DebianInstall } from './types.js';
import { readVenvFacts, type VenvFacts } from './venv-facts.js';

export const DEBIAN_PACKAGE = 'matrix-synapse-py3';
export const DEBIAN_VENV = '/opt/venvs/matrix-synapse';
export const DEBIAN_CONFIG = '/etc/matrix-synapse/homeserver.yaml';
export const DEBIAN_CONF_D = '/etc/matrix-synapse/conf.d';

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

export interface DpkgState {
  status: string;
  version: string;
}

/** `dpkg-query -W` for the package (`ii` = installed); undefined when dpkg does not know it or is missing. */
export async function dpkgState(pkg: string, root = '/', env?: NodeJS.ProcessEnv): Promise<DpkgState | { missing: string }> {
  const argv = ['dpkg-query', ...(root === '/' ? [] : [`--admindir=${join(root, 'var/lib/dpkg')}`]), '-W', '-f', '${db:Status-Abbrev}\\t${Version}\\n', pkg];
  const result = await readOnly(argv, { timeoutMs: 30_000, ...(env ? { env } : {}) });
  if (result.exitCode !== 0) {
    return { missing: /ENOENT|not found|could not run/i.test(result.stderr) ? 'dpkg-query is not installed' : `dpkg does not know ${pkg}` };
  }
  const [status = '', version = ''] = result.stdout.trim().split('\t');
  return { status: status.trim(), version: version.trim() };
}

export interface DebianDetectInputs {
  root?: string;
  configPaths?: string[];
  env?: NodeJS.ProcessEnv;
  procRoot?: string;
}

/**
 * The packages.matrix.org package: dpkg says `matrix-synapse-py3` is installed; its virtualenv is
 * /opt/venvs/matrix-synapse and its config /etc/matrix-synapse/homeserver.yaml plus conf.d/.
 */
export async function detectDebianInstall(inputs: DebianDetectInputs, looked: string[] = []): Promise<DebianInstall | undefined> {
  const root = inputs.root ?? '/';
  const at = (path: string): string => join(root, path);
  looked.push(`the Debian package ${DEBIAN_PACKAGE} (dpkg-query)`);
  const state = await dpkgState(DEBIAN_PACKAGE, root, inputs.env);
  if ('missing' in state || !state.status.startsWith('i') || !state.version) {
    if ('missing' in state && state.missing.includes('not installed')) looked[looked.length - 1] += ': dpkg-query is not installed';
    return undefined;
  }
  const evidence = [`dpkg: ${DEBIAN_PACKAGE} ${state.version} is installed (status ${state.status})`];
  let confidence: Confidence = 'medium';
  const venv = at(DEBIAN_VENV);
  const python = join(venv, 'bin', 'python');
  let facts: VenvFacts | undefined;
  if (await exists(python)) {
    facts = await readVenvFacts(python).catch(() => undefined);
    evidence.push(`the package's virtualenv ${venv}${facts?.version ? ` holds matrix-synapse ${facts.version}` : ''}`);
  }
  const procs = await findHomeserverProcesses(inputs.procRoot);
  const running = procs.find((p) => p.argv[0]?.startsWith(`${venv}/`));
  if (running) {
    confidence = 'high';
    evidence.push(`the running homeserver (pid ${running.pid}) runs from ${venv}`);
  }
  let configPaths = inputs.configPaths ?? [];
  if (configPaths.length) {
    evidence.push(`config from --config: ${configPaths.join(', ')}`);
  } else if (await exists(at(DEBIAN_CONFIG))) {
    configPaths = [at(DEBIAN_CONFIG), ...((await exists(at(DEBIAN_CONF_D))) ? [at(DEBIAN_CONF_D)] : [])];
    evidence.push(`config from the package: ${configPaths.join(' + ')}`);
  }
  const systemd = await detectSystemd(root);
  if (systemd) evidence.push(...systemd.evidence);
  return {
    method: 'debian',
    evidence,
    confidence,
    venv,
    python,
    package: DEBIAN_PACKAGE,
    packageVersion: state.version,
    packageVersions: {},
    root,
    configPaths,
    installedVersion: parseVersion(state.version)?.text ?? facts?.version ?? state.version,
    extras: facts?.extras ?? [],
    pythonVersion: facts?.python,
    sqliteVersion: facts?.sqlite,
    restart: systemd?.manager ?? (await synctlManager(venv, configPaths, undefined)),
    workers: [],
  };
}
