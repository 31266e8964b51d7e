import { missingTool } from '../helpers/tools.js';
// The wizard driven by keystrokes in a real terminal (tmux, 80×24), upgrading a stand-in Synapse with real pip
// and checking it over real HTTP. Needs `npm run build` first (it runs bin/synapse-upgrade.mjs).
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { buildWheelhouse, createStandinInstall, freePort, type StandinInstall } from '../../src/demo/standin.js';
import { BIN, wizardEnv } from '../helpers/cli.js';
import { colourCodes, linesWiderThan, TmuxSession, tmuxAvailable } from '../helpers/tmux.js';

const COLUMNS = 80;
const ROWS = 24;
const STEP_TITLES = [
  'Find the Synapse install',
  'Choose the version to upgrade to',
  'Read the upgrade notes that apply',
  'Confirm the plan',
  'Install the new version',
  'Restart Synapse',
  'Wait until Synapse answers',
  'Verify the running version',
];
/** The step ids, in the same order: a small screen folds steps into "✔ N steps done: id, …" / "· N steps to come: id, …". */
const STEP_IDS = ['detect', 'target', 'notes', 'confirm', 'install', 'restart', 'wait', 'verify'];

const servers: StandinInstall[] = [];
const sessions: TmuxSession[] = [];
const roots: string[] = [];
after(async () => {
  await Promise.all(sessions.map((s) => s.kill().catch(() => undefined)));
  await Promise.all(servers.map((s) => s.kill().catch(() => undefined)));
  await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
});

/** A stand-in homeserver at `version`, running on a free (non-default) port; `migrationSeconds` applies from the next start. */
async function standin(version: string, migrationSeconds: number) {
  const root = await mkdtemp(join(tmpdir(), 'su-tty-'));
  roots.push(root);
  const port = await freePort();
  assert.notEqual(port, 8008);
  const hs = await createStandinInstall({ root, version, port, wheelhouse: await buildWheelhouse() });
  servers.push(hs);
  await hs.start();
  await hs.writeConfig({ migrationSeconds });
  return { hs, state: join(root, 'state') };
}

/** The wizard (no --yes) in a fresh tmux server; the environment is given whole, with CI left out. */
async function wizard(hs: StandinInstall, state: string, extra: Record<string, string> = {}, size = { width: COLUMNS, height: ROWS }) {
  const env = wizardEnv(hs.wheelhouse, state);
  for (const key of ['CI', 'CONTINUOUS_INTEGRATION', 'NO_COLOR', 'FORCE_COLOR']) delete env[key];
  Object.assign(env, { TERM: 'xterm-256color' }, extra);
  const session = await TmuxSession.start([process.execPath, BIN, '--venv', hs.venv], { env, cwd: hs.root, ...size });
  sessions.push(session);
  assert.equal(await session.display('#{pane_width}x#{pane_height}'), `${size.width}x${size.height}`);
  return session;
}

/** The versions in the wheelhouse above `installed`, newest first, as the target list must show them. */
async function newerVersions(wheelhouse: string, installed: string): Promise<string[]> {
  const key = (v: string) => v.split('.').map(Number);
  const cmp = (a: string, b: string) => {
    const [x, y] = [key(a), key(b)];
    for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
    return 0;
  };
  const versions = (await readdir(wheelhouse)).map((f) => /^matrix_synapse-(\d+\.\d+\.\d+)-py3-none-any\.whl$/.exec(f)?.[1]).filter((v): v is string => !!v);
  return versions.filter((v) => cmp(v, installed) > 0).sort((a, b) => cmp(b, a));
}

/** The choice lines of the question on screen: the block around the `❯` line (undefined when none is drawn). */
function findChoices(screen: string): { lines: string[]; selected: number } | undefined {
  const lines = screen.split('\n').map((l) => l.trimEnd());
  const selected = lines.findIndex((l) => l.startsWith('❯ '));
  if (selected < 0) return undefined;
  let first = selected;
  while (first > 0 && /^ {2}\S/.test(lines[first - 1]!)) first--;
  let last = selected;
  while (last + 1 < lines.length && /^ {2}\S/.test(lines[last + 1]!)) last++;
  return { lines: lines.slice(first, last + 1), selected: selected - first };
}

function choiceLines(screen: string): { lines: string[]; selected: number } {
  const found = findChoices(screen);
  assert.ok(found, `no selected choice on screen:\n${screen}`);
  return found;
}

/**
 * Moves the `❯` to the nearest choice matching `label` with Down/Up, one key at a time, reading the screen after
 * each: a key pressed while the select is drawn but not yet listening (a loaded machine) is pressed again rather
 * than counted. Checks the `❯` is there, then presses Enter.
 */
