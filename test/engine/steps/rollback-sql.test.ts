import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rollbackSqlStep } from '../../../src/engine/steps/rollback-sql.js';
import { adminError, fakeRollback } from '../../helpers/step-fakes.js';

const sql = [{ procedure: 'v1-62-to-1-61', say: 'Drops the new index.', statements: ['DROP INDEX a', 'DELETE FROM b'] }];
const procedures = [{ id: 'v1-62-to-1-61' }] as never[];

test("rollback-sql: the guide's statements run in one command with the venv's Python (SQLite)", async () => {
  const r = fakeRollback({ plan: { sql, procedures }, dbChanges: true });
  assert.equal(rollbackSqlStep.needed(r.ctx), true);
  await rollbackSqlStep.run(r.ctx);
  assert.equal(r.runner.ran.length, 1);
  assert.equal(r.runner.ran[0]?.argv[0], '/srv/synapse/env/bin/python');
  assert.deepEqual(r.finished(), ['rollback-sql:done 2 statements: Drops the new index.']);
  assert.deepEqual(r.ctx.lines, ["Applied the upgrade guide's schema rollback (v1-62-to-1-61)."]);
});

test('rollback-sql: not needed when the backup is restored instead, or the database is unknown; a failure changes nothing', async () => {
  assert.equal(rollbackSqlStep.needed(fakeRollback({ plan: { sql, procedures, restore: true }, backup: {} as never }).ctx), false);
  assert.equal(rollbackSqlStep.needed(fakeRollback({ plan: { sql, procedures }, info: { error: 'unknown' } }).ctx), false);
  const r = fakeRollback({ plan: { sql, procedures }, runner: { result: () => ({ exitCode: 1, tail: ['no such index'] }) } });
  const error = await adminError(rollbackSqlStep.run(r.ctx));
  assert.equal(error.message, 'The schema rollback SQL failed (nothing was changed):\n  no such index');
  assert.equal(error.serverState, 'matrix-synapse 1.46.0 is installed; run `synapse-upgrade rollback` to go on');
});
