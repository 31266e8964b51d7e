import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventBus } from '../../src/ui/event-bus.js';

test('asking returns one of the choices: an answer that is not one leaves the question open; --yes takes the safe default', async () => {
  const bus = new EventBus(false);
  const answer: Promise<'keep' | 'drop-in'> = bus.ask({
    id: 'q',
    text: 'Add it?',
    choices: [
      { value: 'drop-in', label: 'Add' },
      { value: 'keep', label: 'Keep' },
    ],
    safeDefault: 'drop-in',
  });
  let settled = false;
  void answer.then(() => (settled = true));
  bus.answer('q', 'drop-it');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(settled, false);
  bus.answer('q', 'keep');
  assert.equal(await answer, 'keep');
  const yes = new EventBus(true);
  assert.equal(await yes.ask({ id: 'v', text: 'Which?', choices: [{ value: '1.47.0', label: '1.47.0' }], safeDefault: '1.47.0' }), '1.47.0');
});
