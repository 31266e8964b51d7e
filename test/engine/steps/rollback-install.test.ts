import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rollbackInstallStep } from '../../../src/engine/steps/rollback-install.js';
import { adminError, fakeMethod, fakeRollback } from '../../helpers/step-fakes.js';

test("rollback-install: the method's own way back when it has one; its restart is kept for rollback-restart", async () => {
  const restart = { argv: ['docker', 'start', 'synapse'] };
  const r = fakeRollback({
    method: fakeMethod({
      installedVersion: async () => '1.46.0',
      rollbackCommands: async () => ({ install: [{ argv: ['docker', 'rename', 'a', 'b'], title: 'Rename' }, { argv: ['docker', 'rm', 'c'], title: 'Remove' }], restart }),
    }),
  });
  await rollbackInstallStep.run(r.ctx);
  assert.deepEqual(
    r.runner.ran.map((c) => c.argv[1]),
    ['rename', 'rm'],
  );
  assert.equal(r.ctx.backTo?.restart, restart);
  assert.deepEqual(r.ctx.lines, ['matrix-synapse 1.46.0 is installed again.']);
  assert.deepEqual(r.finished(), ['rollback-install:done Rename: done', 'rollback-install:done Remove: done']);
});

test('rollback-install: another version is there afterwards: the old version is not back', async () => {
  const r = fakeRollback({ method: fakeMethod({ installedVersion: async () => '1.47.0' }) });
  const error = await adminError(rollbackInstallStep.run(r.ctx));
  assert.equal(error.message, 'After reinstalling, matrix-synapse 1.47.0 is installed, not 1.46.0.');
  assert.equal(error.serverState, 'the old version is not back; run `synapse-upgrade rollback` to go on');
});

test('rollback-install: the install fails: the new version may still be installed', async () => {
  const r = fakeRollback({ runner: { result: () => ({ exitCode: 2, tail: ['ERROR: no such version'] }) } });
  const error = await adminError(rollbackInstallStep.run(r.ctx));
  assert.match(error.message, /^Installing 1\.46\.0 failed \(exit 2\):/);
  assert.equal(error.serverState, 'matrix-synapse 1.47.0 may still be installed; run `synapse-upgrade rollback` to go on');
});
