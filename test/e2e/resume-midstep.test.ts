// Interruptions in the middle of the long steps, with real pip, real processes and real signals: the wizard is
// killed (-9) or hung up (SIGHUP) while pip downloads from a slow mirror and while Synapse migrates its database
// during the restart. The command carries on detached; the next run re-attaches to it and finishes. Each run must
// end with the target version serving, the journal done, and no mutating command started twice.
// Needs `npm run build` first (it runs bin/synapse-upgrade.mjs).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createStandinInstall, freePort, type StandinInstall } from '../../src/demo/standin.js';
import { runCli, wizardEnv } from '../helpers/cli.js';
import {
  assertNoDuplicateCommand,
  journalOf,
  jobsOf,
  processGone,
  runReattaching,
  runWizard,
  sessionDirOf,
  startWizard,
  waitUntil,
  whileRunning,
} from '../helpers/resume.js';
import { slowIndexEnv, startSlowIndex, type SlowIndex } from '../helpers/slow-index.js';

let hs: StandinInstall;
let index: SlowIndex;
let root: string;
let env: Record<string, string>;
let state: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'su-resume-mid-'));
  hs = await createStandinInstall({ root, version: '1.46.0', port: await freePort() });
  await hs.start();
  index = await startSlowIndex(hs.wheelhouse);
  state = join(root, 'state');
  env = wizardEnv(hs.wheelhouse, state, slowIndexEnv(index));
});

after(async () => {
  await index?.close();
  await hs?.kill().catch(() => {});
  if (root) await rm(root, { recursive: true, force: true, maxRetries: 5 }).catch(() => {});
});

const wheel = (version: string): string => `matrix_synapse-${version}-py3-none-any.whl`;

/** The checks every scenario ends with. */
async function assertUpgraded(to: string, run: { code: number | null; output: string }) {
  assert.equal(run.code, 0, run.output);
  assert.match(run.output, new RegExp(`Synapse now runs ${to.replace(/\./g, '\\.')}`));
  assert.equal(await hs.serverVersion(), to);
  const journal = await journalOf(state);
  assert.equal(journal.outcome, 'upgraded');
  assert.equal(journal.to, to);
  for (const step of journal.steps) assert.ok(['done', 'skipped'].includes(step.status), `${step.id} is ${step.status}`);
  const started = await assertNoDuplicateCommand(journal);
  assert.equal(started.filter((c) => c.includes(`matrix-synapse==${to}`)).length, 1, started.join('\n'));
  return journal;
}

