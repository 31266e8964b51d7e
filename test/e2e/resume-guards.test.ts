// What must stop the wizard before it changes anything: another wizard at work (the second refuses, naming its
// pid; a killed one's lock is taken over), a journal it cannot trust (from a newer version, or damaged by hand:
// a clear error, the file kept byte for byte), and a state folder it cannot write or that is full (a journal that
// cannot be written is an upgrade that cannot be resumed). Real pip, processes, HTTP and mounts.
// Needs `npm run build` first (it runs bin/synapse-upgrade.mjs).
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createStandinInstall, freePort, type StandinInstall } from '../../src/demo/standin.js';
import { homeserverKey } from '../../src/system/state-dir.js';
import { BIN, runCli, wizardEnv } from '../helpers/cli.js';
import { needPrivateMounts, withTmpfs } from '../helpers/namespace.js';
import { assertNoDuplicateCommand, journalOf, runReattaching, runWizard, sessionDirOf, startWizard, waitUntil, whileRunning } from '../helpers/resume.js';
import { slowIndexEnv, startSlowIndex, type SlowIndex } from '../helpers/slow-index.js';

let hs: StandinInstall;
let index: SlowIndex;
let root: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'su-resume-guard-'));
  hs = await createStandinInstall({ root, version: '1.46.0', port: await freePort() });
  await hs.start();
  index = await startSlowIndex(hs.wheelhouse);
});
after(async () => {
  await index?.close();
  await hs?.kill().catch(() => {});
  if (root) await rm(root, { recursive: true, force: true, maxRetries: 5 }).catch(() => {});
});

const upgrade = (): string[] => ['--venv', hs.venv, '--target', '1.47.0', '--yes'];

/** The server as it was: same version answering, same process. */
async function unchanged(pid: number | undefined) {
  assert.equal(await hs.serverVersion(), '1.46.0');
  assert.equal(hs.pid(), pid);
}

async function listing(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) out[name] = (await readFile(join(dir, name))).toString('base64');
  return out;
}

test('a journal from a newer version, or damaged by hand: exit 2 with a clear error, nothing changed, the file kept', async () => {
  const pid = hs.pid();
  const cases: [string, string, RegExp][] = [
    [
      'future format',
      `${JSON.stringify({ format: 99, sessionId: 'x', startedAt: 'x', transcript: 'x', dryRun: false, steps: [] })}\n`,
      /written by a newer synapse-upgrade \(format 99; this one reads up to 2\)/,
    ],
    ['cut short', '{"format": 2, "sessionId": "abc", "steps": [{"id": "install", "sta', /is damaged \(not valid JSON\)/],
    [
      'wrong shape',
      `${JSON.stringify({ format: 2, sessionId: 'abc', startedAt: 'x', updatedAt: 'x', dryRun: false, transcript: 't', steps: 'install: done' })}\n`,
      /is damaged \("steps" is not a list\)/,
    ],
    ['not an object', 'null\n', /is damaged \(not a JSON object\)/],
  ];
  for (const [name, text, message] of cases) {
    const state = join(root, `state-${name.replace(/ /g, '-')}`);
    const sessionDir = join(state, homeserverKey('example.test', hs.configPath));
    await mkdir(sessionDir, { recursive: true });
    await writeFile(join(sessionDir, 'journal.json'), text, { mode: 0o600 });
    const before = await listing(sessionDir);
    const env = wizardEnv(hs.wheelhouse, state);
    // Every command on the first case; the wizard itself on the others.
    for (const args of name === 'future format' ? [upgrade(), ['resume', '--yes'], ['status', '--json']] : [upgrade()]) {
      const run = await runCli(args, env);
      assert.equal(run.exitCode, 2, `${name}, ${args[0]}: ${run.stdout}${run.stderr}`);
      assert.match(run.stdout + run.stderr, message, `${name}, ${args[0]}`);
      if (args[0] !== 'status') assert.match(run.stdout + run.stderr, /Nothing was changed and the file was left as it is/);
      assert.deepEqual(await listing(sessionDir), before, `${name}, ${args[0]}: the folder is as it was (journal kept, no lock left)`);
    }
  }
  await unchanged(pid);
});

