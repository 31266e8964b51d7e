import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rollbackStopStep, stopCommand } from '../../../src/engine/steps/rollback-stop.js';
import { adminError, fakeMethod, fakeRollback } from '../../helpers/step-fakes.js';

test('rollback-stop: needed only when the database changes; the restart command turned into stop; the outage starts', async () => {
  const r = fakeRollback({ plan: { restore: true }, dbChanges: true });
  assert.equal(rollbackStopStep.needed(r.ctx), true);
  assert.equal(rollbackStopStep.needed(fakeRollback().ctx), false);
  await rollbackStopStep.run(r.ctx);
  assert.deepEqual(r.runner.ran[0]?.argv, ['synctl', 'stop', '/srv/synapse/homeserver.yaml']);
  assert.ok(r.ctx.stoppedAt !== undefined);
  assert.deepEqual(r.finished(), ['rollback-stop:done Stop Synapse: done']);
});

test('rollback-stop: the stop fails: the server state and running the rollback again', async () => {
  const r = fakeRollback({ dbChanges: true, runner: { result: () => ({ exitCode: 1, tail: ['synctl: no pid file'] }) } });
  const error = await adminError(rollbackStopStep.run(r.ctx));
  assert.equal(error.message, 'Stopping Synapse failed (exit 1):\n  synctl: no pid file');
  assert.equal(error.serverState, 'matrix-synapse 1.47.0 is installed; run `synapse-upgrade rollback` to go on');
  assert.equal(error.nextStep, 'Read /nonexistent/session/transcript.log; then run `synapse-upgrade rollback` again to continue.');
});

test("rollback-stop: a restart command without 'restart' gives no stop command: not drawn", () => {
  const method = fakeMethod({ restartCommand: () => ({ argv: ['service-reload'] }) });
  assert.equal(stopCommand(method, fakeRollback().ctx.picture.install), undefined);
  assert.equal(rollbackStopStep.drawn?.(fakeRollback({ method }).ctx), false);
});
