import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { loadReleaseData } from '../../src/system/release-data.js';
import { decidedBy, notesTable } from '../../scripts/notes-table.js';

test('docs/notes.md is the table steps/ gives now (regenerate with node --import tsx scripts/notes-table.ts > docs/notes.md)', async () => {
  assert.equal(await readFile(new URL('../../docs/notes.md', import.meta.url), 'utf8'), await notesTable());
});

test('how a note is decided follows its checks', async () => {
  const byId = new Map((await loadReleaseData()).notes.map((n) => [n.id, n]));
  assert.equal(decidedBy(byId.get('v1-27-saml2-callback-uri')!), 'config');
  assert.equal(decidedBy(byId.get('v1-142-python-3-10')!), 'facts');
  assert.equal(decidedBy(byId.get('v1-47-room-delete-admin-api-removed')!), 'judgement');
  assert.equal(decidedBy(byId.get('v1-68-long-delta-systemd-timeout')!), 'always');
});