test('kill -9 while pip installs: the install carries on; the next run re-attaches, installs once, verifies', async () => {
  index.hold(new RegExp(`^${wheel('1.47.0').replace(/\./g, '\\.')}$`));
  const held = index.held();
  const first = startWizard(['--venv', hs.venv, '--target', '1.47.0', '--yes'], env);
  await whileRunning(first, held);
  const journal = await journalOf(state);
  const install = journal.steps.find((s) => s.id === 'install');
  assert.equal(install?.status, 'running');
  assert.ok(install?.job, 'the journal names the install job before pip runs');
  first.child.kill('SIGKILL');
  const killed = await first.done;
  assert.equal(killed.signal, 'SIGKILL');

  const sessionDir = await sessionDirOf(state);
  const job = (await jobsOf(sessionDir)).at(-1);
  assert.ok(job?.argv.includes('matrix-synapse==1.47.0') && job.started && !job.exit, `pip still runs after the wizard was killed: ${JSON.stringify(job)}`);
  const status = await runCli(['status', '--json'], env);
  assert.equal(status.exitCode, 0, status.stderr);
  const report = JSON.parse(status.stdout).status;
  assert.equal(report.resumable, true);
  assert.equal(report.interruption.step, 'install');
  assert.equal(report.interruption.job.state, 'running');
  assert.match((await runCli(['status'], env)).stdout, /still running \(pid \d+/);

  // The slow mirror finishes once the next run has re-attached.
  const second = await runReattaching(['resume', '--yes'], env, () => index.release());
  await assertUpgraded('1.47.0', second);
  assert.equal(index.downloads.get(wheel('1.47.0')), 1, 'the wheel was downloaded (installed) once');
});

test('SIGHUP while pip installs: exit 3 at once, pip carries on; `synapse-upgrade` shows it and resumes', async () => {
  index.hold(new RegExp(`^${wheel('1.48.0').replace(/\./g, '\\.')}$`));
  const held = index.held();
  const first = startWizard(['--venv', hs.venv, '--target', '1.48.0', '--yes'], env);
  await whileRunning(first, held);
  const hungUpAt = performance.now();
  first.child.kill('SIGHUP');
  const hung = await first.done;
  console.log(`SIGHUP → journal written, exit 3 in ${Math.round(performance.now() - hungUpAt)} ms`);
  assert.equal(hung.code, 3, hung.output);
  assert.match(hung.output, /Interrupted \(SIGHUP\) during "Install the new version"/);
  assert.match(hung.output, /The command keeps running on its own \(pid \d+\)/);
  const journal = await journalOf(state);
  assert.equal(journal.outcome, 'interrupted');
  assert.deepEqual(
    journal.events?.filter((e) => e.kind === 'interrupted').map((e) => [e.reason, e.step]),
    [['SIGHUP', 'install']],
  );
  assert.equal(journal.steps.find((s) => s.id === 'install')?.status, 'running');
  const jobs = await jobsOf(await sessionDirOf(state));
  assert.ok(jobs.at(-1)?.started && !jobs.at(-1)?.exit, 'pip survived the hang-up');

  index.release();
  await waitUntil(async () => (await jobsOf(await sessionDirOf(state))).at(-1)?.exit, 30_000, 'pip to finish on its own');
  // Plain `synapse-upgrade --yes`: the unfinished session is shown and resumed (the safe default).
  const second = await runWizard(['--venv', hs.venv, '--yes'], env);
  assert.match(second.output, /Unfinished upgrade 1\.47\.0 → 1\.48\.0/);
  assert.match(second.output, /That command ended with exit code 0/);
  assert.match(second.output, /matrix-synapse 1\.48\.0 is installed: not run again/);
  await assertUpgraded('1.48.0', second);
  assert.equal(index.downloads.get(wheel('1.48.0')), 1);
});

for (const [signal, from, to, schema] of [
  ['SIGKILL', '1.48.0', '1.49.0', 66],
  ['SIGHUP', '1.49.0', '1.50.0', 67],
] as const) {
  test(`${signal} during the restart's database migration (${from} → ${to}): the restart carries on; the next run ${signal === 'SIGKILL' ? 'finds it done' : 'follows it to the end'}, the downtime counting the outage before the interruption`, async () => {
    // The migration waits on a gate after its first delta: it runs until this test opens it (after the next run has
    // taken it up), however long a loaded machine takes to get there.
    const gate = join(hs.root, `migration-gate-${signal}`);
    await hs.writeConfig({ migrationSeconds: 1, extraConfig: { x_standin: { migration_gate: gate } } });
    const first = startWizard(['--venv', hs.venv, '--target', to, '--yes'], env);
    await whileRunning(
      first,
      waitUntil(async () => (await hs.readLog()).includes(`Applying schema deltas for v${schema}`), 60_000, 'the migration to start'),
    );
    const journal = await journalOf(state);
    assert.equal(journal.steps.find((s) => s.id === 'restart')?.status, 'running');
    // The wizard journals the outage's start as soon as it sees Synapse stop answering (after the restart began).
    const restartStarted = Date.parse(journal.steps.find((s) => s.id === 'restart')!.startedAt!);
    const downSince = Date.parse(journal.serverDownAt ?? '');
    assert.ok(downSince >= restartStarted, `the outage's start is journaled after the restart began: ${journal.serverDownAt}`);
    first.child.kill(signal);
    const end = await first.done;
    if (signal === 'SIGHUP') assert.equal(end.code, 3, end.output);
    else assert.equal(end.signal, 'SIGKILL');
    const jobs = await jobsOf(await sessionDirOf(state));
    const restart = jobs.at(-1)!;
    assert.ok(restart.argv.some((a) => a.endsWith('synctl')) && !restart.exit, `synctl restart still runs: ${JSON.stringify(restart)}`);
    assert.ok(processGone(first.child.pid!));

    let gateOpenedAt = Number.NaN;
    const openGate = () => {
      gateOpenedAt = Date.now();
      writeFileSync(gate, '');
    };
    let answeredAt: number | undefined;
    if (signal === 'SIGKILL') {
      // This time the migration ends and Synapse answers while no wizard runs: the outage still counts.
      openGate();
      await waitUntil(async () => (await hs.serverVersion().catch(() => '')) === to, 60_000, `Synapse to answer ${to}`);
      answeredAt = Date.now();
      await new Promise((r) => setTimeout(r, 1500)); // the wizard comes back later than that
    }
    const resumedAt = Date.now();
    const second = signal === 'SIGKILL' ? await runWizard(['resume', '--yes'], env) : await runReattaching(['resume', '--yes'], env, openGate);
    assert.match(second.output, signal === 'SIGKILL' ? /Synapse already runs 1\.49\.0/ : /re-attaching/);
    await assertUpgraded(to, second);
    // The downtime counts the outage before the interruption too (Synapse was down at least until the gate opened);
    // when Synapse came back while no wizard ran, it ends when its log says it listened again, not when the wizard came back.
    const downtime = Number(/Downtime (\d+\.\d) s/.exec(second.output)?.[1]) * 1000;
    assert.ok(
      downtime >= gateOpenedAt - downSince - 100,
      `downtime ${downtime} ms, but Synapse was down from ${downSince} until at least the gate opened at ${gateOpenedAt}:\n${second.output}`,
    );
    if (answeredAt !== undefined) {
      assert.ok(
        downtime <= answeredAt - downSince + 300,
        `downtime ${downtime} ms, but Synapse answered ${answeredAt - downSince} ms after it stopped:\n${second.output}`,
      );
      assert.match(second.output, /the downtime counts until its log says it listened again/);
    } else {
      assert.ok(
        downtime >= resumedAt - downSince - 100,
        `downtime ${downtime} ms, but Synapse stopped answering ${resumedAt - downSince} ms before the resume:\n${second.output}`,
      );
    }
    assert.deepEqual(await hs.query('SELECT version FROM schema_version'), [[schema]]);
    const restarts = (await assertNoDuplicateCommand(await journalOf(state))).filter((c) => / restart /.test(`${c} `) && c.includes('synctl'));
    assert.equal(restarts.length, 1, restarts.join('\n'));
    await hs.writeConfig({ migrationSeconds: 0, extraConfig: {} });
  });
}
