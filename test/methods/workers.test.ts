import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { mergeConfigFiles } from '../../src/config/homeserver-config.js';
import { parseYamlText } from '../../src/config/yaml-file.js';
import { findWorkers, workerClientUrl } from '../../src/methods/workers.js';
import { waitForWorker } from '../../src/engine/steps/workers.js';
import { tempDir } from '../helpers/temp-dir.js';

test('a worker client listener URL: the client resource only, wildcard binds dialled on loopback', () => {
  assert.equal(
    workerClientUrl([
      { type: 'http', port: 8083, resources: [{ names: ['replication'] }] },
      { type: 'http', port: 8084, bind_addresses: ['0.0.0.0'], resources: [{ names: ['client', 'federation'] }] },
    ]),
    'http://127.0.0.1:8084',
  );
  assert.equal(workerClientUrl([{ type: 'http', port: 8083, resources: [{ names: ['media'] }] }]), undefined);
  assert.equal(workerClientUrl(undefined), undefined);
});

test('workers from a workers/ folder next to homeserver.yaml, and names in instance_map with no config', async () => {
  const root = await tempDir('su-workers-');
  await mkdir(join(root, 'workers'));
  await writeFile(join(root, 'homeserver.yaml'), 'server_name: x\n');
  await writeFile(
    join(root, 'workers', 'generic1.yaml'),
    'worker_app: synapse.app.generic_worker\nworker_name: generic1\nworker_listeners:\n  - type: http\n    port: 8083\n    resources:\n      - names: [client]\n',
  );
  await writeFile(join(root, 'workers', 'notes.yaml'), 'just: a file\n');
  const config = mergeConfigFiles(
    [join(root, 'homeserver.yaml')],
    [
      parseYamlText(
        join(root, 'homeserver.yaml'),
        'server_name: x\ninstance_map:\n  main: {host: localhost, port: 9093}\n  generic1: {host: localhost, port: 9094}\n  pusher: {host: localhost, port: 9095}\n',
      ),
    ],
  );
  const found = await findWorkers({
    root: '/',
    configPaths: [join(root, 'homeserver.yaml')],
    config,
    restart: { kind: 'synctl', synctl: 'synctl', config: 'h', workersDir: undefined },
    procRoot: join(root, 'no-proc'),
  });
  assert.equal(found.workersDir, join(root, 'workers'));
  assert.deepEqual(
    found.workers.map((w) => [w.name, w.url ?? null, w.configPath ? 'file' : 'none']),
    [
      ['generic1', 'http://127.0.0.1:8083', 'file'],
      ['pusher', null, 'none'],
    ],
  );
});

test('a worker that keeps answering the old version fails the check once its time is up', async () => {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"server_version": "1.46.0"}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const worker = { name: 'w', app: 'synapse.app.generic_worker', configPath: undefined, unit: undefined, url, from: 'test' };
    assert.deepEqual(await waitForWorker(worker, '1.47.0', 300, 50), { ok: false, seen: '1.46.0' });
    assert.deepEqual(await waitForWorker(worker, '1.46.0', 300, 50), { ok: true, seen: '1.46.0' });
  } finally {
    server.close();
  }
});

test("a worker without the version endpoint (HTTP 404, as 1.46's workers answer) is read from its Server header; none there is a clear failure", async () => {
  let header: string | undefined = 'Synapse/1.46.0';
  const server = createServer((req, res) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(header ? { server: header } : {}) };
    if (req.url === '/_matrix/client/versions') res.writeHead(200, headers).end('{"versions": ["r0.6.1"]}');
    else res.writeHead(404, headers).end('{"errcode": "M_UNRECOGNIZED"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const worker = { name: 'w', app: 'synapse.app.generic_worker', configPath: undefined, unit: undefined, url, from: 'test' };
    assert.deepEqual(await waitForWorker(worker, '1.46.0', 300, 50), { ok: true, seen: '1.46.0' });
    assert.deepEqual(await waitForWorker(worker, '1.49.0', 300, 50), { ok: false, seen: '1.46.0' });
    header = 'nginx';
    const r = await waitForWorker(worker, '1.46.0', 300, 50);
    assert.equal(r.ok, false);
    assert.match(r.seen, /\/_matrix\/client\/versions answered HTTP 200 with no "Server: Synapse\/…" header/);
  } finally {
    server.close();
  }
});
