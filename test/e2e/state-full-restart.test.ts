// The state folder fills up during the restart (a 2 MiB tmpfs filled to the last byte once the stand-in Synapse
// has begun migrating): the wizard must not leave Synapse down, and must not end silently. It either brings a
// version back up or prints the exact command to. Real pip, real synctl, stand-in Synapse with slow migrations.
// Needs `npm run build` first (it runs bin/synapse-upgrade.mjs).
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createStandinInstall, freePort, type StandinInstall } from '../../src/demo/standin.js';
import { BIN, wizardEnv } from '../helpers/cli.js';
import { needPrivateMounts } from '../helpers/namespace.js';

let hs: StandinInstall;
let root: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'su-state-full-'));
  hs = await createStandinInstall({ root, version: '1.46.0', port: await freePort() });
  await hs.start();
});
after(async () => {
  await hs?.kill().catch(() => {});
  if (root) await rm(root, { recursive: true, force: true, maxRetries: 5 }).catch(() => {});
});

/**
 * The wizard in its own mount namespace with a tmpfs on the state folder; a watcher in there fills the tmpfs
 * once the homeserver log (from byte `offset`) shows the migration of the restart.
 */
async function wizardFillingState(state: string, size: string, offset: number, args: string[]) {
  const script = [
    'mount -t tmpfs -o "size=$1" synapse-upgrade-test "$2" || exit 97',
    'state="$2"; log="$3"; offset="$4"; marker="$5"; shift 5',
    '( i=0; while [ $i -lt 1800 ] && ! tail -c "+$offset" "$log" | grep -q "Applying schema deltas"; do sleep 0.05; i=$((i+1)); done;',
    '  cat /dev/zero > "$state/filler" 2>/dev/null; touch "$marker" ) </dev/null >/dev/null 2>&1 &',
    'exec "$@"',
  ].join('\n');
  const result = await execa(
    'unshare',
    [
      '-m',
      '--propagation',
      'private',
      'sh',
      '-c',
      script,
      'sh',
      size,
      state,
      hs.logPath,
      String(offset + 1),
      join(root, 'filled'),
      process.execPath,
      BIN,
      ...args,
    ],
    {
      env: wizardEnv(hs.wheelhouse, state),
      extendEnv: false,
      reject: false,
      timeout: 240_000,
      stdin: 'ignore',
      all: true,
    },
  );
  if (result.exitCode === 97) throw new Error(`mounting a tmpfs failed: ${result.all}`);
  return { exitCode: result.exitCode ?? -1, output: String(result.all) };
}

test('stand-in: the state folder fills while Synapse migrates during the restart: Synapse is brought back up, and the run says what happened', async (t) => {
  if (!(await needPrivateMounts(t))) return;
  await hs.writeConfig({ migrationSeconds: 4 });
  const state = join(root, 'state');
  await mkdir(state, { recursive: true });
  const offset = (await stat(hs.logPath)).size;
  const run = await wizardFillingState(state, '2m', offset, ['--venv', hs.venv, '--target', '1.49.0', '--yes', '--backup-dir', join(root, 'backups')]);
  console.log(run.output.split('\n').slice(-12).join('\n'));
  assert.ok(
    await stat(join(root, 'filled')).then(
      () => true,
      () => false,
    ),
    `the state folder was filled during the migration:\n${run.output}`,
  );
  assert.doesNotMatch(run.output, /This is a bug/);
  // The journal's reserved room takes its writes after the stop: the upgrade goes through to the end.
  assert.equal(run.exitCode, 0, run.output);
  assert.match(run.output, /Synapse now runs 1\.49\.0/);
  const version = await hs.serverVersion().catch(() => undefined);
  if (version === undefined) {
    assert.match(run.output, /Synapse is NOT running\. Start it with: \S+/, 'down, and the run does not say how to start it');
  } else {
    assert.ok(hs.pid(), 'a Synapse runs');
  }
  assert.ok(version, `Synapse was left down:\n${run.output}`);
  await hs.writeConfig({ migrationSeconds: 0 });
});

test('stand-in: the state folder fills and the new version crashes after migrating: the rollback cannot run, so the run prints the exact command to start Synapse', async (t) => {
  if (!(await needPrivateMounts(t))) return;
  await hs.writeConfig({ migrationSeconds: 3, extraConfig: { x_standin: { crash_after_migration: ['1.50.0'] } } });
  const state = join(root, 'state-crash');
  await mkdir(state, { recursive: true });
  await rm(join(root, 'filled'), { force: true });
  const offset = (await stat(hs.logPath)).size;
  const run = await wizardFillingState(state, '2m', offset, ['--venv', hs.venv, '--target', '1.50.0', '--yes', '--backup-dir', join(root, 'backups')]);
  console.log(run.output.split('\n').slice(-12).join('\n'));
  assert.doesNotMatch(run.output, /This is a bug/);
  assert.notEqual(run.exitCode, 0, run.output);
  const version = await hs.serverVersion().catch(() => undefined);
  if (version === undefined) assert.match(run.output, /Synapse is NOT running\. Start it with: (cd \S+ && )?\S+synctl /, run.output);
  else assert.match(run.output, /Rolled back|started it again/, run.output);
  await hs.writeConfig({ migrationSeconds: 0, extraConfig: {} });
  await hs.install('1.49.0');
  if (!(await hs.serverVersion().catch(() => undefined))) await hs.start();
});
