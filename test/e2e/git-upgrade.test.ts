import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freePort } from '../../src/demo/standin.js';
import { runCli, wizardEnv } from '../helpers/cli.js';
import { createGitStandin, git, type GitStandin } from '../helpers/git-standin.js';
import { needTools, which } from '../helpers/tools.js';
import { tempDir } from '../helpers/temp-dir.js';

/** What Synapse reports when its package runs from a git checkout (the venv is inside it): `x.y.z (b=…,t=vx.y.z,sha)`. */
const fromCheckout = (v: string): RegExp => new RegExp(`^${v.replace(/\./g, '\\.')} \\(b=[^,]+,t=v${v.replace(/\./g, '\\.')},[0-9a-f]{7,}\\)$`);

const started: GitStandin[] = [];
after(async () => {
  await Promise.all(started.map((s) => s.kill().catch(() => {})));
});

async function checkout(opts: { version?: string; later?: string[]; installFrom?: 'checkout' | 'index' } = {}) {
  const root = await tempDir('su-git-');
  const hs = await createGitStandin({
    root,
    port: await freePort(),
    version: opts.version ?? '1.46.0',
    later: opts.later ?? ['1.47.0', '1.68.0'],
    ...(opts.installFrom ? { installFrom: opts.installFrom } : {}),
  });
  started.push(hs);
  await hs.start();
  return { hs, root, env: wizardEnv(hs.wheelhouse, join(root, 'state')) };
}

/** A bin folder for PATH holding git (and, when asked, stand-in rustc/cargo printing `version`): no other Rust can be found. */
async function binDir(root: string, rust?: string): Promise<string> {
  const bin = join(root, 'bin');
  await mkdir(bin, { recursive: true });
  await symlink(which('git') as string, join(bin, 'git'));
  if (rust) {
    for (const tool of ['rustc', 'cargo']) {
      await writeFile(join(bin, tool), `#!/bin/sh\n# stand-in ${tool}: only answers --version\necho "${tool} ${rust} (stand-in 2024-01-01)"\n`);
      await chmod(join(bin, tool), 0o755);
    }
  }
  return bin;
}

const transcriptOf = async (state: string): Promise<string> => {
  const [folder] = await readdir(state);
  const journal = JSON.parse(await readFile(join(state, folder as string, 'journal.json'), 'utf8'));
  return readFile(journal.transcript, 'utf8');
};

test('git checkout: fetch --tags, checkout v1.47.0, pip install . into its venv, synctl restart; rollback checks v1.46.0 out again; then to v1.68.0 with the Rust check (stand-in rustc 1.82.0)', async (t) => {
  if (!needTools(t, ['git'])) return;
  const { hs, root, env } = await checkout();
  const detect = await runCli(['detect', '--json', '--venv', hs.venv], env);
  assert.equal(detect.exitCode, 0, detect.stderr);
  const report = JSON.parse(detect.stdout);
  assert.equal(report.method, 'git');
  assert.equal(report.confidence, 'high');
  assert.equal(report.repo, hs.checkout);
  assert.ok(
    report.evidence.some((e: string) => /installed matrix-synapse from the git checkout .* \(direct_url\.json\)/.test(e)),
    report.evidence.join('\n'),
  );
  assert.equal(report.restart, 'synctl');

  const first = await runCli(['--venv', hs.venv, '--target', '1.47.0', '--yes'], env);
  assert.equal(first.exitCode, 0, first.stdout + first.stderr);
  assert.equal(await hs.describe(), 'v1.47.0');
  assert.match(await hs.serverVersion(), fromCheckout('1.47.0'));
  const transcript = await transcriptOf(join(root, 'state'));
  assert.match(transcript, /"git","-C","[^"]+","fetch","--tags","origin"\]/);
  assert.match(transcript, /\* \[new tag\]\s+v1\.47\.0/);
  assert.match(transcript, /"checkout","v1\.47\.0"\]/);
  assert.match(transcript, /"install","--disable-pip-version-check","--upgrade","\."\]/);
  assert.match(transcript, /Successfully installed matrix-synapse-1\.47\.0/);

  // The rollback goes back the git way: the old tag checked out again and installed from the checkout.
  const back = await runCli(['rollback', '--venv', hs.venv, '--yes'], env);
  assert.equal(back.exitCode, 0, back.stdout + back.stderr);
  assert.match(back.stdout, /checkout v1\.46\.0/);
  assert.equal(await hs.describe(), 'v1.46.0');
  assert.match(await hs.serverVersion(), fromCheckout('1.46.0'));

  const bin = await binDir(root, '1.82.0');
  const second = await runCli(['--venv', hs.venv, '--target', '1.68.0', '--yes', '--accept-all-notes'], { ...env, PATH: bin });
  assert.equal(second.exitCode, 0, second.stdout + second.stderr);
  assert.match(second.stdout, /Rust: rustc 1\.82\.0 and cargo 1\.82\.0 \(Synapse 1\.68\.0 needs 1\.58\.1 or later\)/);
  assert.equal(await hs.describe(), 'v1.68.0');
  assert.match(await hs.serverVersion(), fromCheckout('1.68.0'));
});

