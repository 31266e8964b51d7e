import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { execa } from 'execa';
import { freePort } from '../../src/demo/standin.js';
import { BIN, wizardEnv } from '../helpers/cli.js';
import { createGitStandin, type GitStandin } from '../helpers/git-standin.js';
import { needTools } from '../helpers/tools.js';

/** What Synapse reports when its package runs from a git checkout (the venv is inside it): `x.y.z (b=…,t=vx.y.z,sha)`. */
const fromCheckout = (v: string): RegExp => new RegExp(`^${v.replace(/\./g, '\\.')} \\(b=[^,]+,t=v${v.replace(/\./g, '\\.')},[0-9a-f]{7,}\\)$`);

const started: GitStandin[] = [];
const roots: string[] = [];
after(async () => {
  await Promise.all(started.map((s) => s.kill().catch(() => {})));
  await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
});

/** The wizard run from `cwd`, where an admin stands (here: inside the checkout). */
const runIn = async (cwd: string, args: string[], env: Record<string, string>) => {
  const r = await execa(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...env, PWD: cwd },
    extendEnv: false,
    reject: false,
    timeout: 120_000,
    stdin: 'ignore',
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
};

/** What setuptools leaves in a checkout after `pip install .` (the tree's own metadata, no direct_url.json). */
async function leaveEggInfo(checkout: string, version: string): Promise<void> {
  const egg = join(checkout, 'matrix_synapse.egg-info');
  await mkdir(egg, { recursive: true });
  await writeFile(
    join(egg, 'PKG-INFO'),
    `Metadata-Version: 2.1\nName: matrix-synapse\nVersion: ${version}\nSummary: Homeserver for the Matrix decentralised comms protocol\n`,
  );
  await writeFile(join(egg, 'top_level.txt'), 'synapse\n');
  await writeFile(join(egg, 'SOURCES.txt'), 'pyproject.toml\nsynapse/__init__.py\n');
  await writeFile(join(egg, 'dependency_links.txt'), '\n');
}

test("a checkout's matrix_synapse.egg-info does not shadow its venv when the wizard runs inside the checkout: git install found, not ambiguous, --yes proceeds", async (t) => {
  if (!needTools(t, ['git'])) return;
  const root = await mkdtemp(join(tmpdir(), 'su-shadow-'));
  roots.push(root);
  const hs = await createGitStandin({ root, port: await freePort(), version: '1.46.0', later: ['1.47.0'] });
  started.push(hs);
  await hs.start();
  await leaveEggInfo(hs.checkout, '1.46.0');
  const env = wizardEnv(hs.wheelhouse, join(root, 'state'));

  // The layout is real: the venv's own Python, started from the checkout without -I, sees the tree's metadata first.
  const naive = await execa(hs.bin('python'), ['-c', 'from importlib import metadata as m; print(m.distribution("matrix-synapse")._path)'], {
    cwd: hs.checkout,
    reject: false,
  });
  assert.match(String(naive.stdout), /matrix_synapse\.egg-info$/, "the checkout's egg-info should shadow the dist-info for a plain python -c");

  const detect = await runIn(hs.checkout, ['detect', '--json', '--venv', hs.venv], env);
  assert.equal(detect.exitCode, 0, detect.stderr);
  const report = JSON.parse(detect.stdout);
  assert.equal(report.method, 'git', detect.stdout);
  assert.equal(report.ambiguous, false, detect.stdout);
  assert.ok(
    report.evidence.some((e: string) => /pip installed matrix-synapse from the git checkout .*direct_url\.json/.test(e)),
    report.evidence.join('\n'),
  );

  const dry = await runIn(hs.checkout, ['--venv', hs.venv, '--target', '1.47.0', '--yes', '--dry-run'], env);
  assert.equal(dry.exitCode, 0, dry.stdout + dry.stderr);
  assert.doesNotMatch(dry.stdout, /More than one Synapse install looks plausible/);
  assert.match(dry.stdout, /checkout/);
  assert.match(await hs.serverVersion(), fromCheckout('1.46.0'));
});
