import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rollbackRestartStep } from '../../../src/engine/steps/rollback-restart.js';
import type { ReadyAnswer } from '../../../src/engine/wait-ready.js';
import { adminError, fakeRollback, noAnswer } from '../../helpers/step-fakes.js';

const ready: ReadyAnswer = { answer: { version: '1.46.0', raw: '1.46.0', python: undefined }, readyAt: 5, downSince: 1 };

test("rollback-restart: the guide's config advice first, then the method's restart with the wait started", async () => {
  const r = fakeRollback({ plan: { configAdvice: ['Set use_presence: false again.\nmore'] }, system: { http: { waitUntilReady: async () => ready } } });
  assert.equal(rollbackRestartStep.needed(r.ctx), true);
  assert.equal(rollbackRestartStep.needed(fakeRollback({ stillServing: true }).ctx), false);
  await rollbackRestartStep.run(r.ctx);
  assert.deepEqual(r.messages('warn'), ['The upgrade guide asks for this config change after going back: Set use_presence: false again.\nmore']);
  assert.deepEqual(r.ctx.lines, ['To do by hand (from the upgrade guide): Set use_presence: false again.']);
  assert.deepEqual(r.runner.ran[0]?.argv, ['synctl', 'restart', '/srv/synapse/homeserver.yaml']);
  assert.equal(await r.ctx.ready, ready);
  assert.deepEqual(r.finished(), ['rollback-restart:done restart command finished in 0.0 s']);
});

test('rollback-restart: it fails and nothing answers: the log tail, Synapse is not running', async () => {
  const r = fakeRollback({
    runner: { result: () => ({ exitCode: 1, tail: ['synctl: failed'] }) },
    system: { http: { waitUntilReady: () => new Promise<ReadyAnswer>(() => {}), serverVersion: async () => noAnswer() } },
  });
  const error = await adminError(rollbackRestartStep.run(r.ctx));
  assert.equal(error.message, 'Starting 1.46.0 failed (exit 1):\n  synctl: failed');
  assert.equal(error.serverState, 'matrix-synapse 1.46.0 is installed and Synapse is not running');
  assert.equal(error.nextStep, 'Read the homeserver log.');
});

test('rollback-restart: a dry run starts no wait', async () => {
  const r = fakeRollback({ runner: { dryRun: true } });
  await rollbackRestartStep.run(r.ctx);
  assert.equal(r.ctx.ready, undefined);
});
