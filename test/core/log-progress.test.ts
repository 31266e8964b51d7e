import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrationProgress, shortLogLine } from '../../src/core/log-progress.js';

const line = (logger: string, message: string) => `2026-11-26 12:00:00,000 - ${logger} - 1 - INFO - main - ${message}`;

test('the newest progress line wins', () => {
  const lines = [
    line('synapse.storage.prepare_database', "['main', 'state']: Checking existing schema version"),
    line('synapse.storage.prepare_database', 'Applying schema deltas for v65'),
    line('synapse.storage.prepare_database', 'Applying schema 65/01_standin.sql'),
    line('synapse.http.site', 'unrelated'),
  ];
  assert.equal(migrationProgress(lines), 'applying schema delta 65/01_standin.sql');
  assert.equal(migrationProgress(lines.slice(0, 2)), 'migrating the database schema to v65');
  assert.equal(migrationProgress([...lines, line('synapse.storage.prepare_database', 'Schema now up to date')]), 'Schema now up to date');
  assert.equal(migrationProgress([line('x', 'Running 72/03bg_populate_events_columns.py:run_create')]), 'running schema script 72/03bg_populate_events_columns.py:run_create');
  assert.equal(migrationProgress(['nothing here']), undefined);
});

test('shortLogLine keeps the time, level, logger and message of Synapse log lines', () => {
  assert.equal(
    shortLogLine('2026-11-26 13:07:46,294 - synapse.storage.prepare_database - 48 - INFO - main - Applying schema deltas for v66'),
    '13:07:46 INFO prepare_database: Applying schema deltas for v66',
  );
  assert.equal(shortLogLine('Traceback (most recent call last):'), 'Traceback (most recent call last):');
});
