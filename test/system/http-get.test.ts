// The version probe over node:http against real servers on loopback: what fetch did, without loading it.
import assert from 'node:assert/strict';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { probeHealth, probeServerVersion, probeWorkerVersion } from '../../src/system/http.js';

async function serve(handler: RequestListener): Promise<{ url: string; close: () => void; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url} ${req.headers.connection ?? ''}`);
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

test('the version endpoint answered: version and Server header read, a fresh connection each time', async () => {
  const hs = await serve((req, res) => {
    if (req.url === '/health') return void res.end('OK');
    res.writeHead(200, { 'content-type': 'application/json', server: 'Synapse/1.47.0' });
    res.end(JSON.stringify({ server_version: '1.47.0', python_version: '3.11.2' }));
  });
  try {
    const probe = await probeServerVersion(hs.url);
    assert.ok(probe.ok, JSON.stringify(probe));
    assert.equal(probe.answer.version, '1.47.0');
    assert.equal(probe.serverHeader, 'Synapse/1.47.0');
    assert.equal(await probeHealth(hs.url), true);
    assert.deepEqual(hs.requests, ['GET /_synapse/admin/v1/server_version close', 'GET /health close']);
  } finally {
    hs.close();
  }
});

test('nothing listening, a server that never answers, a redirect: each is data, never followed or thrown', async () => {
  const gone = await serve(() => {});
  const port = gone.url;
  gone.close();
  const refused = await probeServerVersion(port);
  assert.deepEqual(refused, { ok: false, reachable: false, reason: `nothing answered at ${port} (ECONNREFUSED)` });

  const silent = await serve(() => {});
  try {
    const started = performance.now();
    const probe = await probeServerVersion(silent.url, 300);
    assert.deepEqual(probe, { ok: false, reachable: false, reason: `nothing answered at ${silent.url} (TimeoutError)` });
    assert.ok(performance.now() - started < 5000);
    assert.equal(await probeHealth(silent.url, 300), false);
  } finally {
    silent.close();
  }

  const moved = await serve((_req, res) => {
    res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' });
    res.end();
  });
  try {
    const probe = await probeServerVersion(moved.url);
    assert.equal(probe.ok, false);
    assert.equal(!probe.ok && probe.reachable, true);
    assert.equal(moved.requests.length, 1, 'the redirect was not followed');
  } finally {
    moved.close();
  }
});

test('a worker without the version endpoint: its Server header on /_matrix/client/versions', async () => {
  const worker = await serve((req, res) => {
    if (req.url === '/_matrix/client/versions') {
      res.writeHead(200, { 'content-type': 'application/json', server: 'Synapse/1.47.0' });
      return void res.end('{"versions":["v1.1"]}');
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"errcode":"M_UNRECOGNIZED","error":"Unrecognized request"}');
  });
  try {
    const probe = await probeWorkerVersion(worker.url);
    assert.ok(probe.ok, JSON.stringify(probe));
    assert.equal(probe.answer.version, '1.47.0');
  } finally {
    worker.close();
  }
});
