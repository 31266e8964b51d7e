import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPlainRenderer } from '../../src/ui/plain.js';
import { createJsonRenderer } from '../../src/ui/json.js';
import type { WizardEvent } from '../../src/core/events.js';

const events: WizardEvent[] = [
  { type: 'step.started', step: 'install', title: 'Install the new version' },
  { type: 'command.started', id: 1, argv: ['pip', 'install', 'matrix-synapse==1.47.0'], cwd: undefined, title: undefined, dryRun: false },
  { type: 'command.output', id: 1, line: 'Successfully installed' },
  { type: 'command.finished', id: 1, exitCode: 0, durationMs: 10 },
  { type: 'step.finished', step: 'install', status: 'done', summary: 'ok' },
  { type: 'waiting', elapsedMs: 1000, logLines: [], progress: 'migrating the database schema to v65' },
  { type: 'waiting', elapsedMs: 2000, logLines: [], progress: 'migrating the database schema to v65' },
  { type: 'waiting', elapsedMs: 13000, logLines: [], progress: 'migrating the database schema to v65' },
  { type: 'question', question: { id: 'confirm', text: 'Go?', details: ['1. pip'], choices: [] } },
  { type: 'answer', questionId: 'confirm', value: 'yes' },
  {
    type: 'result',
    result: {
      outcome: 'upgraded',
      exitCode: 0,
      from: '1.46.0',
      to: '1.47.0',
      totalMs: 1,
      downtimeMs: 1,
      rolledBack: false,
      notesRefused: [],
      lines: ['Synapse now runs 1.47.0'],
    },
  },
];

test('the plain renderer writes one line per event, no escape codes, and throttles waiting', () => {
  const lines: string[] = [];
  const render = createPlainRenderer((line) => lines.push(line));
  events.forEach(render);
  assert.deepEqual(lines, [
    '[..] Install the new version',
    '     $ pip install matrix-synapse==1.47.0',
    '     | Successfully installed',
    '[ok] install: ok',
    '     waiting 1 s: migrating the database schema to v65',
    '     waiting 13 s: migrating the database schema to v65',
    '? Go?',
    '    1. pip',
    '  → yes',
    'Synapse now runs 1.47.0',
  ]);
  assert.ok(lines.every((line) => !line.includes('\u001b')));
});

test('the JSON renderer writes one parseable object per event, the result last', () => {
  const lines: string[] = [];
  const render = createJsonRenderer((line) => lines.push(line));
  events.forEach(render);
  const parsed = lines.map((line) => JSON.parse(line) as { type: string; time: string });
  assert.equal(parsed.length, events.length);
  assert.equal(parsed.at(-1)?.type, 'result');
  assert.ok(parsed.every((event) => !Number.isNaN(Date.parse(event.time))));
});

test('the plain renderer writes no bare "waiting 0 s" lines: without progress, the first waiting line comes at 10 s', () => {
  const lines: string[] = [];
  const render = createPlainRenderer((line) => lines.push(line));
  for (const elapsedMs of [0, 400, 1000, 6000, 10_200, 14_000, 20_300]) render({ type: 'waiting', elapsedMs, logLines: [], progress: undefined });
  render({ type: 'waiting', elapsedMs: 21_000, logLines: [], progress: 'Synapse now listening on port 8008' });
  assert.deepEqual(lines, ['     waiting 10 s', '     waiting 20 s', '     waiting 21 s: Synapse now listening on port 8008']);
  assert.ok(lines.every((line) => !/waiting 0 s/.test(line)));
});
