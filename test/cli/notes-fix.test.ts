import assert from 'node:assert/strict';
import { execa } from 'execa';
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { runNotesCommand } from '../../src/cli/notes-command.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

// `notes --fix`: the diff of the mechanical fixes (changes nothing), `--yes` (backup, atomic rewrite, mode kept),
// `--json` (each change as data), secrets never printed, and the notes no longer applying afterwards.

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runNotesCommand(['--offline', ...args], { stdout: (s) => out.push(s), stderr: (s) => err.push(s) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

const CONFIG = `server_name: example.org
# Listeners, as generated before 1.53.
listeners:
  - port: 8008
    type: http
    resources:
      - names: [client, webclient]   # both

form_secret: "f0rm-s3cret-value"
federation_ip_range_blacklist:
  - '10.0.0.0/8'
email:
  smtp_pass: "smtp-hunter2"
  template_dir: /etc/matrix-synapse/templates
`;

async function setUp(): Promise<{ dir: string; config: string; state: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'notes-fix-'));
  const config = join(dir, 'conf', 'homeserver.yaml');
  await mkdir(join(dir, 'conf'));
  await writeFile(config, CONFIG, { mode: 0o640 });
  await chmod(config, 0o640);
  return { dir, config, state: join(dir, 'state') };
}

