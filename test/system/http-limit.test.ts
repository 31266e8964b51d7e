import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { probeServerVersion } from '../../src/system/http.js';

test('a version endpoint that answers without end: at most 1 MiB is read, then the answer is judged', async () => {
  let sent = 0;
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const pump = (): void => {
      while (sent < 2 * 1024 * 1024 * 1024) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    res.on('close', () => undefined);
    pump();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const before = process.memoryUsage().rss;
  const probe = await probeServerVersion(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 20_000);
  server.closeAllConnections();
  server.close();
  assert.equal(probe.ok, false);
  assert.ok(sent < 64 * 1024 * 1024, `the server sent ${sent} bytes before the wizard hung up`);
  assert.ok(process.memoryUsage().rss - before < 200 * 1024 * 1024);
});
