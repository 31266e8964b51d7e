import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { fixesTable } from '../../scripts/fixes-table.js';

test('docs/config-fixes.md is the table steps/ gives now, every note marked (regenerate with node --import tsx scripts/fixes-table.ts > docs/config-fixes.md)', async () => {
  const table = await fixesTable();
  assert.equal(await readFile(new URL('../../docs/config-fixes.md', import.meta.url), 'utf8'), table);
  for (const id of [
    'v1-25-ip-range-blacklist',
    'v1-34-room-invite-state-types',
    'v1-41-template-dir-deprecated',
    'v1-53-webclient-removed',
    'v1-84-worker-replication-keys-deprecated',
    'v1-88-worker-replication-keys-removed',
    'v1-23-structured-logging-deprecated',
    'v1-54-structured-logging-removed',
    'v1-157-msc3861-removed',
  ]) {
    assert.match(table, new RegExp(`\\| ${id} \\| yes \\|`), `${id} is mechanical`);
  }
});
