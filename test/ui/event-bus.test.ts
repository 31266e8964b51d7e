import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdminError } from '../../src/core/errors.js';
import type { WizardEvent } from '../../src/core/events.js';
import { EventBus } from '../../src/ui/event-bus.js';

const question = { id: 'q', text: 'Go?', choices: [{ value: 'yes', label: 'Yes' }, { value: 'no', label: 'No' }] };

test('--yes takes the safe default and records the answer', async () => {
  const bus = new EventBus(true);
  const seen: WizardEvent[] = [];
  bus.subscribe((e) => seen.push(e));
  assert.equal(await bus.ask({ ...question, safeDefault: 'no' }), 'no');
  assert.deepEqual(seen.map((e) => e.type), ['question', 'answer']);
});

test('--yes with no safe default is exit 2', async () => {
  const bus = new EventBus(true);
  await assert.rejects(bus.ask(question), (e: unknown) => e instanceof AdminError && e.exitCode === 2);
});

test('interactive questions wait for answer()', async () => {
  const bus = new EventBus(false);
  const pending = bus.ask(question);
  bus.answer('other', 'yes');
  bus.answer('q', 'yes');
  assert.equal(await pending, 'yes');
});

test('events sent before the first listener are replayed to it', () => {
  const bus = new EventBus(true);
  bus.emit({ type: 'message', level: 'info', text: 'early' });
  const seen: WizardEvent[] = [];
  bus.subscribe((e) => seen.push(e));
  bus.emit({ type: 'message', level: 'info', text: 'late' });
  assert.deepEqual(seen.map((e) => (e.type === 'message' ? e.text : '')), ['early', 'late']);
});
