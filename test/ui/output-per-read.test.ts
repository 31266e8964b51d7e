// Output as the wizard's runner sends it (`outputEvents: 'read'`): one `command.lines` event per read. Every
// renderer shows what one `command.output` event per line showed: the JSON stream the same objects, the plain
// renderer the same lines, the screen the same tail (the bus makes each line terminal-safe, the queue stays bounded).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WizardEvent } from '../../src/core/events.js';
import { initialView, reduceEvents, TAIL_LIMIT } from '../../src/core/session.js';
import { EventBus } from '../../src/ui/event-bus.js';
import { EventQueue } from '../../src/ui/event-queue.js';
import { createJsonRenderer } from '../../src/ui/json.js';
import { createPlainRenderer } from '../../src/ui/plain.js';

/** The same output twice: one event a line, and cut into reads of uneven sizes (seeded). */
function both(seed: number): { perLine: WizardEvent[]; perRead: WizardEvent[] } {
  let x = seed;
  const next = (n: number): number => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x % n;
  };
  const perLine: WizardEvent[] = [];
  const perRead: WizardEvent[] = [];
  for (let round = 0; round < 10; round++) {
    const other: WizardEvent =
      next(2) === 0 ? { type: 'message', level: 'info', text: `message ${round}` } : { type: 'step.started', step: 'install', title: 'Install' };
    perLine.push(other);
    perRead.push(other);
    let left = [0, 1, TAIL_LIMIT, 2 * TAIL_LIMIT + 1, 3000][next(5)]!;
    let n = 0;
    while (left > 0) {
      const size = Math.min(left, 1 + next(700));
      const lines = Array.from({ length: size }, (_, i) => `r${round} line ${n + i}`);
      perRead.push({ type: 'command.lines', id: round, lines });
      for (const line of lines) perLine.push({ type: 'command.output', id: round, line });
      n += size;
      left -= size;
    }
  }
  return { perLine, perRead };
}

test('the screen queue folds reads into the view a line at a time would draw', () => {
  for (let seed = 1; seed <= 30; seed++) {
    const { perLine, perRead } = both(seed);
    const queue = new EventQueue();
    for (const event of perRead) queue.push(event);
    assert.deepEqual(reduceEvents(initialView(), queue.take()), reduceEvents(initialView(), perLine), `seed ${seed}`);
  }
});

test('a flood of reads between two draws holds at most twice the tail in the queue', () => {
  const queue = new EventQueue();
  let most = 0;
  for (let read = 0; read < 3000; read++) {
    queue.push({ type: 'command.lines', id: 1, lines: Array.from({ length: 1 + (read % 97) }, (_, i) => `${read}.${i}`) });
    const held = queue.take();
    most = Math.max(
      most,
      held.reduce((sum, e) => sum + (e.type === 'command.lines' ? e.lines.length : 1), 0),
    );
    for (const e of held) queue.push(e);
  }
  assert.ok(most < 2 * TAIL_LIMIT + 97, `${most} lines queued at once`);
  assert.deepEqual(reduceEvents(initialView(), queue.take()).tail.at(-1), '2999.89');
});

test('the JSON stream and the plain renderer write each line of a read as they wrote each line event', () => {
  const { perLine, perRead } = both(7);
  const render = (events: WizardEvent[], make: (write: (line: string) => void) => (event: WizardEvent) => void): string[] => {
    const out: string[] = [];
    const renderer = make((line) => out.push(line));
    events.forEach(renderer);
    return out;
  };
  const noTime = (line: string): unknown => ({ ...(JSON.parse(line) as object), time: undefined });
  const json = render(perRead, createJsonRenderer);
  assert.ok(json.length > 1000);
  assert.deepEqual(json.map(noTime), render(perLine, createJsonRenderer).map(noTime));
  assert.ok(json.every((line) => !line.includes('command.lines')));
  assert.deepEqual(render(perRead, createPlainRenderer), render(perLine, createPlainRenderer));
});

test('the bus makes every line of a read terminal-safe for the screen, and hands the JSON stream the exact lines', () => {
  const bus = new EventBus(true);
  const screen: WizardEvent[] = [];
  const exact: WizardEvent[] = [];
  bus.subscribe((e) => screen.push(e));
  bus.subscribe((e) => exact.push(e), { exact: true });
  const hostile = '\x1b]2;pwned\x07\x1b[31mred\x1b[0m';
  bus.emit({ type: 'command.lines', id: 1, lines: ['plain', hostile] });
  assert.deepEqual(screen, [{ type: 'command.lines', id: 1, lines: ['plain', 'red'] }]);
  assert.deepEqual(exact, [{ type: 'command.lines', id: 1, lines: ['plain', hostile] }]);
});
