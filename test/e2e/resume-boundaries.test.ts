// Fault injection over the whole flow: the wizard is killed (-9) at every step boundary in turn, one boundary per
// run: right after the journal records that a step started, right after one of its commands was launched, and
// right after it ended. Each next run resumes from there (re-attaching to a command that still runs, taking the
// result of one that ended, skipping what is done) until a run finishes. The journal must load after every kill,
// and in the end the target version serves, the journal says done, and no changing command was started twice.
// The walk covers whatever steps the flow has (engine/flow.ts), with real pip, processes and HTTP.
// Needs `npm run build` first (it runs bin/synapse-upgrade.mjs).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createStandinInstall, freePort, type StandinInstall } from '../../src/demo/standin.js';
import { FLOW } from '../../src/engine/flow.js';
import { readJournal } from '../../src/system/journal.js';
import { wizardEnv } from '../helpers/cli.js';
import { assertNoDuplicateCommand, jobsOf, journalOf, runWizard, sessionDirOf } from '../helpers/resume.js';

let hs: StandinInstall | undefined;
let root: string | undefined;
after(async () => {
  await hs?.kill().catch(() => {});
  if (root) await rm(root, { recursive: true, force: true, maxRetries: 5 }).catch(() => {});
});

test('kill -9 at every step boundary, one per run, then resume: verified, journal done, each changing command once', async () => {
  root = await mkdtemp(join(tmpdir(), 'su-resume-walk-'));
  hs = await createStandinInstall({ root, version: '1.46.0', port: await freePort() });
  await hs.start();
  const state = join(root, 'state');
  const trace = join(root, 'fault-trace');
  const killedAt: string[] = [];
  const fresh = ['--venv', hs.venv, '--target', '1.47.0', '--yes'];
  let last: { code: number | null; signal: NodeJS.Signals | null; output: string } | undefined;
  for (let run = 0; run < 80; run++) {
    // Alternate the two ways back in: `synapse-upgrade resume --yes` and the plain wizard (which resumes under --yes).
    const journal = run === 0 ? undefined : await readJournal(await sessionDirOf(state));
    const args = journal?.to && run % 2 === 1 ? ['resume', '--yes'] : fresh;
    last = await runWizard(
      args,
      wizardEnv(hs.wheelhouse, state, {
        SYNAPSE_UPGRADE_TEST_KILL_AT: '*',
        SYNAPSE_UPGRADE_TEST_KILL_SKIP: killedAt.join(','),
        SYNAPSE_UPGRADE_TEST_KILL_TRACE: trace,
      }),
    );
    if (last.signal !== 'SIGKILL') break;
    const point = (await readFile(trace, 'utf8')).trim().split('\n').at(-1)!;
    assert.ok(!killedAt.includes(point), `killed twice at ${point}`);
    killedAt.push(point);
    // A kill at any boundary leaves a journal that loads.
    assert.ok(await readJournal(await sessionDirOf(state)), `the journal loads after the kill at ${point}`);
  }
  assert.equal(last?.code, 0, `the last run:\n${last?.output}`);

  // Every step of the flow was interrupted where it starts and where it ends; every command right after its launch.
  for (const step of FLOW) {
    assert.ok(
      killedAt.some((p) => p.startsWith(`${step.id}:`)),
      `no kill in step ${step.id}: ${killedAt.join(' ')}`,
    );
  }
  for (const point of [
    'target:running',
    'target:done',
    'install:running',
    'install:spawned',
    'install:done',
    'restart:running',
    'restart:spawned',
    'restart:done',
    'verify:running',
    'verify:done',
  ]) {
    assert.ok(killedAt.includes(point), `no kill at ${point}: ${killedAt.join(' ')}`);
  }

  assert.equal(await hs.serverVersion(), '1.47.0');
  const journal = await journalOf(state);
  assert.equal(journal.outcome, 'upgraded');
  for (const step of journal.steps) assert.ok(['done', 'skipped'].includes(step.status), `${step.id} is ${step.status}`);
  assert.ok((journal.events ?? []).filter((e) => e.kind === 'resumed').length >= killedAt.length - 3, 'each run after a kill resumed the session');
  const changing = await assertNoDuplicateCommand(journal);
  assert.equal(changing.filter((c) => c.includes('matrix-synapse==1.47.0')).length, 1, changing.join('\n'));
  assert.equal(changing.filter((c) => c.includes('synctl') && c.includes(' restart ')).length, 1, changing.join('\n'));
  // The supervisors agree: each job folder whose command started ran a different command.
  const jobs = (await jobsOf(await sessionDirOf(state))).filter((j) => j.started);
  const installs = jobs.filter((j) => j.argv.includes('matrix-synapse==1.47.0'));
  assert.equal(installs.length, 1, JSON.stringify(jobs, null, 1));
  console.log(`killed at ${killedAt.length} boundaries: ${killedAt.join(' ')}`);
});
