import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UPGRADE_STEP_IDS } from '../../src/core/steps.js';
import { FLOW } from '../../src/engine/flow.js';

// The screen draws UPGRADE_STEP_IDS before the engine loads; the engine runs detect, target, then FLOW.
test('the upgrade steps the screen draws first are the ones the engine runs, in its order', () => {
  assert.deepEqual(
    FLOW.map((step) => step.id),
    UPGRADE_STEP_IDS.slice(2),
  );
  assert.deepEqual(UPGRADE_STEP_IDS.slice(0, 2), ['detect', 'target']);
});
