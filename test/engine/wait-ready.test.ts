import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { WizardEvent } from '../../src/core/events.js';
import { HARMLESS_SHUTDOWN_LINE } from '../../src/core/log-progress.js';
import { waitUntilReady } from '../../src/engine/wait-ready.js';

test('while waiting, the old process\'s Python 3.11 shutdown traceback is shown as one harmless line (real HTTP, a real log file)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'su-wait-'));
  const logFile = join(dir, 'homeserver.log');
  await writeFile(logFile, '2026-11-30 23:50:00,000 - synapse.app.homeserver - 1 - INFO - main - an older line\n');
  // Synapse is down for 1.5 s, then answers: the wait reports at least once in between.
  const upAt = Date.now() + 1500;
  const server = createServer((_req, res) => {
    if (Date.now() < upAt) {
      res.writeHead(502).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ server_version: '1.47.0' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const events: WizardEvent[] = [];
  try {
    const waiting = waitUntilReady({
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      logFile,
      pidFile: undefined,
      emit: (e) => events.push(e),
      ask: () => Promise.reject(new Error('no question expected')),
      restartDone: () => true,
      startedAt: Date.now(),
    });
    // The stopping process writes its shutdown lines after the wait began (recorded from real Synapse 1.46.0).
    await appendFile(logFile, await readFile(new URL('../fixtures/logs/synapse-1.46-python3.11-stop.log', import.meta.url)));
    const { answer } = await waiting;
    assert.equal(answer.version, '1.47.0');
  } finally {
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
  const tails = events.flatMap((e) => (e.type === 'waiting' ? [e.logLines] : []));
  const last = tails.at(-1) ?? [];
  assert.ok(last.includes(HARMLESS_SHUTDOWN_LINE), JSON.stringify(tails));
  assert.ok(!tails.flat().some((l) => l !== HARMLESS_SHUTDOWN_LINE && /SystemExit|Traceback|an older line/.test(l)), JSON.stringify(tails));
  assert.ok(last.some((l) => /WARNING homeserver: Stopping daemon\./.test(l)), JSON.stringify(last));
});
