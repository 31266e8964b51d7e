import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { workersOnlyRestart } from '../../src/methods/restart/workers-only.js';
import type { Worker } from '../../src/methods/types.js';
import { findWorkerHost, workersOfHost } from '../../src/methods/worker-host.js';
import { tempDir } from '../helpers/temp-dir.js';
import { writeWorkerConfig } from '../../src/demo/standin-workers.js';

const worker = (name: string, extra: Partial<Worker> = {}): Worker => ({
  name,
  app: 'synapse.app.generic_worker',
  configPath: undefined,
  unit: undefined,
  url: undefined,
  from: 'test',
  ...extra,
});

test('workers-only restart: only the workers, the way their restart manager runs them', () => {
  const synctl = { kind: 'synctl' as const, synctl: '/env/bin/synctl', config: '/etc/synapse/homeserver.yaml', workersDir: '/etc/synapse/workers' };
  // synctl -a on the workers' folder (never the main process: it has no entry there), -w for a worker elsewhere.
  assert.deepEqual(
    workersOnlyRestart({
      restart: synctl,
      workers: [worker('a', { configPath: '/etc/synapse/workers/a.yaml' }), worker('b', { configPath: '/srv/b.yaml' })],
    }).map((s) => s.argv),
    [
      ['/env/bin/synctl', 'restart', '/etc/synapse/homeserver.yaml', '-a', '/etc/synapse/workers'],
      ['/env/bin/synctl', 'restart', '/etc/synapse/homeserver.yaml', '-w', '/srv/b.yaml'],
    ],
  );
  assert.deepEqual(
    workersOnlyRestart({ restart: { ...synctl, workersDir: undefined }, workers: [worker('a', { configPath: '/w/a.yaml' }), worker('ghost')] }).map(
      (s) => s.argv,
    ),
    [['/env/bin/synctl', 'restart', '/etc/synapse/homeserver.yaml', '-w', '/w/a.yaml']],
  );
  const systemd = {
    kind: 'systemd' as const,
    unit: 'matrix-synapse.target',
    mainUnit: 'matrix-synapse.service',
    mainUnitFile: undefined,
    workerUnits: ['matrix-synapse-worker@a.service', 'matrix-synapse-worker@b.service'],
    timeoutStartSec: 90,
    restartPolicy: undefined,
    dropInDir: '/etc/systemd/system/matrix-synapse.service.d',
  };
  // The worker units only: never the target (it would start the main process here).
  assert.deepEqual(
    workersOnlyRestart({ restart: systemd, workers: [] }).map((s) => s.argv),
    [['systemctl', 'restart', 'matrix-synapse-worker@a.service', 'matrix-synapse-worker@b.service']],
  );
  assert.deepEqual(workersOnlyRestart({ restart: { ...systemd, workerUnits: [] }, workers: [worker('a')] }), []);
  assert.deepEqual(
    workersOnlyRestart({ restart: { kind: 'docker', container: 'synapse', compose: false }, workers: [worker('a', { configPath: '/a.yaml' })] }),
    [],
  );
});

test('a workers-only host from its running worker processes: their virtualenv, the shared config, their own configs; other homeservers left alone', async () => {
  const root = await tempDir('su-worker-host-');
  const proc = join(root, 'proc');
  const venv = join(root, 'env');
  await mkdir(join(venv, 'bin'), { recursive: true });
  await writeFile(join(venv, 'pyvenv.cfg'), 'home = /usr/bin\n');
  await writeFile(join(venv, 'bin', 'python'), '');
  const shared = join(root, 'homeserver.yaml');
  await writeFile(shared, 'server_name: example.test\n');
  const workerConfig = await writeWorkerConfig(join(root, 'workers'), 'reader', 18081, root);
  const other = join(root, 'other.yaml');
  await writeFile(other, 'server_name: other.test\n');
  const processes: Record<string, string[]> = {
    '40': ['/usr/bin/python3', '-m', 'synapse.app.generic_worker', '-c', other, '-c', workerConfig],
    '77': [join(venv, 'bin', 'python'), '-m', 'synapse.app.generic_worker', '-c', shared, '-c', workerConfig, '--daemonize'],
    '90': ['/usr/bin/sleep', '100'],
  };
  for (const [pid, argv] of Object.entries(processes)) {
    await mkdir(join(proc, pid), { recursive: true });
    await writeFile(join(proc, pid, 'cmdline'), `${argv.join('\0')}\0`);
  }
  const found = await findWorkerHost({ configPaths: [shared] }, proc);
  assert.deepEqual([found.venv, found.sharedConfigs, found.workerConfigs], [venv, [shared], [workerConfig]]);
  assert.match(found.evidence.join('\n'), /virtualenv of the running worker process \(pid 77\)/);
  // -c naming a worker config: told apart from the shared one by worker_app.
  const given = await findWorkerHost({ venv, configPaths: [shared, workerConfig] }, join(root, 'no-proc'));
  assert.deepEqual([given.sharedConfigs, given.workerConfigs], [[shared], [workerConfig]]);
  // instance_map names workers of other hosts: not this host's.
  const workers = await workersOfHost([worker('elsewhere'), worker('unit', { unit: 'matrix-synapse-worker@unit.service' })], [workerConfig]);
  assert.deepEqual(
    workers.map((w) => [w.name, w.url ?? null]),
    [
      ['unit', null],
      ['reader', 'http://127.0.0.1:18081'],
    ],
  );
});