async function choose(session: TmuxSession, label: RegExp): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const screen = await session.capture();
    const { lines, selected } = choiceLines(screen);
    const matches = lines.map((l, i) => (label.test(l.slice(2)) ? i : -1)).filter((i) => i >= 0);
    assert.ok(matches.length > 0, `no choice matches ${label}:\n${screen}`);
    const target = matches.sort((a, b) => Math.abs(a - selected) - Math.abs(b - selected))[0]!;
    if (target === selected) break;
    assert.ok(Date.now() < deadline, `the ❯ did not reach ${label} in 30 s:\n${screen}`);
    await session.sendKeys(target > selected ? 'Down' : 'Up');
    // Up to 2 s for the ❯ to move; moved or not, the next round reads the screen again.
    for (const until = Date.now() + 2000; Date.now() < until;) {
      const now = findChoices(await session.capture());
      if (now && now.selected !== selected) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  await session.waitFor(new RegExp(`^❯ (?:${label.source})`, `${label.flags.replace('m', '')}m`), 5000);
  await session.sendKeys('Enter');
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A question whose selected or other choice acknowledges a note ("I have read this…"), matched loosely. */
const NOTE_ACK = /I have read|acknowledg|understood|dealt with/i;
const notesQuestion = (screen: string): boolean =>
  /^\? /m.test(screen) && !/^. Upgrade now$/m.test(screen) && (findChoices(screen)?.lines.some((l) => NOTE_ACK.test(l.slice(2))) ?? false);

/** Answers the note acknowledgement screens (there may be none) until the plan question shows; returns that screen. */
async function acknowledgeNotesUntilPlan(session: TmuxSession, from: string, to: string, onScreen?: (screen: string) => void): Promise<string> {
  const plan = new RegExp(`^\\? Upgrade Synapse ${escape(from)} → ${escape(to)}\\?`, 'm');
  const deadline = Date.now() + 40_000;
  while (Date.now() < deadline) {
    const screen = await session.waitFor(/^\? /m, 20_000, { joined: true, ...(onScreen ? { onScreen } : {}) });
    if (plan.test(screen) && /^. Upgrade now$/m.test(screen)) return screen;
    if (notesQuestion(screen)) {
      const question = screen
        .split('\n')
        .find((l) => l.startsWith('? '))!
        .trimEnd();
      await choose(session, NOTE_ACK);
      // The next screen: another note, or the plan.
      await session.waitFor(new RegExp(`^\\? (?!${escape(question.slice(2))}$)`, 'm'), 10_000, { joined: true });
    } else {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`the plan question never showed:\n${await session.capture()}`);
}

/** Checks that hold on every screen: nothing wider than the terminal, and the whole step list in view. */
function layoutCheck(where: string[]) {
  return (screen: string): void => {
    const wide = linesWiderThan(screen, COLUMNS);
    assert.deepEqual(wide, [], `lines wider than ${COLUMNS} columns (${where.at(-1)}):\n${screen}`);
    const visible = screen.split('\n');
    if (visible.every((l) => l.trim() === '')) return; // before the first frame
    const folded = visible.filter((l) => /^✔ \d+ steps done: /.test(l)).flatMap((l) => l.replace(/^✔ \d+ steps done: /, '').split(', '));
    const toCome = Number(/^· (\d+) steps to come: /m.exec(screen)?.[1] ?? 0);
    const missing = STEP_TITLES.filter(
      (title, index) => !visible.some((l) => /^[·▸✔✘–] /.test(l) && l.includes(title)) && !folded.includes(STEP_IDS[index] ?? ''),
    );
    // Steps still to come may be folded into one "· N steps to come: …" line (cut at the screen's edge).
    assert.ok(missing.length <= toCome, `steps not on screen (${where.at(-1)}): ${missing.join(', ')}\n${screen}`);
    // Each step once: the first frame drawn before Ink loaded was replaced by Ink's, not left above it.
    const twice = STEP_TITLES.filter((title) => visible.filter((l) => /^[·▸✔✘–] /.test(l) && l.slice(2).startsWith(title)).length > 1);
    assert.deepEqual(twice, [], `steps drawn twice (${where.at(-1)}):\n${screen}`);
  };
}

test('interactive 1.46.0 → 1.47.0 in an 80×24 terminal: pick from the list, read the plan, verified; NO_COLOR=1', async (t: TestContext) => {
  if (missingTool(t, tmuxAvailable() ? undefined : 'tmux not installed')) return;
  const { hs, state } = await standin('1.46.0', 2);
  const session = await wizard(hs, state, { NO_COLOR: '1' });
  const coloured: string[] = [];
  const stage = ['start'];
  const check = layoutCheck(stage);
  const watch = (screen: string) => check(screen);
  /** The screen with its escape codes: colours are collected (NO_COLOR is set), the layout checked. */
  const snapshot = async (of = session) => {
    const screen = await of.capture({ escapes: true });
    coloured.push(...colourCodes(screen).map((c) => `${stage.at(-1)}: ${JSON.stringify(c)}`));
    check(await of.capture({ joined: true }));
    return screen;
  };

  // The target list: every newer version in the wheelhouse, newest first, the newest preselected.
  stage.push('target list');
  let screen = await session.waitFor(/^\? Synapse 1\.46\.0 is installed\. Upgrade to which version\?/m, 30_000, { joined: true, onScreen: watch });
  await snapshot();
  const expected = await newerVersions(hs.wheelhouse, '1.46.0');
  assert.ok(expected.length >= 3 && expected.at(-1) === '1.47.0', expected.join(' '));
  const { lines } = choiceLines(screen);
  assert.deepEqual(
    lines.map((l) => l.slice(2).replace(/ \(newest\)$/, '')),
    expected,
    screen,
  );
  assert.equal(lines[0], `❯ ${expected[0]} (newest)`);
  await choose(session, /1\.47\.0$/);

  // Notes to acknowledge, if any apply, then the plan with the exact commands.
  stage.push('plan');
  screen = await acknowledgeNotesUntilPlan(session, '1.46.0', '1.47.0', watch);
  await snapshot();
  assert.match(screen, /^\? Upgrade Synapse 1\.46\.0 → 1\.47\.0\?$/m);
  const install = `1. Install: ${hs.venv}/bin/pip install --disable-pip-version-check --upgrade matrix-synapse==1.47.0`;
  const restart = `2. Restart: ${hs.venv}/bin/synctl restart ${hs.configPath}`;
  assert.match(screen, new RegExp(`3\\. Wait until ${escape(hs.url)}/_synapse/admin/v1/server_version answers`));
  assert.match(screen, /4\. Verify that it reports 1\.47\.0/);
  await t.test('at 80 columns the plan shows the pip and synctl commands in full', async () => {
    const joined = await session.capture({ joined: true });
    // Ink wraps long lines at spaces: compare with white space squeezed out.
    const squash = (text: string): string => text.replace(/\s+/g, '');
    assert.ok(squash(joined).includes(squash(install)) && squash(joined).includes(squash(restart)), joined);
  });
  assert.equal(choiceLines(screen).lines[choiceLines(screen).selected], '❯ Upgrade now');
  await choose(session, /Upgrade now/);

  // The steps run to the end; the final screen names the new version.
  stage.push('upgrade');
  await session.waitFor(/^✔ Verify the running version/m, 45_000, { joined: true, onScreen: watch });
  stage.push('result');
  await session.waitFor(/Synapse now runs 1\.47\.0 \(was 1\.46\.0\)/, 10_000);
  assert.equal(await session.exitCode(10_000), 0, await session.capture());
  screen = await snapshot();
  for (const title of STEP_TITLES.filter((s) => s !== 'Read the upgrade notes that apply')) {
    assert.match(screen, new RegExp(`^✔ ${title}`, 'm'));
  }
  assert.match(screen, /^[✔–] Read the upgrade notes that apply/m);
  assert.equal(await hs.serverVersion(), '1.47.0');

  await t.test('NO_COLOR=1: no colour escape codes on any screen (capture-pane -e)', () => {
    assert.deepEqual(coloured, []);
  });

  // A breaking note that applies (a config key 1.48.0 refuses) asks to be acknowledged before the plan. Widened
  // to 200 columns, the plan shows both commands exactly as they will run. "Stop" then changes nothing.
  await hs.writeConfig({ extraConfig: { trust_identity_server_for_password_resets: true } });
  const again = await wizard(hs, state, { NO_COLOR: '1' });
  stage.push('second run: target list');
  await again.waitFor(/^\? Synapse 1\.47\.0 is installed\. Upgrade to which version\?/m, 30_000, { joined: true, onScreen: watch });
  await choose(again, /1\.48\.0$/);
  stage.push('second run: note');
  screen = await again.waitFor(/^\? .*trust_identity_server_for_password_resets/m, 20_000, { joined: true, onScreen: watch });
  assert.ok(notesQuestion(screen), screen);
  await snapshot(again);
  // Ink wraps long detail lines at spaces, each wrapped row keeping the line's indent: every row of the details
  // starts at column 2 (or is a choice); read the question with its line breaks folded back.
  const question = screen.slice(screen.lastIndexOf('\n? ') + 1);
  const rows = question.split('\n');
  for (const row of rows.slice(rows.findIndex((r) => r.startsWith('  ')))) assert.match(row, /^( {2}\S|❯ |$)/, `row ${JSON.stringify(row)} in\n${question}`);
  const unwrapped = question.replace(/\s*\n\s*/g, ' ');
  assert.match(unwrapped, / {1,2}\/\S*\/homeserver\.yaml:\d+: trust_identity_server/);
  assert.match(unwrapped, / What to do: Remove trust_identity_server_for_password_resets/);
  await t.test('at 80 columns the note to acknowledge shows its finding and what to do in full', () => {
    assert.match(unwrapped, /homeserver\.yaml:\d+: trust_identity_server_for_password_resets is true /);
    assert.match(unwrapped, /What to do: Remove trust_identity_server_for_password_resets and configure account_threepid_delegates\.email or SMTP instead\. /);
  });
  stage.push('second run: plan');
  await acknowledgeNotesUntilPlan(again, '1.47.0', '1.48.0', watch);
  await again.resize(200, 44);
  // With room enough the wizard draws again without folding (Ink re-wraps first, the layout follows):
  // the notes step tells what was acknowledged, and the plan lines fit whole.
  screen = await again.waitFor(/✔ Read the upgrade notes that apply .*1 apply, .*1 acknowledg[\s\S]*^ {2}2\. Restart: .*homeserver\.yaml$/m, 10_000);
  const planLines = screen.split('\n').map((l) => l.trim());
  assert.ok(planLines.includes(install.replace('1.47.0', '1.48.0')), screen);
  assert.ok(planLines.includes(restart), screen);
  await choose(again, /Stop and change nothing/);
  await again.waitFor(/Stopped at your request/, 10_000);
  assert.notEqual(await again.exitCode(10_000), 0);
  assert.equal(await hs.serverVersion(), '1.47.0');
});

test('interactive 1.45.0 → 1.46.0: the migration shows in the terminal; Ctrl+C, "Keep going", verified', async (t: TestContext) => {
  if (missingTool(t, tmuxAvailable() ? undefined : 'tmux not installed')) return;
  const { hs, state } = await standin('1.45.0', 8);
  const session = await wizard(hs, state);
  const stage = ['start'];
  const check = layoutCheck(stage);
  const watch = (screen: string) => check(screen);

  stage.push('target list');
  let screen = await session.waitFor(/^\? Synapse 1\.45\.0 is installed\. Upgrade to which version\?/m, 30_000, { joined: true, onScreen: watch });
  assert.equal(choiceLines(screen).lines.at(-1), '  1.46.0');
  assert.ok(colourCodes(await session.capture({ escapes: true })).length > 0, 'without NO_COLOR the screen has colours');
  await choose(session, /1\.46\.0$/);
  stage.push('plan');
  await acknowledgeNotesUntilPlan(session, '1.45.0', '1.46.0', watch);
  await choose(session, /Upgrade now/);

  // The wait: elapsed time and the migration's progress from the homeserver log, the step list still on screen.
  stage.push('wait');
  const joinedWatch = async () => check(await session.capture({ joined: true }));
  screen = await session.waitFor(/Waiting \d+ s for Synapse: (migrating the database schema to v65|applying schema delta 65\/01_standin\.sql)/, 30_000, {
    joined: true,
    onScreen: watch,
  });
  await joinedWatch();
  assert.match(screen, /^▸ (Restart Synapse|Wait until Synapse answers)/m);

  // Ctrl+C asks before quitting mid-step; "Keep going" carries on.
  stage.push('quit question');
  await session.sendKeys('C-c');
  screen = await session.waitFor(/Quit the wizard now\?/, 5000, { joined: true, onScreen: watch });
  await joinedWatch();
  assert.equal(choiceLines(screen).lines[choiceLines(screen).selected], '❯ Keep going');
  assert.ok(
    choiceLines(screen).lines.some((l) => /Quit/.test(l)),
    screen,
  );
  assert.equal(await session.status(), undefined, 'the wizard still runs');
  await choose(session, /Keep going/);
  stage.push('after keep going');
  screen = await session.waitFor(/^(?![\s\S]*Quit the wizard now\?)/, 5000);
  // The screen keeps counting: the wait went on while the question was up.
  const seconds = Number(/Waiting (\d+) s/.exec(screen)?.[1] ?? 0);
  await session.waitFor(new RegExp(`Waiting (?!${seconds} s)\\d+ s for Synapse`), 5000, { joined: true, onScreen: watch });

  stage.push('verify');
  await session.waitFor(/^✔ Verify the running version/m, 45_000, {
    joined: true,
    onScreen: (s) => {
      check(s);
      assert.ok(!/Quit the wizard now\?/.test(s), `the quit question came back:\n${s}`);
    },
  });
  await session.waitFor(/Synapse now runs 1\.46\.0 \(was 1\.45\.0\)/, 10_000);
  assert.equal(await session.exitCode(10_000), 0, await session.capture());
  assert.equal(await hs.serverVersion(), '1.46.0');
  assert.deepEqual(await hs.query('SELECT version FROM schema_version'), [[65]]);
  assert.match(await hs.readLog(), /Applying schema deltas for v65/);
});
