import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { createStandinInstall, freePort } from '../../src/demo/standin.js';
import { tempDir } from '../helpers/temp-dir.js';
import { BIN, wizardEnv } from '../helpers/cli.js';

// dist/app/ (npm run build): the CLI split into chunks, what bin/ runs. Its supervisor is supervise.mjs.
const APP = fileURLToPath(new URL('../../dist/app/', import.meta.url));
const imports = (text: string) => [...text.matchAll(/(?:from|import)\s*"\.\/(chunk-[A-Z0-9]+\.mjs)"/g)].map((m) => m[1] as string);

/** The file and every chunk it imports statically (what a Node start compiles for it). */
async function closure(file: string): Promise<{ files: string[]; bytes: number; text: string }> {
  const seen = new Set<string>();
  let bytes = 0;
  let text = '';
  const visit = async (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const body = await readFile(join(APP, name), 'utf8');
    bytes += Buffer.byteLength(body);
    text += body;
    for (const next of imports(body)) await visit(next);
  };
  await visit(file);
  return { files: [...seen], bytes, text };
}

test('dist/app: the supervisor compiles only itself (no Ink, React, yaml or release data), the CLI entry no more than the embedded files and main', async () => {
  const supervisor = await closure('supervise.mjs');
  assert.ok(supervisor.bytes < 40_000, `supervise.mjs and its chunks: ${supervisor.bytes} bytes (${supervisor.files.join(', ')})`);
  assert.doesNotMatch(supervisor.text, /react-reconciler|yoga|node_modules\/yaml|steps\/releases/);
  const entry = await closure('synapse-upgrade.mjs');
  const single = (await readFile(fileURLToPath(new URL('../../dist/synapse-upgrade.mjs', import.meta.url)))).byteLength;
  assert.ok(entry.bytes < single / 4, `the entry's static closure ${entry.bytes} bytes, the single file ${single}`);
  assert.doesNotMatch(entry.text, /react-reconciler/);
});

test('dist/app has no test hooks (no SYNAPSE_UPGRADE_TEST_ name in any chunk), as the single file', async () => {
  for (const name of (await readdir(APP)).filter((f) => f.endsWith('.mjs')))
    assert.doesNotMatch(await readFile(join(APP, name), 'utf8'), /SYNAPSE_UPGRADE_TEST_|KILL_AT/, name);
});

test('supervise.mjs refuses to run as a command of its own', async () => {
  const run = await execa(process.execPath, [join(APP, 'supervise.mjs'), 'install'], { reject: false });
  assert.equal(run.exitCode, 2);
  assert.match(run.stderr, /not a command of its own/);
});

/** Supervisors whose environment names `stateDir` (this test's own): their command lines, seen from /proc. */
async function supervisorsOf(stateDir: string): Promise<string[][]> {
  const found: string[][] = [];
  for (const pid of (await readdir('/proc')).filter((p) => /^\d+$/.test(p))) {
    const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0').filter(Boolean);
    if (!argv.some((a) => a.startsWith('__supervise'))) continue;
    const environ = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
    if (environ.split('\0').includes(`SYNAPSE_UPGRADE_STATE_DIR=${stateDir}`)) found.push(argv);
  }
  return found;
}

test('bin/ runs dist/app: an upgrade of a stand-in homeserver, each command under a supervisor started from supervise.mjs', { timeout: 120_000 }, async () => {
  const root = await tempDir('su-app-');
  const hs = await createStandinInstall({ root, version: '1.46.0', port: await freePort() });
  try {
    await hs.start();
    const stateDir = join(root, 'state');
    const run = execa(process.execPath, [BIN, '--venv', hs.venv, '-c', hs.configPath, '--target', '1.47.0', '--yes', '--json'], {
      env: wizardEnv(hs.wheelhouse, stateDir),
      reject: false,
    });
    const seen = new Map<string, string[]>();
    let done = false;
    void run.finally(() => (done = true));
    while (!done) {
      for (const argv of await supervisorsOf(stateDir)) seen.set(argv.join(' '), argv);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const { exitCode, stdout, stderr } = await run;
    assert.equal(exitCode, 0, stdout.split('\n').slice(-3).join('\n') + stderr);
    assert.equal(await hs.serverVersion(), '1.47.0');
    assert.ok(seen.size > 0, 'a supervisor was seen');
    for (const argv of seen.values()) assert.equal(argv[1], join(APP, 'supervise.mjs'), argv.join(' '));
  } finally {
    await hs.kill().catch(() => {});
  }
});
