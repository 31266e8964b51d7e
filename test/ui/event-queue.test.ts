import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WizardEvent } from '../../src/core/events.js';
import { initialView, reduceEvents, TAIL_LIMIT } from '../../src/core/session.js';
import { EventQueue } from '../../src/ui/event-queue.js';

/** A seeded pseudo-random sequence of output floods between other events. */
function events(seed: number): WizardEvent[] {
  let x = seed;
  const next = (n: number): number => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x % n;
  };
  const out: WizardEvent[] = [];
  let id = 0;
  for (let round = 0; round < 12; round++) {
    const kind = next(4);
    if (kind === 0) out.push({ type: 'command.started', id: ++id, argv: ['pip', String(id)], cwd: undefined, title: 't', dryRun: false });
    if (kind === 1) out.push({ type: 'message', level: 'info', text: `message ${round}` });
    if (kind === 2) out.push({ type: 'step.started', step: 'install', title: 'Install' });
    const lines = [0, 1, TAIL_LIMIT - 1, TAIL_LIMIT, 2 * TAIL_LIMIT - 1, 2 * TAIL_LIMIT, 5 * TAIL_LIMIT + 3, 3000][next(8)]!;
    for (let i = 0; i < lines; i++) out.push({ type: 'command.output', id, line: `r${round} line ${i}` });
  }
  return out;
}

test('the queue draws the same view as every event would, and holds a bounded number of output lines', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const all = events(seed);
    const queue = new EventQueue();
    let most = 0;
    for (const event of all) {
      queue.push(event);
      most = Math.max(most, queue.length);
    }
    const others = all.filter((e) => e.type !== 'command.output').length;
    assert.ok(most <= others + 2 * TAIL_LIMIT, `seed ${seed}: ${most} events queued at once`);
    assert.deepEqual(reduceEvents(initialView(), queue.take()), reduceEvents(initialView(), all), `seed ${seed}`);
    assert.equal(queue.length, 0);
  }
});

test('what was taken is not handed over again; a later flood folds onto the view drawn so far', () => {
  const queue = new EventQueue();
  for (let i = 0; i < 1000; i++) queue.push({ type: 'command.output', id: 1, line: `a${i}` });
  const first = reduceEvents(initialView(), queue.take());
  for (let i = 0; i < 10; i++) queue.push({ type: 'command.output', id: 1, line: `b${i}` });
  const second = reduceEvents(first, queue.take());
  assert.equal(second.tail.length, TAIL_LIMIT);
  assert.deepEqual(second.tail.slice(-11), ['a999', ...Array.from({ length: 10 }, (_, i) => `b${i}`)]);
});
