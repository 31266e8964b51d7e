import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { render } from 'ink-testing-library';
import { EventBus } from '../../src/ui/event-bus.js';
import { App } from '../../src/ui/ink/App.js';
import { detailLineRows, hangingIndent } from '../../src/ui/layout.js';

const mounted: { unmount: () => void }[] = [];
afterEach(() => {
  for (const app of mounted.splice(0)) app.unmount();
});

const tick = (ms = 10) => new Promise((resolve) => setTimeout(resolve, ms));

test('wrapped plan lines keep their indent: under the command, not at the left edge (ink-testing-library, 100 columns)', async () => {
  const venv = `/srv/matrix/${'deeply-nested-folder/'.repeat(3)}env`;
  const details = [
    'Before: back up the database into /var/backups/synapse-upgrade and verify the copy',
    `1. Install: ${venv}/bin/pip install --disable-pip-version-check --upgrade matrix-synapse==1.47.0 --constraint ${venv}/constraints.txt`,
    `            ${venv}/bin/pip check --disable-pip-version-check and one more argument that makes it wrap`,
    '   then check the config with the new version; if it is rejected, no restart (the old version keeps serving) and nothing else',
    `2. Restart: ${venv}/bin/synctl restart /etc/matrix-synapse/homeserver.yaml`,
  ];
  const bus = new EventBus(false);
  const app = render(<App subscribe={(l) => bus.subscribe(l)} onAnswer={(id, v) => bus.answer(id, v)} onQuit={() => {}} color={false} flushMs={10} />);
  mounted.push(app);
  void bus.ask({ id: 'confirm', text: 'Upgrade Synapse 1.46.0 → 1.47.0?', details, choices: [{ value: 'yes', label: 'Upgrade now' }] });
  let frame = '';
  for (let i = 0; i < 300 && !/Upgrade now/.test(frame); i++, await tick()) frame = app.lastFrame() ?? '';
  const lines = frame.split('\n').map((l) => l.trimEnd());
  const at = (prefix: string): number => lines.findIndex((l) => l.startsWith(prefix));
  const install = at('  1. Install: ');
  const restart = at('  2. Restart: ');
  const then = at('     then check');
  assert.ok(install >= 0 && restart > install && then > install, frame);
  // Every row between "1. Install:" and "2. Restart:" that is not the "then" line hangs under the command (14 columns).
  const rows = lines.slice(install + 1, restart);
  assert.ok(rows.length >= 4, `the long lines wrapped:\n${frame}`);
  for (const [i, row] of rows.entries()) {
    const indent = row.length - row.trimStart().length;
    // (a wrapped row may start with the space it was broken at)
    if (install + 1 + i >= then) assert.ok(indent === 5 || indent === 6, `row ${JSON.stringify(row)} in\n${frame}`);
    else assert.ok(indent === 14 || indent === 15, `row ${JSON.stringify(row)} in\n${frame}`);
  }
  assert.ok(
    lines.every((l) => l.length <= 100),
    frame,
  );
});

test('hangingIndent and detailLineRows: the label and leading spaces are the indent', () => {
  assert.equal(hangingIndent('1. Install: pip install x'), 12);
  assert.equal(hangingIndent('   then check'), 3);
  assert.equal(hangingIndent('Before: back up'), 0);
  assert.equal(hangingIndent(`${' '.repeat(40)}x`, 60), 20, 'never more than a third of the width');
  assert.equal(detailLineRows(`1. Install: ${'x'.repeat(86)}`, 100), 1);
  assert.equal(detailLineRows(`1. Install: ${'x'.repeat(87)}`, 100), 2);
  assert.equal(detailLineRows(`1. Install: ${'x'.repeat(86 + 86)}`, 100), 2);
});
