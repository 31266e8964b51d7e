import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  detectSystemd,
  dropInText,
  parseSystemdSeconds,
  serviceSetting,
  systemdRestart,
  timeoutRisk,
  workerConfigPattern,
} from '../../src/methods/restart/systemd.js';
import { synctlRestart, synctlWorkerSequence } from '../../src/methods/restart/synctl.js';
import { tempDir } from '../helpers/temp-dir.js';

const UNIT = `[Unit]
Description=Synapse Matrix homeserver

[Service]
Type=notify
ExecStart=/opt/venvs/matrix-synapse/bin/python -m synapse.app.homeserver --config-path=/etc/matrix-synapse/homeserver.yaml --config-path=/etc/matrix-synapse/conf.d/
Restart=always
RestartSec=3
`;

test('systemd durations: plain seconds, units, combinations, infinity; nonsense is undefined', () => {
  assert.equal(parseSystemdSeconds('90'), 90);
  assert.equal(parseSystemdSeconds('90s'), 90);
  assert.equal(parseSystemdSeconds('5min'), 300);
  assert.equal(parseSystemdSeconds('1h 30min'), 5400);
  assert.equal(parseSystemdSeconds('infinity'), Infinity);
  assert.equal(parseSystemdSeconds('soon'), undefined);
});

test('[Service] settings: later files (drop-ins) win; other sections are ignored', () => {
  const texts = [UNIT, '[Service]\nTimeoutStartSec=300\n', '[Unit]\nTimeoutStartSec=1\n'];
  assert.equal(serviceSetting(texts, 'TimeoutStartSec'), '300');
  assert.equal(serviceSetting(texts, 'Restart'), 'always');
  assert.equal(serviceSetting(texts, 'User'), undefined);
});

async function unitRoot(): Promise<string> {
  const root = await tempDir('su-systemd-');
  await mkdir(join(root, 'lib/systemd/system'), { recursive: true });
  await mkdir(join(root, 'etc/systemd/system'), { recursive: true });
  await writeFile(join(root, 'lib/systemd/system/matrix-synapse.service'), UNIT);
  return root;
}

test('the packaged unit: 90 s default start timeout with Restart=always is a risk; a drop-in raising it is read back', async () => {
  const root = await unitRoot();
  const found = await detectSystemd(root);
  assert.ok(found);
  assert.equal(found.manager.kind, 'systemd');
  assert.equal(found.manager.unit, 'matrix-synapse.service');
  assert.equal(found.manager.timeoutStartSec, 90);
  assert.equal(found.manager.restartPolicy, 'always');
  assert.equal(timeoutRisk(found.manager), true);
  assert.deepEqual(systemdRestart(found.manager).argv, ['systemctl', 'restart', 'matrix-synapse.service']);
  await mkdir(join(root, 'etc/systemd/system/matrix-synapse.service.d'));
  await writeFile(join(root, 'etc/systemd/system/matrix-synapse.service.d/synapse-upgrade-timeout.conf'), dropInText(3600));
  const again = await detectSystemd(root);
  assert.equal(again?.manager.timeoutStartSec, 3600);
  assert.equal(timeoutRisk(again!.manager), false);
});

test('worker units enabled under matrix-synapse.target: restart the target; the template gives the worker config path', async () => {
  const root = await unitRoot();
  await writeFile(join(root, 'etc/systemd/system/matrix-synapse.target'), '[Unit]\nDescription=Synapse parent target\n');
  await writeFile(
    join(root, 'etc/systemd/system/matrix-synapse-worker@.service'),
    '[Service]\nExecStart=/opt/venvs/matrix-synapse/bin/python -m synapse.app.generic_worker --config-path=/etc/matrix-synapse/homeserver.yaml --config-path=/etc/matrix-synapse/workers/%i.yaml\n',
  );
  await mkdir(join(root, 'etc/systemd/system/matrix-synapse.target.wants'));
  for (const name of ['generic1', 'media']) {
    await symlink('../matrix-synapse-worker@.service', join(root, `etc/systemd/system/matrix-synapse.target.wants/matrix-synapse-worker@${name}.service`));
  }
  const found = await detectSystemd(root);
  assert.equal(found?.manager.unit, 'matrix-synapse.target');
  assert.deepEqual(found?.manager.kind === 'systemd' && found.manager.workerUnits, [
    'matrix-synapse-worker@generic1.service',
    'matrix-synapse-worker@media.service',
  ]);
  assert.equal(await workerConfigPattern(root), '/etc/matrix-synapse/workers/%i.yaml');
});

test('a virtualenv install counts a unit only when its ExecStart runs that virtualenv', async () => {
  const root = await unitRoot();
  assert.equal(await detectSystemd(root, '/home/synapse/env'), undefined);
  assert.ok(await detectSystemd(root, '/opt/venvs/matrix-synapse'));
});

test('synctl with workers: stop them (-a DIR), restart the main process alone (-w its own entry when it has one), start them after', () => {
  const manager = { kind: 'synctl' as const, synctl: '/s/env/bin/synctl', config: '/s/homeserver.yaml', workersDir: '/s/workers' };
  const plain = synctlWorkerSequence({ restart: manager, configPaths: ['/s/homeserver.yaml'] });
  assert.deepEqual(
    plain?.before.map((c) => c.argv),
    [['/s/env/bin/synctl', 'stop', '/s/homeserver.yaml', '-a', '/s/workers']],
  );
  assert.deepEqual(plain?.main.argv, ['/s/env/bin/synctl', 'restart', '/s/homeserver.yaml']);
  assert.deepEqual(
    plain?.after.map((c) => c.argv),
    [['/s/env/bin/synctl', 'start', '/s/homeserver.yaml', '-a', '/s/workers']],
  );
  // docs/synctl_workers.md: main.yaml (worker_app: synapse.app.homeserver) in the folder, seen as main's second -c.
  const docs = synctlWorkerSequence({ restart: manager, configPaths: ['/s/homeserver.yaml', '/s/workers/main.yaml'] });
  assert.deepEqual(docs?.main.argv, ['/s/env/bin/synctl', 'restart', '/s/homeserver.yaml', '-w', '/s/workers/main.yaml']);
  assert.equal(synctlWorkerSequence({ restart: { ...manager, workersDir: undefined }, configPaths: ['/s/homeserver.yaml'] }), undefined);
  assert.deepEqual(synctlRestart({ kind: 'synctl', synctl: 'synctl', config: 'h.yaml', workersDir: undefined }).argv, ['synctl', 'restart', 'h.yaml']);
});
