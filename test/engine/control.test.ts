import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SessionControl } from '../../src/engine/control.js';
import { StepTracker } from '../../src/engine/step-tracker.js';
import type { WizardEvent } from '../../src/core/events.js';

test('while held, no step starts; release lets it start, and a detach while held rejects with the interruption', async () => {
  const events: WizardEvent[] = [];
  const control = new SessionControl((e) => events.push(e));
  const steps = new StepTracker(
    (e) => events.push(e),
    () => control.gate(),
  );
  control.hold();
  let started = false;
  const next = steps.start('install').then(() => (started = true));
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(started, false, 'the step waits for the answer');
  assert.ok(!events.some((e) => e.type === 'step.started'));
  control.release();
  await next;
  assert.equal(started, true);

  control.hold();
  const held = steps.start('restart');
  control.detach('quit at your request');
  await assert.rejects(held, (error: Error & { code?: string }) => error.code === 'interrupted');
  assert.ok(!events.some((e) => e.type === 'step.started' && e.step === 'restart'), 'the restart never started');
  await assert.rejects(control.gate(), /Interrupted/);
});
