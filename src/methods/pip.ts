import { join } from 'node:path';
import { AdminError } from '../core/errors.js';
import { sortNewestFirst } from '../core/version.js';
import { readOnly } from '../system/probe.js';
import type { InstallMethod } from './types.js';
import { readVenvFacts } from './venv-facts.js';

/** `matrix-synapse[postgres,redis]==1.47.0`, keeping the extras already in use. */
export const requirement = (extras: readonly string[], version: string): string =>
  `matrix-synapse${extras.length ? `[${extras.join(',')}]` : ''}==${version}`;

/** Reads `Available versions: a, b, c` from `pip index versions`. */
export function parsePipIndexVersions(stdout: string): string[] {
  const line = stdout.split('\n').find((l) => l.startsWith('Available versions:'));
  if (!line) return [];
  return sortNewestFirst(line.slice('Available versions:'.length).split(',').map((v) => v.trim()).filter(Boolean));
}

export const pipMethod: InstallMethod = {
  name: 'pip',

  async availableVersions(install, { pre }) {
    // pip's own index query honours the admin's pip configuration (PIP_INDEX_URL, PIP_FIND_LINKS, PIP_NO_INDEX, pip.conf).
    const argv = [install.python, '-m', 'pip', 'index', 'versions', 'matrix-synapse', '--disable-pip-version-check', ...(pre ? ['--pre'] : [])];
    const result = await readOnly(argv, { timeoutMs: 120_000 });
    const versions = parsePipIndexVersions(result.stdout);
    if (result.exitCode !== 0 || versions.length === 0) {
      const why = result.stderr.trim().split('\n').filter((l) => !l.startsWith('WARNING')).at(-1) ?? 'no versions listed';
      throw new AdminError(`pip could not list the available Synapse versions: ${why}`, {
        serverState: 'nothing was changed',
        nextStep: 'Check the network and pip configuration (PIP_INDEX_URL, pip.conf), or pass --target VERSION.',
      });
    }
    return versions;
  },

  async installedVersion(install) {
    const facts = await readVenvFacts(install.python);
    if (!facts.version) throw new AdminError(`matrix-synapse is no longer installed in ${install.venv}.`);
    return facts.version;
  },

  installCommand(install, target) {
    return {
      argv: [join(install.venv, 'bin', 'pip'), 'install', '--disable-pip-version-check', '--upgrade', requirement(install.extras, target)],
      title: `Install matrix-synapse ${target} into ${install.venv}`,
    };
  },

  dryRunCheck(install, target) {
    return {
      argv: [join(install.venv, 'bin', 'pip'), 'install', '--dry-run', '--no-cache-dir', '--disable-pip-version-check', '--upgrade', requirement(install.extras, target)],
      title: `Check that pip can install matrix-synapse ${target} (changes nothing)`,
    };
  },

  restartCommand(install) {
    const config = install.configPaths[0] ?? 'homeserver.yaml';
    return { argv: [join(install.venv, 'bin', 'synctl'), 'restart', config], title: 'Restart Synapse with synctl' };
  },
};
