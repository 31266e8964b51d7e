import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { render } from 'ink-testing-library';
import type { WizardEvent } from '../../src/core/events.js';
import { EventBus } from '../../src/ui/event-bus.js';
import { App } from '../../src/ui/ink/App.js';
import { stepTitle, UPGRADE_STEP_IDS } from '../../src/core/steps.js';

/** What the wizard announces first: the upgrade's steps (engine/flow.ts). */
const upgradeSteps: WizardEvent = { type: 'steps', steps: UPGRADE_STEP_IDS.map((id) => ({ id, title: stepTitle(id) })) };

const tick = (ms = 30) => new Promise((resolve) => setTimeout(resolve, ms));
/** Waits until the frame matches (the first render loads Yoga, which can take a moment). */
async function frameMatching(app: { lastFrame: () => string | undefined }, pattern: RegExp, timeoutMs = 3000): Promise<string> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (pattern.test(app.lastFrame() ?? '')) return app.lastFrame() ?? '';
    await tick(10);
  }
  return app.lastFrame() ?? '';
}
const ENTER = '\r';
const DOWN = '\u001B[B';

const mounted: { unmount: () => void }[] = [];
afterEach(() => {
  // An assertion that fails must not leave an Ink instance holding the event loop open.
  for (const app of mounted.splice(0)) app.unmount();
});

function mount() {
  const bus = new EventBus(false);
  let quit = 0;
  const app = render(<App subscribe={(l) => bus.subscribe(l)} onAnswer={(id, v) => bus.answer(id, v)} onQuit={() => quit++} color={false} flushMs={10} />);
  mounted.push(app);
  return { bus, app, quits: () => quit };
}

test('steps, the command and its live output are drawn', async () => {
  const { bus, app } = mount();
  const events: WizardEvent[] = [
    upgradeSteps,
    { type: 'step.started', step: 'detect', title: 'Find the Synapse install' },
    { type: 'step.finished', step: 'detect', status: 'done', summary: 'Synapse 1.46.0 (pip)' },
    { type: 'step.started', step: 'install', title: 'Install the new version' },
    {
      type: 'command.started',
      id: 1,
      argv: ['pip', 'install', 'matrix-synapse==1.47.0'],
      cwd: undefined,
      title: 'Install matrix-synapse 1.47.0',
      dryRun: false,
    },
    { type: 'command.output', id: 1, line: 'Collecting matrix-synapse==1.47.0' },
  ];
  events.forEach(bus.emit);
  const frame = await frameMatching(app, /Collecting/);
  assert.match(frame, /✔ Find the Synapse install {2}\(Synapse 1\.46\.0 \(pip\)\)/);
  assert.match(frame, /▸ Install the new version/);
  assert.match(frame, /\$ pip install matrix-synapse==1\.47\.0/);
  assert.match(frame, /Collecting matrix-synapse==1\.47\.0/);
  assert.match(frame, /· Verify the running version/);
});

test('a question is answered with the arrow keys and Enter', async () => {
  const { bus, app } = mount();
  const answer = bus.ask({
    id: 'target',
    text: 'Upgrade to which version?',
    choices: [
      { value: '1.47.1', label: '1.47.1 (newest)' },
      { value: '1.47.0', label: '1.47.0' },
    ],
  });
  assert.match(await frameMatching(app, /Upgrade to which/), /\? Upgrade to which version\?/);
  // Keys are read once the select has attached its input handler (an effect): press Down until it moves.
  for (let i = 0; i < 50 && !/❯ 1\.47\.0$/m.test(app.lastFrame() ?? ''); i++) {
    if (i % 10 === 0) app.stdin.write(DOWN);
    await tick(10);
  }
  assert.match(app.lastFrame() ?? '', /❯ 1\.47\.0$/m);
  await tick(); // the select re-attaches its key handler with the new selection after the frame
  app.stdin.write(ENTER);
  assert.equal(await answer, '1.47.0');
  await tick();
  assert.doesNotMatch(app.lastFrame() ?? '', /Upgrade to which version/);
});

