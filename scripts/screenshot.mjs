#!/usr/bin/env node
// Captures the real wizard in a real terminal (tmux, 80x24) upgrading a demo homeserver through a 12 s
// migration, and writes that screen as an SVG picture into docs/screens/ for the README. Run after `npm run build`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { devNull, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ansiToSvg } from './ansi-svg.mjs';

const { createStandinInstall, freePort } = await import('../dist/demo/standin.js');
const root = mkdtempSync(join(tmpdir(), 'su-shot-'));
const hs = await createStandinInstall({ root, version: '1.46.0', port: await freePort(), migrationSeconds: 12, serverName: 'example.org' });
await hs.start();
const socket = `su-shot-${process.pid}`;
const tmux = (...args) => execFileSync('tmux', ['-L', socket, '-f', devNull, ...args], { encoding: 'utf8' });
const env = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  TERM: 'xterm-256color',
  LANG: 'C.UTF-8',
  PIP_CONFIG_FILE: devNull,
  PIP_NO_INDEX: '1',
  PIP_FIND_LINKS: hs.wheelhouse,
  SYNAPSE_UPGRADE_STATE_DIR: join(root, 'state'),
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const capture = () => tmux('capture-pane', '-p', '-e', '-t', 'shot');
async function waitFor(pattern, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const screen = capture();
    if (pattern.test(screen.replace(/\u001b\[[0-9;]*m/g, ''))) return screen;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${pattern}\n${capture()}`);
}
// The other screens come from real Synapse (test/real/tmux-real.test.ts, SYNAPSE_UPGRADE_WRITE_SCREENS=1);
// only what real Synapse cannot show on demand (a long migration) is taken from the stand-in here.
const STANDIN_SCREENS = new Set(['2-note', '4-migrating']);
const save = (name, screen, title) =>
  STANDIN_SCREENS.has(name) && writeFileSync(new URL(`../docs/screens/${name}.svg`, import.meta.url), ansiToSvg(screen, { columns: 80, rows: 24, title }));

try {
  const args = [
    'env',
    '-i',
    ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
    process.execPath,
    new URL('../bin/synapse-upgrade.mjs', import.meta.url).pathname,
    '--venv',
    hs.venv,
  ];
  tmux('new-session', '-d', '-s', 'shot', '-x', '80', '-y', '24', ...args);
  save('1-choose-target', await waitFor(/Upgrade to which version/), 'synapse-upgrade: choose the version');
  await sleep(500);
  for (const key of ['Down', 'Down', 'Enter']) {
    tmux('send-keys', '-t', 'shot', key); // 1.49.0: crosses a schema migration
    await sleep(150);
  }
  let screen = await waitFor(/\? (Upgrade Synapse|\[)/);
  while (/\? \[/.test(screen.replace(/\u001b\[[0-9;]*m/g, ''))) {
    save('2-note', screen, 'synapse-upgrade: an upgrade note that applies');
    await sleep(300);
    tmux('send-keys', '-t', 'shot', 'Enter');
    await sleep(500);
    screen = await waitFor(/\? (Upgrade Synapse|\[)/);
  }
  save('3-plan', screen, 'synapse-upgrade: the plan, before anything changes');
  await sleep(300);
  tmux('send-keys', '-t', 'shot', 'Enter');
  save('4-migrating', await waitFor(/Waiting \d+ s for Synapse: .*(schema|delta)/), 'synapse-upgrade: waiting through the database migration');
  save('5-done', await waitFor(/Synapse now runs/, 120_000), 'synapse-upgrade: upgraded and verified');
  console.log('wrote docs/screens/*.svg');
} finally {
  try {
    tmux('kill-server');
  } catch {
    // the server is already gone
  }
  await hs.kill().catch(() => {});
}
