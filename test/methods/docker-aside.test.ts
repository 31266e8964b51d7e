import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asideName, asideRoles, type AsideCandidate } from '../../src/methods/docker-aside.js';
import { dockerRecreate } from '../../src/methods/restart/docker.js';
import type { DockerInstall } from '../../src/methods/types.js';

const roles = (candidates: AsideCandidate[], names: string[]) => Object.fromEntries(asideRoles(candidates, new Set(names)));

test('upgrade leftovers by name: NAME-synapse-<version> of that version, stopped', () => {
  assert.deepEqual(asideName('synapse-synapse-1.46.0'), { container: 'synapse', version: '1.46.0' });
  assert.deepEqual(asideName('hs-synapse-1.47.0rc1'), { container: 'hs', version: '1.47.0rc1' });
  assert.equal(asideName('synapse'), undefined);
  assert.equal(asideName('hs-synapse-latest'), undefined);
  assert.equal(asideName('-synapse-1.46.0'), undefined);
});

test('set aside (NAME missing) or kept (NAME there); running, other versions and other names are homeservers of their own', () => {
  // Stopped between the rename and the run: only the renamed container is there.
  assert.deepEqual(roles([{ name: 'hs-synapse-1.46.0', running: false, version: '1.46.0' }], ['hs-synapse-1.46.0']), {
    'hs-synapse-1.46.0': { kind: 'set-aside', container: 'hs' },
  });
  // After an upgrade: kept for a rollback next to its successor.
  assert.deepEqual(
    roles(
      [
        { name: 'hs', running: true, version: '1.47.0' },
        { name: 'hs-synapse-1.46.0', running: false, version: '1.46.0' },
      ],
      ['hs', 'hs-synapse-1.46.0'],
    ),
    { 'hs-synapse-1.46.0': { kind: 'kept', container: 'hs' } },
  );
  // Two earlier upgrades, NAME missing: the newest is the homeserver, the older one was kept before.
  assert.deepEqual(
    roles(
      [
        { name: 'hs-synapse-1.45.0', running: false, version: '1.45.0' },
        { name: 'hs-synapse-1.46.0', running: false, version: '1.46.0' },
      ],
      ['hs-synapse-1.45.0', 'hs-synapse-1.46.0'],
    ),
    { 'hs-synapse-1.45.0': { kind: 'kept', container: 'hs' }, 'hs-synapse-1.46.0': { kind: 'set-aside', container: 'hs' } },
  );
  // The container a rollback set aside, next to NAME or to NAME set aside by an upgrade that stopped.
  assert.deepEqual(
    roles(
      [
        { name: 'hs-failed-20261201064201', running: false, version: '1.47.0' },
        { name: 'hs-synapse-1.46.0', running: false, version: '1.46.0' },
      ],
      ['hs-failed-20261201064201', 'hs-synapse-1.46.0'],
    ),
    { 'hs-synapse-1.46.0': { kind: 'set-aside', container: 'hs' }, 'hs-failed-20261201064201': { kind: 'kept', container: 'hs' } },
  );
  assert.deepEqual(roles([{ name: 'hs-failed-20261201064201', running: false, version: '1.47.0' }], ['hs-failed-20261201064201']), {});
  // Running, or its image holds another version than its name says: the admin's own container, left as it is.
  assert.deepEqual(
    roles(
      [
        { name: 'a-synapse-1.46.0', running: true, version: '1.46.0' },
        { name: 'b-synapse-1.46.0', running: false, version: '1.50.0' },
        { name: 'c-synapse-1.46.0', running: false, version: undefined },
      ],
      ['a-synapse-1.46.0', 'b-synapse-1.46.0', 'c-synapse-1.46.0'],
    ),
    {},
  );
});

test('a set-aside install is finished by creating NAME only; otherwise stop, rename (after the version the session started from), run', () => {
  const install = {
    container: 'hs',
    installedVersion: '1.47.0',
    runArgs: ['-v', '/srv/data:/data'],
    runCommand: [],
    compose: undefined,
  } as unknown as DockerInstall;
  const argv = (specs: { argv: readonly string[] }[]) => specs.map((s) => s.argv.join(' '));
  assert.deepEqual(argv(dockerRecreate({ ...install, setAside: 'hs-synapse-1.46.0' }, 'r/s:v1.47.0')), [
    'docker run -d --name hs -v /srv/data:/data r/s:v1.47.0',
  ]);
  assert.deepEqual(argv(dockerRecreate(install, 'r/s:v1.47.0', '1.46.0')), [
    'docker stop hs',
    'docker rename hs hs-synapse-1.46.0',
    'docker run -d --name hs -v /srv/data:/data r/s:v1.47.0',
  ]);
});
