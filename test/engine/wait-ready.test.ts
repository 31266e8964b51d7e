import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { WizardEvent } from '../../src/core/events.js';
import { HARMLESS_SHUTDOWN_LINE } from '../../src/core/log-progress.js';
import { downtimeOf, waitUntilReady } from '../../src/engine/wait-ready.js';

test("while waiting, the old process's Python 3.11 shutdown traceback is shown as one harmless line (real HTTP, a real log file)", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'su-wait-'));
  const logFile = join(dir, 'homeserver.log');
  await writeFile(logFile, '2026-11-30 23:50:00,000 - synapse.app.homeserver - 1 - INFO - main - an older line\n');
  // Synapse stays down until the wait has reported the shutdown lines (at most 20 s, then the asserts say what was
  // shown), then answers: no race with a loaded machine.
  let up = false;
  const fallback = setTimeout(() => (up = true), 20_000);
  const server = createServer((_req, res) => {
    if (!up) {
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
      emit: (e) => {
        events.push(e);
        if (e.type === 'waiting' && e.logLines.includes(HARMLESS_SHUTDOWN_LINE) && e.logLines.some((l) => /Stopping daemon\./.test(l))) up = true;
      },
      ask: () => Promise.reject(new Error('no question expected')),
      restartDone: () => true,
      startedAt: Date.now(),
    });
    // The stopping process writes its shutdown lines after the wait began (recorded from real Synapse 1.46.0).
    await appendFile(logFile, await readFile(new URL('../fixtures/logs/synapse-1.46-python3.11-stop.log', import.meta.url)));
    const { answer } = await waiting;
    assert.equal(answer.version, '1.47.0');
  } finally {
    clearTimeout(fallback);
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
  const tails = events.flatMap((e) => (e.type === 'waiting' ? [e.logLines] : []));
  const last = tails.at(-1) ?? [];
  assert.ok(last.includes(HARMLESS_SHUTDOWN_LINE), JSON.stringify(tails));
  assert.ok(!tails.flat().some((l) => l !== HARMLESS_SHUTDOWN_LINE && /SystemExit|Traceback|an older line/.test(l)), JSON.stringify(tails));
  assert.ok(
    last.some((l) => /WARNING homeserver: Stopping daemon\./.test(l)),
    JSON.stringify(last),
  );
});

/** An HTTP server on loopback that answers server_version while `up()` says so, and refuses connections otherwise. */
async function switchable(version: string) {
  let listening: ReturnType<typeof createServer> | undefined;
  let port = 0;
  const serve = () => createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ server_version: version })));
  const up = async () => {
    listening = serve();
    await new Promise<void>((resolve) => listening!.listen(port, '127.0.0.1', resolve));
    port = (listening.address() as AddressInfo).port;
  };
  const down = async () => {
    const s = listening;
    listening = undefined;
    s?.closeAllConnections();
    await new Promise<void>((resolve) => s?.close(() => resolve()) ?? resolve());
  };
  await up();
  return { url: () => `http://127.0.0.1:${port}`, up, down };
}

test('the outage is measured from the first unanswered probe, not from the restart command: the old process answering meanwhile does not count (real HTTP)', async () => {
  const server = await switchable('1.47.0');
  const downs: number[] = [];
  let restartDone = false;
  const startedAt = Date.now();
  const waiting = waitUntilReady({
    url: server.url(),
    logFile: undefined,
    pidFile: undefined,
    emit: () => {},
    ask: () => Promise.reject(new Error('no question')),
    restartDone: () => restartDone,
    startedAt,
    onDown: (at) => downs.push(at),
  });
  // The restart command first stops the old process, which answers for 600 ms more.
  await new Promise((r) => setTimeout(r, 600));
  const wentDown = Date.now();
  await server.down();
  await new Promise((r) => setTimeout(r, 400));
  restartDone = true;
  await new Promise((r) => setTimeout(r, 500));
  const cameUp = Date.now();
  await server.up();
  const ready = await waiting;
  await server.down();
  assert.equal(ready.answer.version, '1.47.0');
  assert.equal(downs.length, 1, 'the outage start is told once');
  assert.equal(downs[0], ready.downSince);
  assert.ok(
    ready.downSince! >= wentDown - 60 && ready.downSince! <= wentDown + 200,
    `outage from ${ready.downSince! - startedAt} ms, the server went at ${wentDown - startedAt} ms`,
  );
  assert.ok(ready.readyAt >= cameUp && ready.readyAt <= cameUp + 300, `ready at ${ready.readyAt - startedAt} ms, the server came at ${cameUp - startedAt} ms`);
  assert.ok(Math.abs(downtimeOf(ready) - (cameUp - wentDown)) < 300, `downtime ${downtimeOf(ready)} ms, really ${cameUp - wentDown} ms`);
});

test('a resumed wait that finds Synapse already down counts from the outage start the interrupted run recorded (real HTTP)', async () => {
  const server = await switchable('1.47.0');
  await server.down();
  const recorded = Date.now() - 5000;
  const waiting = waitUntilReady({
    url: server.url(),
    logFile: undefined,
    pidFile: undefined,
    emit: () => {},
    ask: () => Promise.reject(new Error('no question')),
    restartDone: () => true,
    startedAt: recorded - 1000,
    downSince: recorded,
    deadMs: 60_000,
  });
  await new Promise((r) => setTimeout(r, 300));
  await server.up();
  const ready = await waiting;
  await server.down();
  assert.equal(ready.downSince, recorded);
  assert.ok(downtimeOf(ready) >= 5300, String(downtimeOf(ready)));
});

test('a new process that answers while the restart command still runs (its start waits for the listener) ends the outage then (real HTTP)', async () => {
  const server = await switchable('1.47.0');
  let restartDone = false;
  const waiting = waitUntilReady({
    url: server.url(),
    logFile: undefined,
    pidFile: undefined,
    emit: () => {},
    ask: () => Promise.reject(new Error('no question')),
    restartDone: () => restartDone,
    startedAt: Date.now(),
  });
  await new Promise((r) => setTimeout(r, 300));
  const wentDown = Date.now();
  await server.down();
  await new Promise((r) => setTimeout(r, 700));
  const cameUp = Date.now();
  await server.up();
  await new Promise((r) => setTimeout(r, 600)); // the command returns later
  restartDone = true;
  const ready = await waiting;
  await server.down();
  assert.ok(Math.abs(downtimeOf(ready) - (cameUp - wentDown)) < 250, `downtime ${downtimeOf(ready)} ms, really ${cameUp - wentDown} ms`);
});
