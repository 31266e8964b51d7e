import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createStandinInstall, freePort, type StandinInstall } from '../../src/demo/standin.js';
import { runCli, wizardEnv } from '../helpers/cli.js';

// The wizard on a stand-in homeserver whose target (1.48.0) lies beyond the notes data: steps/ is copied
// without the releases after 1.47.0, and the target's upgrade.md is a stand-in placed in the cache (the real
// sdist path is covered by test/real/notes-current.test.ts). pip has no index here (PIP_NO_INDEX).
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let root: string;
let hs: StandinInstall;
let steps: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'su-unchecked-'));
  steps = join(root, 'steps');
  await cp(join(ROOT, 'steps'), steps, { recursive: true });
  for (const name of await readdir(join(steps, 'releases'))) {
    const [, minor] = /^v1\.(\d+)\.\d+\.yaml$/.exec(name) ?? [];
    if (minor && Number(minor) > 47) await rm(join(steps, 'releases', name));
  }
  const schema = await readFile(join(steps, 'schema.yaml'), 'utf8');
  await writeFile(join(steps, 'schema.yaml'), schema.replace(/^newest_release: .*$/m, 'newest_release: 1.47.0'));
  hs = await createStandinInstall({ root: join(root, 'hs'), version: '1.47.0', port: await freePort() });
  await hs.start();
});

after(async () => {
  await hs?.kill().catch(() => {});
  await rm(root, { recursive: true, force: true });
});

async function seededCache(name: string): Promise<string> {
  const dir = join(root, name);
  await mkdir(join(dir, 'upgrade-notes'), { recursive: true });
  await writeFile(
    join(dir, 'upgrade-notes', '1.48.0.md'),
    '# Upgrading Synapse\n\n# Upgrading to v1.48.0\n\nStand-in: set `x` \x1b[31mfirst\x1b[0m.\n\n# Upgrading to v1.47.0\n\nalready covered\n',
  );
  await writeFile(join(dir, 'upgrade-notes', '1.48.0.md.json'), JSON.stringify({ source: 'docs/upgrade.md in matrix_synapse-1.48.0.tar.gz (stand-in)' }));
  return dir;
}

const env = (cache: string, state: string) =>
  wizardEnv(hs.wheelhouse, join(root, state), { SYNAPSE_UPGRADE_STEPS_DIR: steps, SYNAPSE_UPGRADE_CACHE_DIR: cache });
const lastResult = (stdout: string) => (JSON.parse(stdout.trim().split('\n').at(-1)!) as { result: { lines: string[] } }).result.lines.join('\n');

test('stand-in: a target beyond the notes data shows its own upgrade.md sections unchecked; --yes refuses them', async () => {
  const cache = await seededCache('cache-a');
  const refused = await runCli(['--venv', hs.venv, '--target', '1.48.0', '--yes', '--json'], env(cache, 'state-a'));
  assert.equal(refused.exitCode, 4, refused.stdout + refused.stderr);
  const events = refused.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; coverage?: Record<string, unknown> });
  const coverage = events.find((e) => e.type === 'notes.coverage')?.coverage;
  assert.deepEqual(coverage?.uncovered, { after: '1.47.0', to: '1.48.0' });
  assert.deepEqual(coverage?.unchecked, [{ version: '1.48.0', heading: 'Upgrading to v1.48.0', text: 'Stand-in: set `x` first.', truncated: false }]);
  assert.match(lastResult(refused.stdout), /Refused: v1\.48\.0: Upgrading to v1\.48\.0 .*not checked against this server/);
  assert.match(lastResult(refused.stdout), /--accept-unchecked-notes/);
  // The automation contract: the result names what refused it, and nothing was rolled back.
  const result = (JSON.parse(refused.stdout.trim().split('\n').at(-1)!) as { result: Record<string, unknown> }).result;
  assert.deepEqual([result.outcome, result.notesRefused, result.rolledBack], ['failed', ['unchecked:1.48.0'], false]);
  const accepted = await runCli(['--venv', hs.venv, '--target', '1.48.0', '--yes', '--dry-run', '--accept-unchecked-notes'], env(cache, 'state-b'));
  assert.equal(accepted.exitCode, 0, accepted.stdout + accepted.stderr);
  assert.match(accepted.stdout, /NOT COVERED: the notes data of this tool stops at 1\.47\.0; releases after 1\.47\.0 up to 1\.48\.0/);
});

test('stand-in: plan writes the uncovered range and the unchecked sections into the script', async () => {
  const cache = await seededCache('cache-p');
  const script = join(root, 'plan.sh');
  const plan = await runCli(['plan', '--venv', hs.venv, '--target', '1.48.0', '--script', script], env(cache, 'state-p'));
  assert.equal(plan.exitCode, 0, plan.stdout + plan.stderr);
  const text = await readFile(script, 'utf8');
  assert.match(text, /^# NOT COVERED: the notes data of this tool stops at 1\.47\.0/m);
  assert.match(text, /^# {3}\[unchecked\] 1\.48\.0 {2}Upgrading to v1\.48\.0$/m);
  assert.match(text, /^# {5}Stand-in: set `x` first\.$/m);
});

test('stand-in: without an index the notes cannot be read, the wizard says so, and --yes refuses the range', async () => {
  const empty = join(root, 'cache-empty');
  const run = await runCli(['--venv', hs.venv, '--target', '1.48.0', '--yes', '--json'], env(empty, 'state-c'));
  assert.equal(run.exitCode, 4, run.stdout + run.stderr);
  const coverage = run.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; coverage?: { upstream: unknown } })
    .find((e) => e.type === 'notes.coverage')?.coverage;
  assert.deepEqual(coverage?.upstream, { status: 'unreadable', reason: 'pip is set to use no package index (PIP_NO_INDEX or no-index)' });
  assert.match(lastResult(run.stdout), /Refused: Releases after 1\.47\.0 up to 1\.48\.0: their upgrade notes were not checked/);
});
