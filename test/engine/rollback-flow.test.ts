import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rollbackFlowFor } from '../../src/engine/rollback-flow.js';
import { fakeRollback } from '../helpers/step-fakes.js';

// The rollback is a flow: the steps it goes through and those the screen draws come from the plan, one list.
test('rollback flow: the steps each plan goes through, in order, and those drawn', () => {
  const ids = (over: Parameters<typeof fakeRollback>[0]) => {
    const { flow, drawn } = rollbackFlowFor(fakeRollback(over).ctx);
    return { flow: flow.map((s) => s.id), drawn: drawn.map((s) => s.id) };
  };
  assert.deepEqual(ids({}).flow, ['rollback-install', 'rollback-restart', 'rollback-verify']);
  assert.deepEqual(ids({ stillServing: true }).flow, ['rollback-install', 'rollback-verify']);
  assert.deepEqual(ids({ plan: { restore: true }, dbChanges: true, backup: {} as never }).flow, [
    'rollback-stop',
    'rollback-install',
    'rollback-restore',
    'rollback-restart',
    'rollback-verify',
  ]);
  const sql = [{ procedure: 'p', say: 's', statements: ['x'] }];
  assert.deepEqual(ids({ plan: { sql }, dbChanges: true, configFixes: [{}] as never[] }).flow, [
    'rollback-stop',
    'rollback-install',
    'rollback-config',
    'rollback-sql',
    'rollback-restart',
    'rollback-verify',
  ]);
  const dry = ids({ configFixes: [{}] as never[], runner: { dryRun: true } });
  assert.ok(dry.flow.includes('rollback-config') && !dry.drawn.includes('rollback-config'), 'a dry run only names the config files');
});
