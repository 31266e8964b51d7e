// The stand-in Synapse must behave like the real one where the wizard looks. The same scenario (a pip venv +
// SQLite, started the documented way: `cd DIR && synctl start homeserver.yaml`, then `--venv DIR/env --target
// <next> --yes --json`) runs on the stand-in and on real Synapse from PyPI, and what the wizard observed is
// compared: the kinds of detection evidence, the steps and how they ended, the preflight checks, the result's
// fields and the journal's entries. Any difference fails the test (versions, paths and numbers aside).
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { buildWheelhouse, createStandinInstall, freePort, type StandinInstall } from '../../src/demo/standin.js';
import { wizardEnv } from '../helpers/cli.js';
import { createHomeserver, waitFor, type RealHomeserver } from './helpers/homeserver.js';
import { seedData, waitForBackgroundUpdates } from './helpers/matrix.js';
import { realTier, realWizardEnv, stateDirOf } from './helpers/tier.js';
import { journalOf, runWizard, type Journal } from './helpers/wizard.js';

const real: RealHomeserver[] = [];
const standins: StandinInstall[] = [];
const roots: string[] = [];
after(async () => {
  await Promise.all(real.map((hs) => hs.dispose()));
  await Promise.all(standins.map((hs) => hs.kill().catch(() => {})));
  await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
});

type Event = { type: string; install?: { evidence: string[] }; step?: string; status?: string; name?: string; result?: Record<string, unknown> };

/** A text's kind: paths, versions, numbers, hashes and times replaced by placeholders. */
export const kindOf = (text: string): string =>
  text
    .replace(/\/[^\s,;'"()]+/g, '<path>')
    .replace(/\b[0-9a-f]{8,}\b/g, '<hash>')
    .replace(/\d+(\.\d+)*( ?(ms|s|KiB|MiB|GiB|B))?/g, '<n>');

/** What the wizard observed in one run, in comparable form. */
async function observed(stdout: string, state: string) {
  const events = stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Event);
  const detected = events.find((e) => e.type === 'detected')?.install;
  const result = events.find((e) => e.type === 'result')?.result ?? {};
  const journal: Journal = await journalOf(state);
  return {
    evidence: [...new Set((detected?.evidence ?? []).map(kindOf))].sort(),
    steps: events.filter((e) => e.type === 'step.finished').map((e) => `${e.step}:${e.status}`),
    checks: events
      .filter((e) => e.type === 'check')
      .map((e) => `${e.name}:${e.status}`)
      .sort(),
    result: {
      outcome: result.outcome,
      exitCode: result.exitCode,
      fields: Object.keys(result).sort(),
      lines: (result.lines as string[] | undefined)?.map(kindOf),
    },
    journal: {
      keys: Object.keys(journal).sort(),
      outcome: journal.outcome,
      steps: journal.steps.map((s) => `${s.id}:${s.status}`),
      events: ((journal.events as { kind: string }[] | undefined) ?? []).map((e) => e.kind),
    },
  };
}

test(
  'the same upgrade on the stand-in and on real Synapse: the wizard observes the same (evidence kinds, steps, checks, result, journal)',
  { timeout: 1_500_000 },
  async (t) => {
    const tier = await realTier(t);
    if (!tier) return;
    const { from, to } = tier.scenario('pip-sqlite');

    // Real Synapse, started as its docs say.
    const hs = await createHomeserver({ version: from });
    real.push(hs);
    await hs.start();
    await seedData(hs);
    await waitForBackgroundUpdates(hs);
    const realState = stateDirOf(hs.root);
    const realRun = await runWizard(['--venv', hs.venv, '--target', to, '--yes', '--json'], realWizardEnv(realState));
    assert.equal(realRun.exitCode, 0, realRun.stdout + realRun.stderr);

    // The stand-in, set up and started the same way (its config folder is its root).
    const root = await mkdtemp(join(tmpdir(), 'su-vs-'));
    roots.push(root);
    const wheelhouse = await buildWheelhouse();
    const standin = await createStandinInstall({ root, version: '1.46.0', port: await freePort(), wheelhouse });
    standins.push(standin);
    const started = await execa(standin.bin('synctl'), ['start', 'homeserver.yaml'], { cwd: root, env: { ...process.env, PWD: root }, reject: false });
    assert.equal(started.exitCode, 0, started.stdout + started.stderr);
    await waitFor(
      async () => Number((await standin.query('SELECT count(*) FROM background_updates'))[0]?.[0]) === 0,
      60_000,
      "the stand-in's background updates",
    );
    const standinState = join(root, 'state');
    const standinRun = await runWizard(['--venv', standin.venv, '--target', '1.47.0', '--yes', '--json'], wizardEnv(wheelhouse, standinState));
    assert.equal(standinRun.exitCode, 0, standinRun.stdout + standinRun.stderr);

    const a = await observed(realRun.stdout, realState);
    const b = await observed(standinRun.stdout, standinState);
    t.diagnostic(`real ${from} → ${to}: ${realRun.ms} ms; stand-in 1.46.0 → 1.47.0: ${standinRun.ms} ms`);
    assert.deepEqual(b.evidence, a.evidence, 'detection evidence kinds');
    assert.deepEqual(b.steps, a.steps, 'steps');
    assert.deepEqual(b.checks, a.checks, 'preflight checks');
    assert.deepEqual(b.result, a.result, 'result');
    assert.deepEqual(b.journal, a.journal, 'journal');
    // Both logs show the shutdown as Synapse writes it on Python 3.11 (the listener closing, the atexit traceback).
    for (const log of [await hs.readLog(), await readFile(standin.logPath, 'utf8')]) {
      assert.match(log, /- \(TCP Port \d+ Closed\)\n/);
      assert.match(
        log,
        /Exception ignored in atexit callback: <function daemonize_process\.<locals>\.exit at 0x[0-9a-f]+>\n.*Traceback \(most recent call last\):\n.*\n.*sys\.exit\(0\)\n.*SystemExit: 0\n/,
      );
    }
  },
);
