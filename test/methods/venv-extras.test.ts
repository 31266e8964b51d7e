import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { execa } from 'execa';
import { createStandinInstall, freePort } from '../../src/demo/standin.js';
import { prefetchedVenvFacts, prefetchVenvFacts, readVenvFacts, VENV_FACTS_SCRIPT } from '../../src/methods/venv-facts.js';
import { missingTool } from '../helpers/tools.js';

// Real Synapse 1.47.0 from PyPI (pip reaches the index through the machine's own settings), in a
// virtualenv of Debian's Python made with --system-site-packages, where Debian's python3-jwt is visible.
const DEBIAN_PYTHON = '/usr/bin/python3';
const roots: string[] = [];
after(async () => {
  await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
});

test("extras of real Synapse 1.47.0: [postgres] found through its environment markers; the system's python3-jwt (seen via --system-site-packages) is not [jwt]", async (t) => {
  const system = existsSync(DEBIAN_PYTHON) ? await execa(DEBIAN_PYTHON, ['-c', 'import jwt, venv; print(jwt.__file__)'], { reject: false }) : undefined;
  if (missingTool(t, system?.exitCode === 0 ? undefined : `${DEBIAN_PYTHON} with python3-jwt and python3-venv (Debian packages) is needed`)) return;
  if (missingTool(t, existsSync('/usr/bin/pg_config') ? undefined : 'pg_config (libpq-dev) is needed to build psycopg2')) return;
  const root = await mkdtemp(join(tmpdir(), 'su-extras-'));
  roots.push(root);
  const venv = join(root, 'env');
  await execa(DEBIAN_PYTHON, ['-m', 'venv', '--system-site-packages', venv]);
  const pip = await execa(join(venv, 'bin', 'pip'), ['install', '-q', '--disable-pip-version-check', 'matrix-synapse[postgres]==1.47.0'], {
    reject: false,
    all: true,
    timeout: 900_000,
  });
  assert.equal(pip.exitCode, 0, String(pip.all));
  const python = join(venv, 'bin', 'python');

  // The layout is real: the venv's Python imports jwt from the system's dist-packages, and
  // matrix-synapse's postgres requirements carry PyPy-only markers next to the CPython one.
  const seen = await execa(python, ['-I', '-c', 'import jwt; print(jwt.__file__)']);
  assert.match(seen.stdout, /^\/usr\/lib\/python3\/dist-packages\/jwt\//);
  const requires = await execa(python, ['-I', '-c', 'from importlib import metadata as m; print("\\n".join(m.requires("matrix-synapse")))']);
  assert.match(requires.stdout, /psycopg2cffi.*platform_python_implementation == "PyPy".*extra == ['"]postgres['"]/);
  assert.match(requires.stdout, /pyjwt.*extra == ['"]jwt['"]/i);

  const facts = await readVenvFacts(python);
  assert.equal(facts.version, '1.47.0');
  assert.deepEqual(facts.extras, ['postgres']);
});

test('extras whose requirements carry only `extra == "…"` are read without a requirement parser: [postgres] installed, [redis] not (stand-in)', async () => {
  const root = await mkdtemp(join(tmpdir(), 'su-extras-standin-'));
  roots.push(root);
  const hs = await createStandinInstall({ root, version: '1.46.0', port: await freePort(), extras: ['postgres'] });
  const facts = await readVenvFacts(hs.bin('python'));
  assert.equal(facts.version, '1.46.0');
  assert.deepEqual(facts.extras, ['postgres']);
  // The stand-in's markers are the simple kind: no requirement parser is imported (pip's vendored one costs 30-50 ms).
  const metadata = await execa(hs.bin('python'), ['-I', '-c', 'from importlib import metadata as m; print("\\n".join(m.requires("matrix-synapse")))']);
  assert.match(metadata.stdout, /^standin-psycopg2; extra == "postgres"$/m);
  const run = await execa(hs.bin('python'), ['-I', '-c', `${VENV_FACTS_SCRIPT}\nprint(sorted(m for m in sys.modules if "packaging" in m))`]);
  const [facts2, modules] = run.stdout.trim().split('\n');
  assert.deepEqual(JSON.parse(facts2 ?? '').extras, ['postgres']);
  assert.equal(modules, '[]');
});

test('a read started ahead (prefetchVenvFacts, the CLI does for --venv) is what detection takes, once; no other read takes it', async () => {
  const root = await mkdtemp(join(tmpdir(), 'su-prefetch-'));
  roots.push(root);
  const hs = await createStandinInstall({ root, version: '1.46.0', port: await freePort() });
  const python = hs.bin('python');
  prefetchVenvFacts(python);
  prefetchVenvFacts(python); // a second call starts nothing more
  await new Promise((resolve) => setTimeout(resolve, 1500)); // the early read has finished
  const site = join(
    hs.venv,
    'lib',
    (await readdir(join(hs.venv, 'lib'))).find((d) => d.startsWith('python'))!,
    'site-packages',
  );
  await rename(join(site, 'matrix_synapse-1.46.0.dist-info'), join(root, 'aside'));
  assert.equal((await readVenvFacts(python)).installed, false, 'any other read: what is there now (an installed version is read after pip)');
  assert.equal((await prefetchedVenvFacts(python))?.version, '1.46.0', 'detection takes the read started ahead');
  assert.equal(prefetchedVenvFacts(python), undefined, 'once');
  prefetchVenvFacts(join(root, 'no-such-venv', 'bin', 'python')); // nothing to start, nothing thrown
});
