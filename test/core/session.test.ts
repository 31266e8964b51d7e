import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WizardEvent } from '../../src/core/events.js';
import { initialView, reduceEvents, reduceView, TAIL_LIMIT } from '../../src/core/session.js';

const fold = (events: WizardEvent[]) => events.reduce(reduceView, initialView());

test('steps move from pending to running to done', () => {
  const view = fold([
    {
      type: 'steps',
      steps: [
        { id: 'detect', title: 'x' },
        { id: 'target', title: 'y' },
        { id: 'notes', title: 'z' },
      ],
    },
    { type: 'step.started', step: 'detect', title: 'x' },
    { type: 'step.finished', step: 'detect', status: 'done', summary: 'found it' },
    { type: 'step.started', step: 'target', title: 'y' },
  ]);
  assert.equal(view.steps[0]?.status, 'done');
  assert.equal(view.steps[0]?.summary, 'found it');
  assert.equal(view.steps[1]?.status, 'running');
  assert.equal(view.steps[2]?.status, 'pending');
});

test('command output is a bounded tail; the command header goes to the finished log', () => {
  const events: WizardEvent[] = [{ type: 'command.started', id: 1, argv: ['pip', 'install'], cwd: undefined, title: 't', dryRun: false }];
  for (let i = 0; i < TAIL_LIMIT + 50; i++) events.push({ type: 'command.output', id: 1, line: `line ${i}` });
  const view = fold(events);
  assert.equal(view.tail.length, TAIL_LIMIT);
  assert.equal(view.tail.at(-1), `line ${TAIL_LIMIT + 49}`);
  assert.deepEqual(
    view.log.map((l) => l.text),
    ['$ pip install'],
  );
  assert.deepEqual(view.running?.argv, ['pip', 'install']);
  assert.equal(fold([...events, { type: 'command.finished', id: 1, exitCode: 0, durationMs: 5 }]).running, undefined);
});

test('a dry-run command is marked as not run', () => {
  const view = fold([{ type: 'command.started', id: 1, argv: ['synctl', 'restart'], cwd: undefined, title: undefined, dryRun: true }]);
  assert.match(view.log[0]?.text ?? '', /^\(dry run, not run\) \$ synctl restart/);
});

test('the log is append-only with stable keys', () => {
  const view = fold([
    { type: 'message', level: 'warn', text: 'a' },
    { type: 'message', level: 'info', text: 'b' },
  ]);
  assert.deepEqual(
    view.log.map((l) => [l.key, l.level, l.text]),
    [
      [0, 'warn', 'a'],
      [1, 'info', 'b'],
    ],
  );
});

test('questions come and go; the result ends waiting and running', () => {
  const question = { id: 'confirm', text: 'Go?', choices: [{ value: 'yes', label: 'Yes' }] };
  let view = fold([{ type: 'question', question }]);
  assert.equal(view.question?.id, 'confirm');
  view = reduceView(view, { type: 'answer', questionId: 'confirm', value: 'yes' });
  assert.equal(view.question, undefined);
  view = reduceView(view, { type: 'waiting', elapsedMs: 3000, logLines: ['Applying schema deltas for v65'], progress: 'migrating' });
  assert.equal(view.waiting?.elapsedMs, 3000);
  assert.deepEqual(view.tail, ['Applying schema deltas for v65']);
  view = reduceView(view, {
    type: 'result',
    result: { outcome: 'upgraded', exitCode: 0, from: '1', to: '2', totalMs: 1, downtimeMs: 1, rolledBack: false, notesRefused: [], lines: [] },
  });
  assert.equal(view.waiting, undefined);
  assert.equal(view.result?.outcome, 'upgraded');
});

test('reduceEvents folds a batch like reduceView event by event, output runs included', () => {
  const events: WizardEvent[] = [{ type: 'command.started', id: 1, argv: ['pip'], cwd: undefined, title: undefined, dryRun: false }];
  for (let i = 0; i < 1000; i++) events.push({ type: 'command.output', id: 1, line: `line ${i}` });
  events.push({ type: 'message', level: 'info', text: 'between' });
  for (let i = 0; i < 3; i++) events.push({ type: 'command.output', id: 1, line: `more ${i}` });
  events.push({ type: 'command.finished', id: 1, exitCode: 0, durationMs: 1 });
  assert.deepEqual(reduceEvents(initialView(), events), fold(events));
});

test('the step list comes from the flows: a rollback announced after a failure draws its steps after the upgrade', () => {
  const view = fold([
    {
      type: 'steps',
      steps: [
        { id: 'detect', title: 'Find' },
        { id: 'restart', title: 'Restart' },
        { id: 'verify', title: 'Verify' },
      ],
    },
    { type: 'step.started', step: 'restart', title: 'Restart' },
    { type: 'step.finished', step: 'restart', status: 'failed', summary: 'exit 1' },
    {
      type: 'steps',
      steps: [
        { id: 'rollback-install', title: 'Put back' },
        { id: 'rollback-verify', title: 'Verify back' },
      ],
    },
    { type: 'step.started', step: 'rollback-install', title: 'Put back' },
  ]);
  assert.deepEqual(
    view.steps.map((s) => `${s.id}:${s.status}`),
    ['detect:pending', 'restart:failed', 'verify:pending', 'rollback-install:running', 'rollback-verify:pending'],
  );
  // A step no flow announced still shows (at the end), with the title its event carries.
  const extra = reduceView(view, { type: 'step.started', step: 'workers', title: 'Verify the workers' });
  assert.deepEqual(extra.steps.at(-1), { id: 'workers', title: 'Verify the workers', status: 'running' });
  // Announcing a step that is already listed keeps its place and state.
  assert.deepEqual(reduceView(view, { type: 'steps', steps: [{ id: 'restart', title: 'Restart' }] }).steps, view.steps);
});
