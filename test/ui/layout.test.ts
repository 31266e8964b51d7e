import assert from 'node:assert/strict';
import { test } from 'node:test';
import { layout, MAX_TAIL, wrappedRows } from '../../src/ui/layout.js';

const steps = (done: number, total = 11) => Array.from({ length: total }, (_, i) => ({ status: i < done ? 'done' : i === done ? 'running' : 'pending' }));

test('wrappedRows counts terminal rows', () => {
  assert.equal(wrappedRows('', 80), 1);
  assert.equal(wrappedRows('x'.repeat(80), 80), 1);
  assert.equal(wrappedRows('x'.repeat(81), 80), 2);
});

test('without a question the tail gets what is left, at most MAX_TAIL, never the whole screen', () => {
  const big = layout({ rows: 60, columns: 80, steps: steps(3), question: undefined, quitRows: 0, heading: true });
  assert.deepEqual(big, { foldDone: false, foldPending: false, details: 0, tailHeight: MAX_TAIL });
  const small = layout({ rows: 24, columns: 80, steps: steps(3), question: undefined, quitRows: 6, heading: true });
  assert.equal(11 + 6 + 1 + small.tailHeight <= 23, true);
  const tiny = layout({ rows: 12, columns: 80, steps: steps(8), question: undefined, quitRows: 6, heading: true });
  assert.equal(tiny.foldDone, true);
  assert.ok(tiny.tailHeight >= 0);
});

test('a question folds finished steps first, then cuts its details to fit 80x24', () => {
  const details = Array.from({ length: 6 }, (_, i) => `${i + 1}. ${'command '.repeat(15)}`); // each wraps to 2 rows
  const question = { text: 'Upgrade Synapse 1.46.0 → 1.47.0?', details, choices: 2 };
  const fits = layout({ rows: 40, columns: 80, steps: steps(6), question, quitRows: 0, heading: false });
  assert.deepEqual(fits, { foldDone: false, foldPending: false, details: 6, tailHeight: 0 });
  // 80x24: 11 steps + 12 detail rows + 4 do not fit in 23; folding 6 finished steps into one line does.
  const folded = layout({ rows: 24, columns: 80, steps: steps(6), question, quitRows: 0, heading: false });
  assert.deepEqual(folded, { foldDone: true, foldPending: false, details: 6, tailHeight: 0 });
  const cut = layout({ rows: 14, columns: 80, steps: steps(6), question, quitRows: 0, heading: false });
  assert.equal(cut.foldDone, true);
  assert.equal(cut.foldPending, true);
  assert.equal(cut.details, 2);
  const used = 3 + 1 + 1 + cut.details * 2 + 1 + 2; // steps (done, running, to come), margin, text, details, "more", choices
  assert.ok(used <= 13, `uses ${used} rows`);
});
