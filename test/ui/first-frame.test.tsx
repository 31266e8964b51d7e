import assert from 'node:assert/strict';
import { test } from 'node:test';
import { render } from 'ink-testing-library';
import { stepTitle, UPGRADE_STEP_IDS } from '../../src/core/steps.js';
import { eraseFirstFrame, firstFrameLines } from '../../src/ui/first-frame.js';
import { App } from '../../src/ui/ink/App.js';

const steps = UPGRADE_STEP_IDS.map((id) => ({ id, title: stepTitle(id) }));
const strip = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '');

// ink-testing-library draws 100 columns wide.
test('the first frame drawn before Ink loads is the frame Ink then draws: every step, still to come, cut to the width', async () => {
  const app = render(<App subscribe={() => () => {}} onAnswer={() => {}} onQuit={() => {}} color={false} initialSteps={steps} />);
  try {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const ink = app.lastFrame() ?? '';
    assert.match(ink, /^· Find the Synapse install\n/);
    assert.equal(firstFrameLines(steps, { columns: 100, rows: 40 }, false)?.join('\n'), ink);
  } finally {
    app.unmount();
  }
});

test('first frame: gray when colours are on, cut with … on a narrow terminal, and none where it would not fit', () => {
  const lines = firstFrameLines(steps, { columns: 30, rows: 24 }, true) ?? [];
  assert.equal(lines.length, steps.length);
  assert.ok(lines.every((line) => line.startsWith('\u001b[90m') && line.endsWith('\u001b[39m')));
  assert.equal(strip(lines[3] ?? ''), '· Check what the install meth…');
  assert.ok(lines.every((line) => [...strip(line)].length <= 30));
  assert.equal(firstFrameLines(steps, { columns: 80, rows: steps.length + 1 }, false), undefined, 'a terminal as short as the list: Ink clears it anyway');
  assert.equal(firstFrameLines(steps, { columns: 0, rows: 0 }, false), undefined);
  assert.equal(eraseFirstFrame(13), '\r\u001b[13A\u001b[J');
});
