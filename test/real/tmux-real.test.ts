// Scenario 9 of the real tier: the Ink wizard in a real terminal (tmux, 80×24) on real Synapse from PyPI, from
// the first screen to "verified", driven by keystrokes. With SYNAPSE_UPGRADE_WRITE_SCREENS=1 it writes the
// screens it saw to docs/screens/ (text captures, and the SVG pictures the README shows).
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { after, test } from 'node:test';
import { BIN } from '../helpers/cli.js';
import { missingTool } from '../helpers/tools.js';
import { linesWiderThan, TmuxSession, tmuxAvailable } from '../helpers/tmux.js';
import { createHomeserver, type RealHomeserver } from './helpers/homeserver.js';
import { readBack, seedData, waitForBackgroundUpdates } from './helpers/matrix.js';
import { realTier, realWizardEnv, stateDirOf } from './helpers/tier.js';
import { journalOf } from './helpers/wizard.js';

const made: RealHomeserver[] = [];
const sessions: TmuxSession[] = [];
after(async () => {
  await Promise.all(sessions.map((s) => s.kill().catch(() => {})));
  await Promise.all(made.map((hs) => hs.dispose()));
});

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The choice lines around the `❯` line, and which one is selected. */
function choices(screen: string): { lines: string[]; selected: number } {
  const lines = screen.split('\n').map((l) => l.trimEnd());
  const selected = lines.findIndex((l) => l.startsWith('❯ '));
  assert.ok(selected >= 0, `no selected choice on screen:\n${screen}`);
  let first = selected;
  while (first > 0 && /^ {2}\S/.test(lines[first - 1]!)) first--;
  let last = selected;
  while (last + 1 < lines.length && /^ {2}\S/.test(lines[last + 1]!)) last++;
  return { lines: lines.slice(first, last + 1), selected: selected - first };
}

/** Moves the `❯` to the choice matching `label` with Down/Up, checks it is there, then presses Enter. */
async function choose(session: TmuxSession, label: RegExp): Promise<void> {
  const screen = await session.capture();
  const { lines, selected } = choices(screen);
  const target = lines.findIndex((l) => label.test(l.slice(2)));
  assert.ok(target >= 0, `no choice matches ${label}:\n${screen}`);
  const moves = target - selected;
  if (moves !== 0) await session.sendKeys(...Array<string>(Math.abs(moves)).fill(moves > 0 ? 'Down' : 'Up'));
  await session.waitFor(new RegExp(`^❯ (?:${label.source})`, 'm'), 5000);
  await session.sendKeys('Enter');
}

test('real Synapse in an 80×24 terminal (tmux): the Ink wizard from the first screen to verified, driven by keys', { timeout: 1_200_000 }, async (t) => {
  if (missingTool(t, tmuxAvailable() ? undefined : 'tmux not installed')) return;
  const tier = await realTier(t);
  if (!tier) return;
  const { from, to } = tier.scenario('pip-sqlite');
  const hs = await createHomeserver({ version: from, serverName: 'example.org' });
  made.push(hs);
  await hs.start();
  const seed = await seedData(hs);
  await waitForBackgroundUpdates(hs);
  const state = stateDirOf(hs.root);
  const env = realWizardEnv(state, { TERM: 'xterm-256color', LANG: 'C.UTF-8' });
  for (const key of ['CI', 'CONTINUOUS_INTEGRATION', 'NO_COLOR', 'FORCE_COLOR']) delete env[key];
  const session = await TmuxSession.start([process.execPath, BIN, '--venv', hs.venv, '--config', hs.config], { env, cwd: hs.dir, width: 80, height: 24 });
  sessions.push(session);
  const shots: { name: string; title: string; screen: string }[] = [];
  const shot = async (name: string, title: string) => shots.push({ name, title, screen: await session.capture({ escapes: true }) });
  const narrow = (screen: string) => assert.deepEqual(linesWiderThan(screen, 80), [], `a line wider than 80 columns:\n${screen}`);

  // The target list comes from the package index: the target is on it.
  let screen: string;
  await session.waitFor(new RegExp(`^\\? Synapse ${escape(from)} is installed\\. Upgrade to which version\\?`, 'm'), 180_000, { onScreen: narrow });
  await shot('1-choose-target', 'synapse-upgrade: choose the version');
  await choose(session, new RegExp(`${escape(to)}( \\(newest\\))?$`));

  // Notes that apply (or may) are acknowledged one by one; then the plan.
  const plan = new RegExp(`^\\? Upgrade Synapse ${escape(from)} → ${escape(to)}\\?`, 'm');
  for (;;) {
    screen = await session.waitFor(/^\? /m, 300_000, { onScreen: narrow });
    if (plan.test(screen)) break;
    const question = screen
      .split('\n')
      .find((l) => l.startsWith('? '))!
      .trimEnd();
    await choose(session, /I have read|acknowledg|understood|dealt with|Continue/i);
    await session.waitFor(new RegExp(`^\\? (?!${escape(question.slice(2))}$)`, 'm'), 60_000);
  }
  await shot('3-plan', 'synapse-upgrade: the plan, before anything changes');
  const joined = (await session.capture({ joined: true })).replace(/\s+/g, '');
  assert.ok(joined.includes(`${hs.venv}/bin/pip`.replace(/\s+/g, '')), `the plan names the venv's pip:\n${screen}`);
  await choose(session, /Upgrade now/);

  // The restart and the wait, then verified.
  await session.waitFor(/Waiting \d+ s for Synapse/, 600_000, { onScreen: narrow });
  await shot('4-waiting', 'synapse-upgrade: waiting for the restarted Synapse');
  screen = await session.waitFor(new RegExp(`Synapse now runs ${escape(to)} \\(was ${escape(from)}\\)`), 600_000, { onScreen: narrow });
  assert.equal(await session.exitCode(30_000), 0, screen);
  await shot('5-done', 'synapse-upgrade: upgraded and verified');
  assert.match(screen, /^✔ Verify the running version/m);
  assert.equal(await hs.serverVersion(), to);
  assert.ok((await readBack(hs, seed)).includes(seed.body), 'the message written before the upgrade is read back');
  assert.equal((await journalOf(state)).outcome, 'upgraded');

  if (process.env.SYNAPSE_UPGRADE_WRITE_SCREENS === '1') {
    // @ts-expect-error: a plain .mjs script without types
    const { ansiToSvg } = (await import('../../scripts/ansi-svg.mjs')) as { ansiToSvg: (capture: string, opts: object) => string };
    const plain = (s: string) =>
      s
        .replace(/\u001b\[[0-9;:]*m/g, '')
        .split('\n')
        .map((l) => l.trimEnd())
        .join('\n')
        .trimEnd();
    for (const { name, title, screen: captured } of shots) {
      await writeFile(new URL(`../../docs/screens/${name}.svg`, import.meta.url), ansiToSvg(captured, { columns: 80, rows: 24, title }));
      await writeFile(new URL(`../../docs/screens/${name}.txt`, import.meta.url), `${plain(captured)}\n`);
    }
    t.diagnostic(`wrote docs/screens/: real Synapse ${from} → ${to}`);
  }
});
