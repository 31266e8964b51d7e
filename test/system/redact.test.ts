import assert from 'node:assert/strict';
import { test } from 'node:test';
import { displayArgv, displayEnv, shellQuote } from '../../src/system/redact.js';

test('secret values never appear in the shown argv or env', () => {
  const spec = { argv: ['psql', 'postgresql://synapse:hunter2@db/synapse'], env: { PGPASSWORD: 'hunter2', PGHOST: 'db' }, secretEnv: ['PGPASSWORD'] };
  assert.deepEqual(displayArgv(spec), ['psql', 'postgresql://synapse:***@db/synapse']);
  assert.deepEqual(displayEnv(spec), { PGPASSWORD: '***', PGHOST: 'db' });
});

test('shellQuote leaves plain words alone and quotes the rest safely', () => {
  assert.equal(shellQuote('matrix-synapse==1.47.0'), 'matrix-synapse==1.47.0');
  assert.equal(shellQuote('matrix-synapse[postgres]==1.47.0'), "'matrix-synapse[postgres]==1.47.0'");
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
  assert.equal(shellQuote(''), "''");
});
