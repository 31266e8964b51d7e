import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canRunOn, renderRollbackTable, rollbackFloor, rollbackFloorAfter, rollbackTable, schemaFor } from '../../src/core/schema-facts.js';
import { loadReleaseData } from '../../src/system/release-data.js';

const { schema } = await loadReleaseData();

test('schemaFor gives each release its SCHEMA_VERSION and compat version', () => {
  assert.deepEqual(schemaFor(schema, '1.47.0'), { schema: 65, compat: 60, since: '1.46.0' });
  assert.deepEqual(schemaFor(schema, '1.105.0'), { schema: 84, compat: 83, since: '1.100.0' });
  assert.deepEqual(schemaFor(schema, '1.105.1'), { schema: 84, compat: 84, since: '1.105.1' }, 'a patch release raised compat');
  assert.deepEqual(schemaFor(schema, '1.157.1+bookworm1'), { schema: 94, compat: 84, since: '1.151.0' });
  assert.equal(schemaFor(schema, '1.58.0rc1')?.compat, 69, 'release candidates count with their release');
  assert.equal(schemaFor(schema, '0.99.5'), undefined);
});

test('rollback floor: the oldest release whose SCHEMA_VERSION >= compat', () => {
  assert.equal(rollbackFloor(schema, 84), '1.100.0');
  assert.equal(rollbackFloor(schema, 59), '1.26.0');
  assert.equal(rollbackFloor(schema, 66), '1.49.0');
  assert.equal(rollbackFloorAfter(schema, '1.157.1'), '1.100.0');
  assert.equal(rollbackFloorAfter(schema, '1.47.0'), '1.38.0');
  assert.equal(canRunOn(schema, '1.99.0', 84), false);
  assert.equal(canRunOn(schema, '1.100.0', 84), true);
});

/** The table printed in docs/upgrade.md (reference §3), row by row. */
const EXPECTED = [
  ['1.0.0', '1.2.1', '1.0.0'],
  ['1.3.0', '1.8.0', '1.3.0'],
  ['1.9.0', '1.12.4', '1.9.0'],
  ['1.13.0', '1.25.0', '1.13.0'],
  ['1.26.0', '1.44.0', '1.26.0'],
  ['1.45.0', '1.47.1', '1.38.0'],
  ['1.48.0', '1.51.0', '1.39.0'],
  ['1.52.0', '1.57.1', '1.49.0'],
  ['1.58.0', '1.61.1', '1.57.0'],
  ['1.62.0', '1.63.1', '1.61.0'],
  ['1.64.0', '1.69.0', '1.62.0'],
  ['1.70.0', '1.82.0', '1.68.0'],
  ['1.83.0', '1.84.1', '1.77.0'],
  ['1.85.0', '1.91.2', '1.83.0'],
  ['1.92.0', '1.97.0', '1.90.0'],
  ['1.98.0', '1.105.0', '1.96.0'],
  ['1.105.1', '1.163.2', '1.100.0'],
];

test('the rendered rollback table is reproduced from steps/schema.yaml', () => {
  assert.deepEqual(
    rollbackTable(schema).map((r) => [r.first, r.last, r.earliest]),
    EXPECTED,
  );
  const lines = renderRollbackTable(schema);
  assert.equal(lines[0], '| Running versions | Can roll back to (earliest) |');
  assert.ok(lines.includes('| v1.45.0 – v1.47.1 | v1.38.0 |'));
  assert.ok(lines.includes('| v1.105.1 – v1.163.2 | v1.100.0 |'));
});