test('a state folder that cannot be written (read-only) or is full (64 KiB tmpfs): exit 2 before any change, saying why', async (t) => {
  if (!(await needPrivateMounts(t))) return;
  const pid = hs.pid();
  const state = join(root, 'state-mounted');
  await mkdir(state, { recursive: true });
  const env = wizardEnv(hs.wheelhouse, state);
  const readOnly = await withTmpfs(state, 'ro', [process.execPath, BIN, ...upgrade()], env);
  assert.equal(readOnly.exitCode, 2, readOnly.stdout + readOnly.stderr);
  assert.match(readOnly.stdout, /The state folder .* cannot be written \(EROFS\)/);
  await unchanged(pid);

  const full = await withTmpfs(state, 'size=64k', [process.execPath, BIN, ...upgrade()], env);
  assert.equal(full.exitCode, 2, full.stdout + full.stderr);
  assert.match(
    full.stdout,
    /The state folder .* is full: \d+ KiB free, 1024 KiB needed\. The upgrade will not start: an upgrade whose journal cannot be written cannot be resumed\./,
  );
  assert.doesNotMatch(full.stdout, /\$ .*pip install/);
  await unchanged(pid);
  assert.deepEqual(await readdir(state), [], 'nothing reached the real folder under the mounts');
});

test('two wizards at once: the second refuses naming the first; after a kill -9 its lock is stale and taken over', async () => {
  const state = join(root, 'state-lock');
  const env = wizardEnv(hs.wheelhouse, state, slowIndexEnv(index));
  index.hold(/^matrix_synapse-1\.47\.0-py3-none-any\.whl$/);
  const held = index.held();
  const first = startWizard(upgrade(), env);
  await whileRunning(first, held);
  const journalFile = join(await sessionDirOf(state), 'journal.json');
  const journalBefore = await readFile(journalFile, 'utf8');

  const second = await runWizard(upgrade(), env);
  assert.equal(second.code, 2, second.output);
  assert.match(second.output, new RegExp(`Another synapse-upgrade is working on this homeserver \\([^)]+\\): pid ${first.child.pid} on \\S+, started`));
  assert.match(second.output, new RegExp(`stop it \\(kill ${first.child.pid}\\)`));
  assert.equal(await readFile(journalFile, 'utf8'), journalBefore, 'the refused run wrote nothing');
  const status = await runCli(['status'], env);
  assert.match(status.stdout, new RegExp(`A synapse-upgrade is working on this homeserver now: pid ${first.child.pid}`));

  first.child.kill('SIGKILL');
  await first.done;
  const third = await runReattaching(['resume', '--yes'], env, () => index.release());
  assert.equal(third.code, 0, third.output);
  assert.match(
    third.output,
    new RegExp(
      `A lock left by a synapse-upgrade that is gone \\(pid ${first.child.pid} on \\S+, started \\S+ \\(\\d+ s ago\\)\\) was stale; this run took it over\\.`,
    ),
  );
  assert.match(third.output, /re-attaching/);
  assert.equal(await hs.serverVersion(), '1.47.0');
  const journal = await journalOf(state);
  assert.equal(journal.outcome, 'upgraded');
  await assertNoDuplicateCommand(journal);
  assert.equal(index.downloads.get('matrix_synapse-1.47.0-py3-none-any.whl'), 1);
});

test('killed after the restart finished while Synapse does not answer yet: resume waits for it, never restarts twice', async () => {
  const state = join(root, 'state-wait');
  const env = wizardEnv(hs.wheelhouse, state);
  const killed = await runWizard(['--venv', hs.venv, '--target', '1.48.0', '--yes'], { ...env, SYNAPSE_UPGRADE_TEST_KILL_AT: 'restart:done' });
  assert.equal(killed.signal, 'SIGKILL', killed.output);
  // Alive but silent, as during a long migration under a service manager.
  const server = hs.pid()!;
  process.kill(server, 'SIGSTOP');
  try {
    const resumed = startWizard(['resume', '--yes'], env);
    await whileRunning(
      resumed,
      waitUntil(() => /the restart command finished before the interruption; Synapse is not restarted again/.test(resumed.output()), 30_000, 'the wait'),
    );
    await new Promise((r) => setTimeout(r, 1500));
    process.kill(server, 'SIGCONT');
    const end = await resumed.done;
    assert.equal(end.code, 0, end.output);
  } finally {
    process.kill(server, 'SIGCONT');
  }
  assert.equal(await hs.serverVersion(), '1.48.0');
  assert.equal(hs.pid(), server, 'the same server process: it was not restarted again');
  const restarts = (await assertNoDuplicateCommand(await journalOf(state))).filter((c) => c.startsWith('[restart]'));
  assert.equal(restarts.length, 1, restarts.join('\n'));
});
