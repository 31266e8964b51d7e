import assert from 'node:assert/strict';
import { test } from 'node:test';
import { restartStep, waitStep } from '../../../src/engine/steps/restart.js';
import type { ReadyAnswer, WaitOptions } from '../../../src/engine/wait-ready.js';
import { adminError, answers, fakePicture, fakeSession, noAnswer } from '../../helpers/step-fakes.js';

const readyAt = (readyAt: number, downSince: number | undefined): ReadyAnswer => ({ answer: { version: '1.47.0', raw: '1.47.0', python: undefined }, readyAt, downSince });

test('restart: the restart command runs through the runner while the wait for Synapse starts; done with its time', async () => {
  const waits: WaitOptions[] = [];
  const s = fakeSession({ system: { http: { waitUntilReady: async (o) => (waits.push(o), readyAt(2000, 1500)) } } });
  await restartStep.run(s.ctx);
  assert.deepEqual(
    s.runner.ran.map((c) => c.argv),
    [['synctl', 'restart', '/srv/synapse/homeserver.yaml']],
  );
  assert.equal(waits.length, 1);
  assert.equal(waits[0]?.url, 'http://synapse.test:8008');
  assert.equal(waits[0]?.restartDone(), true, 'the wait learns that the restart command returned');
  assert.equal(waits[0]?.downSince, undefined);
  assert.deepEqual(s.finished(), ['restart:done restart command finished in 0.0 s']);
  assert.ok(s.ctx.restart?.ready);
});

test('restart: a resumed session counts the outage from the interrupted run', async () => {
  const waits: WaitOptions[] = [];
  const s = fakeSession({ restartBegan: 1000, serverDownAt: 1200, system: { http: { waitUntilReady: async (o) => (waits.push(o), readyAt(2000, 1200)) } } });
  await restartStep.run(s.ctx);
  assert.equal(waits[0]?.startedAt, 1000);
  assert.equal(waits[0]?.downSince, 1200);
  assert.equal(s.ctx.restart?.startedAt, 1000);
});

test('restart: the command fails and Synapse does not answer: an error with its output, the log and the way back', async () => {
  const s = fakeSession({
    picture: fakePicture({ logFile: '/var/log/synapse/homeserver.log' }),
    runner: { result: () => ({ exitCode: 1, tail: ['synctl: error starting'] }) },
    system: {
      http: { waitUntilReady: () => new Promise<ReadyAnswer>(() => {}), serverVersion: async () => noAnswer() },
      files: { lastLines: async () => ['2026-01-01 ERROR - the port is taken'] },
    },
  });
  const error = await adminError(restartStep.run(s.ctx));
  assert.match(error.message, /^The restart failed \(exit 1\):\n/);
  assert.match(error.message, /synctl: error starting/);
  assert.match(error.message, /the port is taken/);
  assert.equal(error.serverState, 'matrix-synapse 1.47.0 is installed and Synapse is not running');
  assert.equal(error.nextStep, 'To go back: pip install matrix-synapse==1.46.0 && synctl restart /srv/synapse/homeserver.yaml');
});

test('restart: the command exits non-zero but Synapse answers: done (the exit code is journaled)', async () => {
  const s = fakeSession({
    runner: { result: () => ({ exitCode: 1 }) },
    system: { http: { waitUntilReady: async () => readyAt(2000, 1500), serverVersion: async () => answers('1.47.0') } },
  });
  await restartStep.run(s.ctx);
  assert.deepEqual(s.finished(), ['restart:done restart command finished in 0.0 s']);
});

test('restart: a dry run shows the command and starts no wait', async () => {
  const s = fakeSession({ runner: { dryRun: true } });
  await restartStep.run(s.ctx);
  assert.equal(s.runner.ran.length, 1);
  assert.equal(s.ctx.restart?.ready, undefined);
  assert.deepEqual(s.finished(), ['restart:done not run (dry run)']);
});

test('wait: the downtime is from the first unanswered probe to the answer', async () => {
  const s = fakeSession({ restart: { startedAt: 0, ready: Promise.resolve(readyAt(4500, 1000)) } });
  await waitStep.run(s.ctx);
  assert.equal(s.ctx.downtimeMs, 3500);
  assert.deepEqual(s.finished(), ['wait:done answered after 3.5 s']);
});

test('wait: no wait started (a dry run): skipped', async () => {
  const s = fakeSession();
  await waitStep.run(s.ctx);
  assert.deepEqual(s.finished(), ['wait:skipped assumed: how long the migration takes is only known by doing it']);
});
