import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeInstall, runAsOf } from '../../src/methods/registry.js';
import type { Install } from '../../src/methods/types.js';

// Each method names its install itself (label, location, detect --json fields) and says who runs its upgrade; the
// engine and the CLI only call the registry. A method that says nothing gets the defaults.
const base: Pick<
  Install,
  'evidence' | 'confidence' | 'configPaths' | 'installedVersion' | 'extras' | 'pythonVersion' | 'sqliteVersion' | 'workers' | 'restart'
> = {
  evidence: [],
  confidence: 'high',
  configPaths: ['/etc/synapse/homeserver.yaml'],
  installedVersion: '1.46.0',
  extras: [],
  pythonVersion: undefined,
  sqliteVersion: undefined,
  workers: [],
  restart: { kind: 'synctl', synctl: '/srv/env/bin/synctl', config: '/etc/synapse/homeserver.yaml', workersDir: undefined },
};
const pip = { ...base, method: 'pip', venv: '/srv/env', python: '/srv/env/bin/python' } as Install;
const git = { ...base, method: 'git', venv: '/srv/env', python: '/srv/env/bin/python', repo: '/srv/synapse', editable: true, remote: undefined } as Install;
const debian = {
  ...base,
  method: 'debian',
  venv: '/opt/venvs/matrix-synapse',
  python: '/opt/venvs/matrix-synapse/bin/python',
  package: 'matrix-synapse-py3',
  packageVersion: '1.46.0+bookworm1',
  root: '/',
  packageVersions: {},
} as Install;
const docker = {
  ...base,
  method: 'docker',
  venv: undefined,
  python: undefined,
  container: 'synapse',
  containerId: 'abc',
  image: 'matrixdotorg/synapse:v1.46.0',
  imageRepo: 'matrixdotorg/synapse',
  mounts: [],
  ports: {},
  compose: undefined,
  runArgs: [],
  runCommand: [],
  containerConfigPath: '/data/homeserver.yaml',
} as Install;

test('each method names its install: a label for choosing, a location for summaries, the fields of detect --json', () => {
  assert.deepEqual(describeInstall(pip), {
    label: 'pip install in the virtualenv /srv/env, config /etc/synapse/homeserver.yaml',
    location: '/srv/env',
    fields: { venv: '/srv/env' },
  });
  assert.deepEqual(describeInstall(git), {
    label: 'git checkout /srv/synapse installed into /srv/env, config /etc/synapse/homeserver.yaml',
    location: '/srv/synapse (virtualenv /srv/env)',
    fields: { venv: '/srv/env', repo: '/srv/synapse', editable: true, remote: null },
  });
  assert.deepEqual(describeInstall(debian), {
    label: 'Debian package matrix-synapse-py3 1.46.0+bookworm1',
    location: 'matrix-synapse-py3 1.46.0+bookworm1 (/opt/venvs/matrix-synapse)',
    fields: { venv: '/opt/venvs/matrix-synapse', package: 'matrix-synapse-py3', packageVersion: '1.46.0+bookworm1' },
  });
  assert.deepEqual(describeInstall(docker), {
    label: 'Docker container synapse (matrixdotorg/synapse:v1.46.0)',
    location: 'container synapse',
    fields: { venv: null, container: 'synapse', image: 'matrixdotorg/synapse:v1.46.0', imageRepo: 'matrixdotorg/synapse', compose: null },
  });
});

test('who runs the upgrade: root for Debian (dpkg/apt), the virtualenv owner for pip and git, no one in particular for Docker', () => {
  assert.deepEqual(runAsOf(debian), { root: { tools: 'dpkg/apt', action: 'installing a .deb' } });
  assert.deepEqual(runAsOf(pip), { ownerOf: '/srv/env' });
  assert.deepEqual(runAsOf(git), { ownerOf: '/srv/env' });
  assert.equal(runAsOf(docker), undefined);
});