test('--fix prints a unified diff per file, masks secrets and changes nothing', async () => {
  const { dir, config } = await setUp();
  try {
    const r = await run('--from', '1.20.0', '--to', '1.60.0', '-c', config, '--fix');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /CONFIG FIXES \(3 note\(s\) fixed mechanically, 0 left to do by hand\)/);
    assert.ok(r.stdout.includes(`--- ${config}\n+++ ${config} (fixed)\n@@ `), r.stdout);
    assert.ok(r.stdout.includes('-      - names: [client, webclient]   # both\n+      - names: [client]   # both'));
    assert.ok(r.stdout.includes('-federation_ip_range_blacklist:\n+ip_range_blacklist:'));
    assert.ok(r.stdout.includes('+templates:\n+  custom_template_directory: /etc/matrix-synapse/templates'));
    assert.ok(!r.stdout.includes('f0rm-s3cret-value') && !r.stdout.includes('smtp-hunter2'), 'no secret in the output');
    assert.equal(await readFile(config, 'utf8'), CONFIG, 'nothing written');
    assert.deepEqual((await readdir(join(dir, 'conf'))).sort(), ['homeserver.yaml']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('--fix --yes keeps a private backup beside the config, rewrites it with its mode, and the fixed notes no longer apply', async () => {
  const { dir, config, state } = await setUp();
  try {
    const r = await run('--from', '1.20.0', '--to', '1.60.0', '-c', config, '--fix', '--yes', '--state-dir', state);
    assert.equal(r.code, 0, r.stderr);
    const backupName = (await readdir(join(dir, 'conf'))).find((n) => n.startsWith('homeserver.yaml.before-fix-'));
    assert.ok(backupName, 'a backup beside the config');
    const backup = join(dir, 'conf', backupName);
    assert.ok(r.stdout.includes(`Rewrote ${config}; its original bytes are kept in ${backup}`));
    assert.equal(await readFile(backup, 'utf8'), CONFIG, 'the backup holds the original bytes');
    assert.equal((await stat(backup)).mode & 0o777, 0o600, 'the backup is private');
    assert.equal((await stat(config)).mode & 0o777, 0o640, 'the config keeps its mode');
    const fixed = await readFile(config, 'utf8');
    assert.ok(
      fixed.includes('# Listeners, as generated before 1.53.\n') && fixed.includes('form_secret: "f0rm-s3cret-value"\n'),
      'comments, quoting and secrets kept',
    );
    const json = JSON.parse((await run('--from', '1.20.0', '--to', '1.60.0', '-c', config, '--fix', '--json')).stdout) as {
      notes: { id: string; applies: string }[];
      fixes: { changes: unknown[]; diff: string[] };
    };
    for (const id of ['v1-25-ip-range-blacklist', 'v1-41-template-dir-deprecated', 'v1-53-webclient-removed']) {
      assert.equal(json.notes.find((n) => n.id === id)?.applies, 'no', `${id} no longer applies`);
    }
    assert.deepEqual(json.fixes.changes, []);
    assert.deepEqual(json.fixes.diff, []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('--fix --json gives each change as data: note, file, line, before, after (secrets masked)', async () => {
  const { dir, config } = await setUp();
  try {
    const r = await run('--from', '1.40.0', '--to', '1.41.0', '-c', config, '--fix', '--json');
    assert.equal(r.code, 0, r.stderr);
    const fixes = (JSON.parse(r.stdout) as { fixes: { changes: unknown[]; applied: unknown } }).fixes;
    assert.deepEqual(fixes.changes, [
      {
        note: 'v1-41-template-dir-deprecated',
        file: config,
        line: 15,
        before: null,
        after: { key: 'templates.custom_template_directory', value: '/etc/matrix-synapse/templates' },
      },
      {
        note: 'v1-41-template-dir-deprecated',
        file: config,
        line: 14,
        before: { key: 'email.template_dir', value: '/etc/matrix-synapse/templates' },
        after: null,
      },
    ]);
    assert.equal(fixes.applied, null);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Runs `notes` as an unprivileged user: as root through setpriv (uid/gid 65534), else in this process. */
async function runUnprivileged(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  if (process.geteuid?.() !== 0) return run(...args);
  const script = `import(${JSON.stringify(join(ROOT, 'src', 'cli', 'notes-command.ts'))}).then((m) => m.runNotesCommand(process.argv.slice(1), { stdout: (s) => process.stdout.write(s + '\\n'), stderr: (s) => process.stderr.write(s + '\\n') })).then((c) => { process.exitCode = c; })`;
  const r = await execa(
    'setpriv',
    [
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      '--',
      process.execPath,
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      script,
      '--',
      '--offline',
      ...args,
    ],
    { cwd: ROOT, reject: false, env: { HOME: '/nonexistent' } },
  );
  return { code: r.exitCode ?? 1, stdout: r.stdout, stderr: r.stderr };
}

test('--fix --yes with a config folder it cannot write: backup in the state folder, the file rewritten in place', async () => {
  const { dir, config, state } = await setUp();
  try {
    const asRoot = process.geteuid?.() === 0;
    if (asRoot) {
      await chmod(dir, 0o755);
      await chown(config, 65534, 65534);
      await mkdir(state, { mode: 0o700 });
      await chown(state, 65534, 65534);
    }
    await chmod(config, 0o640);
    await chmod(join(dir, 'conf'), 0o555);
    const r = await runUnprivileged(['--from', '1.52.0', '--to', '1.53.0', '-c', config, '--fix', '--yes', '--state-dir', state]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await readdir(join(dir, 'conf')), ['homeserver.yaml'], 'nothing new beside the config');
    const kept = await readdir(join(state, 'config-backups'));
    assert.equal(kept.length, 1);
    const backup = join(state, 'config-backups', kept[0]!);
    assert.equal((await stat(backup)).mode & 0o777, 0o600, 'the backup is private');
    assert.equal(await readFile(backup, 'utf8'), CONFIG);
    assert.ok(r.stdout.includes(`its original bytes are kept in ${backup}`), r.stdout);
    assert.ok((await readFile(config, 'utf8')).includes('- names: [client]   # both'));
    assert.equal((await stat(config)).mode & 0o777, 0o640);
  } finally {
    await chmod(join(dir, 'conf'), 0o700);
    await rm(dir, { recursive: true, force: true });
  }
});

test('--yes without --fix is a usage error', async () => {
  const r = await run('--from', '1.20.0', '--to', '1.60.0', '--yes');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--yes applies the fixes of --fix/);
});
