import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rollbackVerifyStep } from '../../../src/engine/steps/rollback-verify.js';
import type { ReadyAnswer } from '../../../src/engine/wait-ready.js';
import { adminError, answers, fakeRollback } from '../../helpers/step-fakes.js';

const ready = (version: string): Promise<ReadyAnswer> => Promise.resolve({ answer: { version, raw: version, python: undefined }, readyAt: 9000, downSince: 4000 });

test('rollback-verify: after the restart the old version answers; the downtime counts from the stop when there was one', async () => {
  const r = fakeRollback({ ready: ready('1.46.0'), stoppedAt: 1000, system: { http: { health: async () => true } } });
  await rollbackVerifyStep.run(r.ctx);
  assert.deepEqual(r.finished(), ['rollback-verify:done server_version says 1.46.0; /health OK']);
  assert.deepEqual(r.ctx.lines, ['Synapse 1.46.0 serves again at http://synapse.test:8008 (server_version 1.46.0, /health OK).']);
  assert.equal(r.ctx.downtimeMs, 8000);
});

test('rollback-verify: the new version still answers: an error', async () => {
  const r = fakeRollback({ ready: ready('1.47.0'), system: { http: { serverVersion: async () => answers('1.47.0') } } });
  const error = await adminError(rollbackVerifyStep.run(r.ctx));
  assert.equal(error.message, 'After the rollback, http://synapse.test:8008 answers 1.47.0, not 1.46.0.');
  assert.equal(error.serverState, 'matrix-synapse 1.46.0 is installed');
});

test('rollback-verify: never restarted: the old process is proven still there, downtime 0', async () => {
  const r = fakeRollback({ stillServing: true, system: { http: { serverVersion: async () => answers('1.46.0') } } });
  await rollbackVerifyStep.run(r.ctx);
  assert.deepEqual(r.finished(), ['rollback-verify:done 1.46.0 still serving, never restarted']);
  assert.equal(r.ctx.downtimeMs, 0);
});

test('rollback-verify: a dry run verifies nothing', async () => {
  const r = fakeRollback({ runner: { dryRun: true } });
  await rollbackVerifyStep.run(r.ctx);
  assert.deepEqual(r.finished(), ['rollback-verify:done not run (dry run)']);
  assert.equal(r.ctx.downtimeMs, undefined);
});
