import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startedConfigs } from '../../src/methods/start-config.js';

// Folders on disk laid out as admins leave them; the process facts (argv, cwd, PWD, open files) are what
// /proc shows for a daemonized Synapse (its cwd is `/`).
const roots: string[] = [];
after(async () => {
  await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
});

async function folder(pidFileHolds: number | undefined): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'su-start-'));
  roots.push(dir);
  await writeFile(join(dir, 'homeserver.yaml'), `server_name: x.test\npid_file: ${join(dir, 'homeserver.pid')}\n`);
  if (pidFileHolds !== undefined) await writeFile(join(dir, 'homeserver.pid'), `${pidFileHolds}\n`);
  return dir;
}

const proc = (pid: number, pwd: string | undefined, openFiles: string[] = []) => ({
  pid,
  argv: ['/x/env/bin/python', '-m', 'synapse.app.homeserver', '-c', 'homeserver.yaml', '--daemonize'],
  cwd: '/',
  pwd,
  openFiles,
});

test('absolute -c is taken as given, with no evidence line', async () => {
  const found = await startedConfigs({ ...proc(1, '/srv'), argv: ['/x/bin/python', '-m', 'synapse.app.homeserver', '-c', '/etc/hs.yaml'] });
  assert.deepEqual(
    found,
    { configs: ['/etc/hs.yaml'], evidence: [], startDir: '/srv' },
    'the start folder is PWD: Synapse resolves a relative log_config against it',
  );
});

test('PWD holds a stale copy whose pid file names another pid: the folder of the open log, whose pid file holds this pid, decides', async () => {
  const stale = await folder(999_999);
  const real = await folder(4321);
  const found = await startedConfigs(proc(4321, stale, [join(real, 'homeserver.log')]));
  assert.deepEqual(found.configs, [join(real, 'homeserver.yaml')]);
  assert.equal(found.startDir, real, 'the folder the relative -c resolved against is where it was started');
  assert.match(
    found.evidence[0] ?? '',
    /resolved against the folder of the log it writes, .* \(the pid file decided\); its own working folder is \/; confirmed: its pid_file .* holds pid 4321/,
  );
});

test('no folder holds the config: resolved against PWD, and the evidence says it was found nowhere', async () => {
  const empty = await mkdtemp(join(tmpdir(), 'su-start-'));
  roots.push(empty);
  await mkdir(join(empty, 'sub'));
  const found = await startedConfigs(proc(7, empty));
  assert.deepEqual(found.configs, [join(empty, 'homeserver.yaml')]);
  assert.equal(found.startDir, undefined, 'an unconfirmed folder is not taken as the start folder');
  assert.match(found.evidence[0] ?? '', /relative config homeserver\.yaml, found in none of the folders it may be relative to/);
});
