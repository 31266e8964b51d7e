// Secrets in note evidence: a homeserver.yaml holding every secret-bearing option of Synapse's configuration manual
// (test/helpers/synapse-secrets.ts), and a note whose checks match each of them and their parent sections. No
// secret may appear in any channel: the dry run's lines, its --json stream, the plan script, the notes command (text
// and --json), and the files the dry run leaves in the state folder. Stand-in Synapse, real pip, real HTTP.
// Needs `npm run build` first (it runs bin/synapse-upgrade.mjs).
import assert from 'node:assert/strict';
import { appendFile, cp, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createStandinInstall, freePort, type StandinInstall } from '../../src/demo/standin.js';
import { runCli, wizardEnv } from '../helpers/cli.js';
import { pathsToCheck, secretConfig, type SecretOption } from '../helpers/synapse-secrets.js';

const STEPS = fileURLToPath(new URL('../../steps', import.meta.url));
let hs: StandinInstall;
let root: string;
let options: SecretOption[];
let env: Record<string, string>;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'su-secrets-'));
  hs = await createStandinInstall({ root, version: '1.46.0', port: await freePort() });
  await hs.start();
  const built = secretConfig(hs.dbPath);
  options = built.options;
  await hs.writeConfig({ extraConfig: built.config });
  // The shipped notes plus one whose checks match every secret option and its parents.
  const steps = join(root, 'steps');
  await cp(STEPS, steps, { recursive: true });
  const checks = pathsToCheck(options)
    .map((p) => `{ config: "${p}" }`)
    .join(', ');
  await appendFile(
    join(steps, 'releases', 'v1.47.0.yaml'),
    [
      '  - id: test-every-secret-option',
      '    title: A note that matches every secret option',
      '    severity: action',
      '    summary: Test data.',
      `    checks: { any: [${checks}] }`,
      '    action: Nothing.',
      '    upstream: "test"',
      '',
    ].join('\n'),
  );
  env = wizardEnv(hs.wheelhouse, join(root, 'state'), { SYNAPSE_UPGRADE_STEPS_DIR: steps });
});

after(async () => {
  await hs?.kill().catch(() => {});
  if (root) await rm(root, { recursive: true, force: true, maxRetries: 5 }).catch(() => {});
});

function assertNoSecret(channel: string, text: string): void {
  for (const { path, marker } of options)
    assert.ok(
      !text.includes(marker),
      `${channel} shows ${path}:\n${text
        .split('\n')
        .filter((l) => l.includes(marker))
        .join('\n')}`,
    );
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(join(entry.parentPath, entry.name));
  }
  return out;
}

test('no secret of the config manual reaches the screen, --json, the dry run, the plan script or the notes command', async () => {
  const channels: [string, string[]][] = [
    ['dry run', ['--venv', hs.venv, '--target', '1.47.0', '--dry-run', '--yes']],
    ['dry run --json', ['--venv', hs.venv, '--target', '1.47.0', '--dry-run', '--yes', '--json']],
    ['plan script', ['plan', '--venv', hs.venv, '--target', '1.47.0']],
    ['notes', ['notes', '--from', '1.46.0', '--to', '1.47.0', '--config', hs.configPath]],
    ['notes --json', ['notes', '--from', '1.46.0', '--to', '1.47.0', '--config', hs.configPath, '--json']],
  ];
  for (const [channel, args] of channels) {
    const run = await runCli(args, env);
    assert.equal(run.exitCode, 0, `${channel}: ${run.stdout}\n${run.stderr}`);
    const text = `${run.stdout}\n${run.stderr}`;
    assert.match(text, /test-every-secret-option|A note that matches every secret option/, `${channel} shows the note`);
    assert.match(text, /client_secret(\\?")? is (\\?")?\*\*\*|client_secret\\?":\\?"\*\*\*/, `${channel} shows the evidence, masked`);
    assertNoSecret(channel, text);
  }
  for (const file of await filesUnder(join(root, 'state'))) assertNoSecret(file, await readFile(file, 'utf8'));
  // The plan script as a file: no secret in it, and only its owner may read or run it.
  const script = join(root, 'plan.sh');
  const plan = await runCli(['plan', '--venv', hs.venv, '--target', '1.47.0', '--script', script], env);
  assert.equal(plan.exitCode, 0, plan.stderr);
  assertNoSecret('plan --script', await readFile(script, 'utf8'));
  assert.equal((await stat(script)).mode & 0o777, 0o700);
});