test('git refusals change nothing: a dirty work tree (exit 2, offers a stash), a tag that does not exist, no Rust for 1.68', async (t) => {
  if (!needTools(t, ['git'])) return;
  const { hs, root, env } = await checkout();
  const pid = hs.pid();
  const head = await git(hs.checkout, 'rev-parse', 'HEAD');
  const unchanged = async (): Promise<void> => {
    assert.equal(hs.pid(), pid, 'Synapse was not restarted');
    assert.equal(await git(hs.checkout, 'rev-parse', 'HEAD'), head, 'the checkout did not move');
    assert.match(await hs.serverVersion(), fromCheckout('1.46.0'));
  };

  const tracked = join(hs.checkout, 'synapse', '__init__.py');
  const original = await readFile(tracked, 'utf8');
  await writeFile(tracked, `${original}\n# a local patch\n`);
  const dirty = await runCli(['--venv', hs.venv, '--target', '1.47.0', '--yes'], env);
  assert.equal(dirty.exitCode, 2, dirty.stdout + dirty.stderr);
  assert.match(dirty.stdout, /The checkout .* has local changes \(synapse\/__init__\.py\), so it cannot check out v1\.47\.0\./);
  assert.match(dirty.stdout, /Server state: nothing was changed/);
  assert.match(dirty.stdout, /stash push/);
  assert.match(await readFile(tracked, 'utf8'), /# a local patch/);
  await unchanged();
  await writeFile(tracked, original);

  const missing = await runCli(['--venv', hs.venv, '--target', '1.49.1', '--yes'], env);
  assert.equal(missing.exitCode, 2, missing.stdout + missing.stderr);
  assert.match(missing.stdout, /Synapse 1\.49\.1 is not available; the nearest available versions are 1\.47\.0/);
  await unchanged();

  const noRust = await runCli(['--venv', hs.venv, '--target', '1.68.0', '--yes', '--accept-all-notes'], { ...env, PATH: await binDir(root) });
  assert.equal(noRust.exitCode, 2, noRust.stdout + noRust.stderr);
  assert.match(noRust.stdout, /Building Synapse 1\.68\.0 from source needs Rust 1\.58\.1 or later, and rustc and cargo are not on PATH\./);
  assert.match(noRust.stdout, /rustup/);
  await unchanged();

  const oldRust = await runCli(['--venv', hs.venv, '--target', '1.68.0', '--yes', '--accept-all-notes'], {
    ...env,
    PATH: await binDir(join(root, 'old'), '1.50.0'),
  });
  assert.equal(oldRust.exitCode, 2, oldRust.stdout + oldRust.stderr);
  assert.match(oldRust.stdout, /needs Rust 1\.58\.1 or later; rustc on PATH is 1\.50\.0/);
  await unchanged();
});

test('ambiguous layout: a venv inside a Synapse checkout holding matrix-synapse from the index: detect says so, --yes stops (exit 2), --method chooses', async (t) => {
  if (!needTools(t, ['git'])) return;
  const { hs, env } = await checkout({ installFrom: 'index', later: [] });
  const detect = await runCli(['detect', '--json', '--venv', hs.venv], env);
  assert.equal(detect.exitCode, 0, detect.stderr);
  const report = JSON.parse(detect.stdout);
  assert.equal(report.ambiguous, true);
  assert.deepEqual([report.method, ...report.candidates.map((c: { method: string }) => c.method)].sort(), ['git', 'pip']);
  const refused = await runCli(['--venv', hs.venv, '--target', '1.47.0', '--yes'], env);
  assert.equal(refused.exitCode, 2, refused.stdout + refused.stderr);
  assert.match(refused.stdout, /More than one Synapse install looks plausible: .*git.*pip|pip.*git/);
  assert.match(refused.stdout, /--method (git\|pip|pip\|git)/);
  const pip = await runCli(['detect', '--json', '--venv', hs.venv, '--method', 'pip'], env);
  assert.equal(JSON.parse(pip.stdout).method, 'pip');
  const chosen = await runCli(['--venv', hs.venv, '--method', 'pip', '--target', '1.47.0', '--yes', '--dry-run'], env);
  assert.equal(chosen.exitCode, 0, chosen.stdout + chosen.stderr);
  assert.match(chosen.stdout, /matrix-synapse==1\.47\.0/);
});

test("git, failed build: pip install . fails after git checkout v1.47.0; the checkout is put back (journaled) and pip's ERROR lines are quoted first", async (t) => {
  if (!needTools(t, ['git'])) return;
  const { hs, root, env } = await checkout({ later: [] });
  // v1.47.0 needs a build requirement that no index here has, as a real checkout built offline does (setuptools).
  const pyproject = join(hs.upstream.work, 'pyproject.toml');
  await writeFile(pyproject, (await readFile(pyproject, 'utf8')).replace('requires = []', 'requires = ["synapse-upgrade-test-missing-build-backend>=40.8.0"]'));
  await hs.upstream.release('1.47.0');
  const pid = hs.pid();
  const head = await git(hs.checkout, 'rev-parse', 'HEAD');
  const state = join(root, 'state');

  const run = await runCli(['--venv', hs.venv, '--target', '1.47.0', '--yes'], env);
  assert.equal(run.exitCode, 1, run.stdout + run.stderr);
  const message = run.stdout.slice(run.stdout.indexOf('The install command failed'));
  assert.match(
    message,
    /^The install command failed \(exit 1\) while installing 1\.47\.0 \(Build and install the checked-out source into \S+\)\. Its errors first, then its last lines:\n {2}ERROR: Could not find a version that satisfies the requirement synapse-upgrade-test-missing-build-backend>=40\.8\.0/,
  );
  assert.match(message, /Server state: nothing was restarted; Synapse 1\.46\.0 keeps serving; the checkout is back at v1\.46\.0 \([0-9a-f]{10}\)/);
  assert.equal(await git(hs.checkout, 'rev-parse', 'HEAD'), head, 'the checkout is back where it was');
  assert.equal(await hs.describe(), 'v1.46.0');
  assert.equal(hs.pid(), pid, 'Synapse was not restarted');
  assert.match(await hs.serverVersion(), /^1\.46\.0( \(|$)/);
  // Journaled: the checkout back is one of the install step's recorded commands, and in the transcript.
  const [folder] = await readdir(state);
  const journal = JSON.parse(await readFile(join(state, folder as string, 'journal.json'), 'utf8')) as {
    steps: { id: string; status: string; jobs?: { argv: string[] }[] }[];
  };
  const install = journal.steps.find((s) => s.id === 'install')!;
  assert.equal(install.status, 'failed');
  assert.deepEqual(install.jobs?.at(-1)?.argv.slice(-2), ['checkout', head]);
  assert.ok((await transcriptOf(state)).includes(`"advice.detachedHead=false","checkout","${head}"]`), 'the checkout back is in the transcript');
});
