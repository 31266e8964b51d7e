import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdminError } from '../../src/core/errors.js';
import type { WizardEvent } from '../../src/core/events.js';
import { EventBus } from '../../src/ui/event-bus.js';

const question = {
  id: 'q',
  text: 'Go?',
  choices: [
    { value: 'yes', label: 'Yes' },
    { value: 'no', label: 'No' },
  ],
};

test('--yes takes the safe default and records the answer', async () => {
  const bus = new EventBus(true);
  const seen: WizardEvent[] = [];
  bus.subscribe((e) => seen.push(e));
  assert.equal(await bus.ask({ ...question, safeDefault: 'no' }), 'no');
  assert.deepEqual(
    seen.map((e) => e.type),
    ['question', 'answer'],
  );
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
  assert.deepEqual(
    seen.map((e) => (e.type === 'message' ? e.text : '')),
    ['early', 'late'],
  );
});

test('outside text is made terminal-safe here, for every renderer; a listener subscribed exact (JSON) gets it as it was', () => {
  const bus = new EventBus(true);
  const early: WizardEvent = { type: 'command.output', id: 1, line: '\x1b]2;pwned\x07\x1b[31mred\x1b[0m' };
  bus.emit(early);
  const screen: WizardEvent[] = [];
  const exact: WizardEvent[] = [];
  bus.subscribe((e) => screen.push(e));
  bus.subscribe((e) => exact.push(e), { exact: true });
  const waiting: WizardEvent = { type: 'waiting', elapsedMs: 1, logLines: ['\x9b2Jcleared', 'x'.repeat(9000)], progress: '\x1b[1mbold' };
  bus.emit(waiting);
  assert.deepEqual(screen[0], { type: 'command.output', id: 1, line: 'red' });
  const shown = screen[1] as Extract<WizardEvent, { type: 'waiting' }>;
  assert.equal(shown.logLines[0], 'cleared');
  assert.equal(shown.logLines[1]!.length, 4096);
  assert.equal(shown.progress, 'bold');
  assert.deepEqual(exact, [waiting]);
  assert.equal((waiting as { logLines: string[] }).logLines[0], '\x9b2Jcleared', 'the event itself is not changed');
});
