import { join } from 'node:path';
import { AdminError } from '../core/errors.js';
import { sortNewestFirst } from '../core/version.js';
import { readPython } from '../system/probe.js';
import { withConfig } from './describe.js';
import { managerRestart } from './restart/index.js';
import type { Install, InstallMethod, PipInstall } from './types.js';
import { readVenvFacts } from './venv-facts.js';

/** `matrix-synapse[postgres,redis]==1.47.0`, keeping the extras already in use. */
export const requirement = (extras: readonly string[], version: string): string => `matrix-synapse${extras.length ? `[${extras.join(',')}]` : ''}==${version}`;

/** Reads `Available versions: a, b, c` from `pip index versions`. */
export function parsePipIndexVersions(stdout: string): string[] {
  const line = stdout.split('\n').find((l) => l.startsWith('Available versions:'));
  if (!line) return [];
  return sortNewestFirst(
    line
      .slice('Available versions:'.length)
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean),
  );
}

const asPip = (install: Install): PipInstall => {
  if (install.method !== 'pip') throw new Error(`pip method used for a ${install.method} install`);
  return install;
};

export const pipMethod: InstallMethod = {
  name: 'pip',

  describe(any) {
    const install = asPip(any);
    return { label: `pip install in the virtualenv ${install.venv}${withConfig(install)}`, location: install.venv, fields: { venv: install.venv } };
  },

  async availableVersions(any, { pre }) {
    const install = asPip(any);
    // pip's own index query honours the admin's pip configuration (PIP_INDEX_URL, PIP_FIND_LINKS, PIP_NO_INDEX, pip.conf).
    const args = ['-m', 'pip', 'index', 'versions', 'matrix-synapse', '--disable-pip-version-check', ...(pre ? ['--pre'] : [])];
    const result = await readPython(install.python, args, { timeoutMs: 120_000 });
    const versions = parsePipIndexVersions(result.stdout);
    if (result.exitCode !== 0 || versions.length === 0) {
      const why =
        result.stderr
          .trim()
          .split('\n')
          .filter((l) => !l.startsWith('WARNING'))
          .at(-1) ?? 'no versions listed';
      throw new AdminError(`pip could not list the available Synapse versions: ${why}`, {
        serverState: 'nothing was changed',
        nextStep: 'Check the network and pip configuration (PIP_INDEX_URL, pip.conf), or pass --target VERSION.',
      });
    }
    return versions;
  },

  async installedVersion(any) {
    const install = asPip(any);
    const facts = await readVenvFacts(install.python);
    if (!facts.version) throw new AdminError(`matrix-synapse is no longer installed in ${install.venv}.`);
    return facts.version;
  },

  installCommand(any, target) {
    const install = asPip(any);
    return {
      argv: [join(install.venv, 'bin', 'pip'), 'install', '--disable-pip-version-check', '--upgrade', requirement(install.extras, target)],
      title: `Install matrix-synapse ${target} into ${install.venv}`,
      // A killed pip leaves its pip-* folders in TMPDIR: the session's own, emptied by the wizard.
      tempDir: 'session',
    };
  },

  dryRunCheck(any, target) {
    const install = asPip(any);
    return {
      argv: [
        join(install.venv, 'bin', 'pip'),
        'install',
        '--dry-run',
        '--no-cache-dir',
        '--disable-pip-version-check',
        '--upgrade',
        requirement(install.extras, target),
      ],
      title: `Check that pip can install matrix-synapse ${target} (changes nothing)`,
    };
  },

  restartCommand(install) {
    return managerRestart(install);
  },
};
