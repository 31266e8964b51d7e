import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeStep } from '../../src/core/steps.js';
import { decideResume } from '../../src/engine/resume-decision.js';
import { FLOW } from '../../src/engine/flow.js';
import type { JournalStep } from '../../src/system/journal.js';

const answer = (version: string) => ({ version, raw: version });
const entry = (id: JournalStep['id'], status: JournalStep['status'], summary?: string): JournalStep => ({ id, status, ...(summary ? { summary } : {}) });
const decide = (id: JournalStep['id'], journal: JournalStep | undefined, facts = {}, waitedAt?: string) =>
  decideResume({ rule: describeStep(id).resume, target: '1.47.0', entry: journal, waitedAt, facts });

test('install is judged by what is installed, never by the journal alone', () => {
  assert.deepEqual(decide('install', entry('install', 'done'), { installed: '1.46.0' }), { kind: 'run' });
  assert.deepEqual(decide('install', undefined, { installed: '1.47.0' }), { kind: 'done', why: 'matrix-synapse 1.47.0 is installed' });
  assert.deepEqual(decide('install', entry('install', 'running'), { installed: undefined }), { kind: 'run' });
});

test('restart: the target answering counts as done; a finished restart whose process lives is followed, a gone one runs again', () => {
  const back = decide('restart', entry('restart', 'running'), { answer: answer('1.47.0') }, '2026-12-01T03:00:00.000Z');
  assert.deepEqual(back, {
    kind: 'done',
    why: 'Synapse already runs 1.47.0',
    then: { kind: 'answering', answer: answer('1.47.0'), readyAt: Date.parse('2026-12-01T03:00:00.000Z') },
  });
  assert.equal(decide('restart', entry('restart', 'running'), { answer: answer('1.47.0') }).kind, 'done');
  assert.deepEqual(decide('restart', entry('restart', 'done'), { answer: answer('1.46.0'), serverProcess: 'alive' }), {
    kind: 'done',
    why: 'the restart command finished before the interruption; Synapse is not restarted again',
    then: { kind: 'migrating' },
  });
  assert.deepEqual(decide('restart', entry('restart', 'done'), { serverProcess: 'gone' }), { kind: 'run' });
  assert.deepEqual(decide('restart', entry('restart', 'running'), { serverProcess: 'alive' }), { kind: 'run' });
});

test('answered and backup steps count when the journal says they finished; read-only steps always run again', () => {
  assert.deepEqual(decide('notes', entry('notes', 'done', '3 notes')), { kind: 'done', why: '3 notes' });
  assert.deepEqual(decide('confirm', entry('confirm', 'running')), { kind: 'run' });
  assert.deepEqual(decide('backup', entry('backup', 'done', 'backup.db')), { kind: 'done', why: 'backup.db', then: { kind: 'backup' } });
  assert.deepEqual(decide('backup', entry('backup', 'skipped')), { kind: 'done', why: 'done', then: { kind: 'backup' } });
  for (const id of ['prepare', 'preflight', 'config-check', 'wait', 'verify', 'workers'] as const)
    assert.deepEqual(decide(id, entry(id, 'done')), { kind: 'run' }, id);
  assert.deepEqual(decide('rollback-sql', entry('rollback-sql', 'done', '2 statements')), { kind: 'done', why: '2 statements' });
});

test('every step of the flow carries its title, whether it changes the server and its resume rule', () => {
  for (const step of FLOW) {
    assert.deepEqual({ ...describeStep(step.id) }, { id: step.id, title: step.title, changesServer: step.changesServer, resume: step.resume });
    // A step that changes the server is never run again on the journal's word alone: it is re-checked or finished.
    if (step.changesServer) assert.notEqual(step.resume, 'run-again', step.id);
  }
});
