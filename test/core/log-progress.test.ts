import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { HARMLESS_SHUTDOWN_LINE, labelHarmlessShutdown, migrationProgress, shortLogLine } from '../../src/core/log-progress.js';

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
  assert.equal(
    migrationProgress([line('x', 'Running 72/03bg_populate_events_columns.py:run_create')]),
    'running schema script 72/03bg_populate_events_columns.py:run_create',
  );
  assert.equal(migrationProgress(['nothing here']), undefined);
});

test('shortLogLine keeps the time, level, logger and message of Synapse log lines', () => {
  assert.equal(
    shortLogLine('2026-11-26 13:07:46,294 - synapse.storage.prepare_database - 48 - INFO - main - Applying schema deltas for v66'),
    '13:07:46 INFO prepare_database: Applying schema deltas for v66',
  );
  assert.equal(shortLogLine('Traceback (most recent call last):'), 'Traceback (most recent call last):');
});

// Recorded from real Synapse 1.46.0 on Python 3.11, stopped with `synctl stop` (only the venv path changed).
const REAL_STOP = readFileSync(new URL('../fixtures/logs/synapse-1.46-python3.11-stop.log', import.meta.url), 'utf8')
  .trimEnd()
  .split('\n');

test("Synapse's Python 3.11 shutdown traceback (SystemExit: 0) becomes one line saying it is harmless", () => {
  const labelled = labelHarmlessShutdown(REAL_STOP);
  assert.equal(labelled.length, REAL_STOP.length - 4, labelled.join('\n'));
  assert.equal(labelled.at(-1), HARMLESS_SHUTDOWN_LINE);
  assert.match(HARMLESS_SHUTDOWN_LINE, /harmless/);
  assert.deepEqual(labelled.slice(0, -1), REAL_STOP.slice(0, 4), 'the lines before it are kept as they are');
  assert.ok(!labelled.some((l) => l !== HARMLESS_SHUTDOWN_LINE && /Traceback|SystemExit/.test(l)));
});

test('a real error traceback, or one cut before SystemExit: 0, is kept as it is', () => {
  const start = REAL_STOP.findIndex((l) => l.includes('Exception ignored in atexit callback'));
  const crash = [...REAL_STOP.slice(0, -1), line('twisted', 'SystemExit: 1')];
  assert.deepEqual(labelHarmlessShutdown(crash), crash);
  const cut = REAL_STOP.slice(0, -1);
  assert.deepEqual(labelHarmlessShutdown(cut), cut);
  const other = [line('twisted', 'Exception ignored in atexit callback: <function flush at 0x1>'), ...REAL_STOP.slice(start + 1)];
  assert.deepEqual(labelHarmlessShutdown(other), other);
});