test('waiting shows the elapsed time, the migration progress and the newest log lines', async () => {
  const { bus, app } = mount();
  bus.emit({ type: 'step.started', step: 'wait', title: 'Wait until Synapse answers' });
  bus.emit({ type: 'waiting', elapsedMs: 42_000, logLines: ['Applying schema deltas for v65'], progress: 'migrating the database schema to v65' });
  const frame = await frameMatching(app, /Waiting/);
  assert.match(frame, /Waiting 42 s for Synapse: migrating the database schema to v65/);
  assert.match(frame, /Applying schema deltas for v65/);
});

test('the live area never reaches the terminal height', async () => {
  const { bus, app } = mount();
  bus.emit({ type: 'command.started', id: 1, argv: ['pip'], cwd: undefined, title: 'flood', dryRun: false });
  for (let i = 0; i < 500; i++) bus.emit({ type: 'command.output', id: 1, line: `line ${i}` });
  const frame = await frameMatching(app, /line 499/);
  // ink-testing-library's terminal reports no rows: the wizard assumes 24 and keeps the live area
  // (everything below the one finished line, the command) below that.
  const liveRows = frame.split('\n').length - 1;
  assert.ok(liveRows < 24, `the live area has ${liveRows} rows`);
  assert.match(frame, /line 499/);
  assert.doesNotMatch(frame, /line 480/);
});

test('Ctrl+C asks before quitting; "Keep going" goes back', async () => {
  const { app, quits } = mount();
  await frameMatching(app, /Find the Synapse install/);
  await tick();
  app.stdin.write('\u0003');
  assert.match(await frameMatching(app, /Quit the wizard/), /Quit the wizard now\?/);
  await tick();
  app.stdin.write(ENTER);
  assert.doesNotMatch(await frameMatching(app, /^(?![\s\S]*Quit the wizard)/), /Quit the wizard now\?/);
  assert.equal(quits(), 0);
  await tick();
  app.stdin.write('\u0003');
  await frameMatching(app, /❯ Keep going/);
  await tick();
  app.stdin.write(DOWN);
  await frameMatching(app, /❯ Quit/);
  await tick();
  app.stdin.write(ENTER);
  const until = Date.now() + 3000;
  while (quits() === 0 && Date.now() < until) await tick(10);
  assert.equal(quits(), 1);
});

test('the result is shown', async () => {
  const { bus, app } = mount();
  bus.emit({
    type: 'result',
    result: {
      outcome: 'upgraded',
      exitCode: 0,
      from: '1.46.0',
      to: '1.47.0',
      totalMs: 1,
      downtimeMs: 1,
      rolledBack: false,
      notesRefused: [],
      lines: ['Synapse now runs 1.47.0 (was 1.46.0).', 'Downtime 1.0 s'],
    },
  });
  // The app exits once the result is drawn; under CI=true Ink then leaves a lone "\n" as the last frame,
  // so the result is looked for among every frame written.
  const until = Date.now() + 3000;
  while (!app.frames.some((frame) => /Downtime/.test(frame)) && Date.now() < until) await tick(10);
  const drawn = app.frames.filter((frame) => /Downtime/.test(frame)).at(-1) ?? app.lastFrame() ?? '';
  assert.match(drawn, /Synapse now runs 1\.47\.0 \(was 1\.46\.0\)\.\nDowntime 1\.0 s/);
});

test('a note to acknowledge shows its evidence and what to do; Enter acknowledges it', async () => {
  const { bus, app } = mount();
  const answer = bus.ask({
    id: 'note:v1-48-top-level-trust-identity-server-error',
    text: '[breaking] v1.48.0: Top-level trust_identity_server_for_password_resets is a config error',
    details: [
      'Setting it at the top level now stops Synapse at startup.',
      '/etc/matrix-synapse/homeserver.yaml:22: trust_identity_server_for_password_resets is true',
      'What to do: Remove trust_identity_server_for_password_resets.',
    ],
    choices: [
      { value: 'ack', label: 'I have read this and dealt with it: continue' },
      { value: 'stop', label: 'Stop here and change nothing' },
    ],
    safeDefault: 'ack',
  });
  const frame = await frameMatching(app, /What to do/);
  assert.match(frame, /\? \[breaking\] v1\.48\.0: Top-level trust_identity_server_for_password_resets/);
  assert.match(frame, /homeserver\.yaml:22: trust_identity_server_for_password_resets is true/);
  assert.match(frame, /❯ I have read this and dealt with it: continue/);
  await tick();
  app.stdin.write(ENTER);
  assert.equal(await answer, 'ack');
});
