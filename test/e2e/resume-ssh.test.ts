// A real SSH session drops in the middle of an upgrade. sshd (Debian's openssh-server) runs on a loopback port with
// its own config and host key in a temporary folder and key authentication; the wizard is started through
// `ssh -tt` inside tmux, so it runs on the remote pty as an admin would see it. While pip installs (held half-way by a
// slow mirror), the ssh client is killed: sshd hangs up the pty, the wizard records that it detached and exits, and
// pip carries on. A new ssh session runs plain `synapse-upgrade`, which shows the unfinished session, resumes on
// Enter, re-attaches to pip and finishes with a verified upgrade. Needs root (sshd), `npm run build` first.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { execa } from 'execa';
import { createStandinInstall, freePort, type StandinInstall } from '../../src/demo/standin.js';
import { shellQuote } from '../../src/system/redact.js';
import { BIN, wizardEnv } from '../helpers/cli.js';
import { hasCommand, jobsOf, journalOf, sessionDirOf, assertNoDuplicateCommand, waitUntil } from '../helpers/resume.js';
import { missingTool } from '../helpers/tools.js';
import { slowIndexEnv, startSlowIndex, type SlowIndex } from '../helpers/slow-index.js';
import { TmuxSession, tmuxAvailable } from '../helpers/tmux.js';

const SSHD = '/usr/sbin/sshd';
const cleanup: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => {});
});

/** sshd on 127.0.0.1:port with its own host key, accepting one client key for this user. */
async function startSshd(dir: string): Promise<{ port: number; key: string; sshd: ChildProcess; log: () => string }> {
  const port = await freePort();
  for (const name of ['host_key', 'client_key']) await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', join(dir, name)]);
  await writeFile(join(dir, 'authorized_keys'), await readFile(join(dir, 'client_key.pub')), { mode: 0o600 });
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${join(dir, 'host_key')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'PermitRootLogin prohibit-password',
    'StrictModes no',
    'PrintMotd no',
    'ClientAliveInterval 1',
    'ClientAliveCountMax 3',
    'LogLevel VERBOSE',
  ];
  await writeFile(join(dir, 'sshd_config'), `${config.join('\n')}\n`);
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 }); // privilege separation folder (made by the package's service)
  let log = '';
  const sshd = spawn(SSHD, ['-f', join(dir, 'sshd_config'), '-D', '-e'], { stdio: ['ignore', 'ignore', 'pipe'] });
  sshd.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  cleanup.push(async () => sshd.kill('SIGTERM'));
  await waitUntil(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.destroy();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      }),
    10_000,
    `sshd to listen (its log: ${log})`,
  );
  return { port, key: join(dir, 'client_key'), sshd, log: () => log };
}

/** `ssh -tt` to this machine through sshd, running `argv` with exactly `env` on the remote side. */
function sshArgv(port: number, key: string, env: Record<string, string>, argv: string[]): string[] {
  const remote = ['env', '-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...argv].map(shellQuote).join(' ');
  return [
    'ssh',
    '-tt',
    '-i',
    key,
    '-p',
    String(port),
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'BatchMode=yes',
    '-o',
    'LogLevel=ERROR',
    `${process.env.USER ?? 'root'}@127.0.0.1`,
    remote,
  ];
}

/** The pid of the ssh client running in a tmux pane (the pane runs the exit-status wrapper, whose child is ssh). */
async function sshClientPid(session: TmuxSession): Promise<number> {
  const wrapper = Number(await session.display('#{pane_pid}'));
  return waitUntil(
    () => {
      const children = readFileSync(`/proc/${wrapper}/task/${wrapper}/children`, 'utf8').trim().split(/\s+/).map(Number).filter(Boolean);
      return children.find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] === 'ssh');
    },
    5000,
    'the ssh client in the pane',
  );
}

test('the SSH link drops while pip installs: pip carries on, a new SSH session resumes to a verified upgrade', async (t) => {
  const missing =
    process.getuid?.() !== 0
      ? 'sshd needs root here (privilege separation, login as this user)'
      : !existsSync(SSHD)
        ? `${SSHD} is not installed (apt-get install openssh-server)`
        : !hasCommand('ssh', ['-V']) || !hasCommand('ssh-keygen', ['-?'])
          ? 'the ssh client is not installed'
          : !tmuxAvailable()
            ? 'tmux is not installed'
            : undefined;
  if (missingTool(t, missing)) return;

  const root = await mkdtemp(join(tmpdir(), 'su-resume-ssh-'));
  cleanup.push(() => rm(root, { recursive: true, force: true, maxRetries: 5 }));
  const hs: StandinInstall = await createStandinInstall({ root, version: '1.46.0', port: await freePort() });
  cleanup.push(() => hs.kill());
  await hs.start();
  const index: SlowIndex = await startSlowIndex(hs.wheelhouse);
  cleanup.push(() => index.close());
  const sshDir = join(root, 'ssh');
  await mkdir(sshDir, { mode: 0o700 });
  const { port, key, log } = await startSshd(sshDir);

  const state = join(root, 'state');
  const base = wizardEnv(hs.wheelhouse, state, slowIndexEnv(index));
  const remoteEnv: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8' };
  for (const [k, v] of Object.entries(base)) if (k.startsWith('PIP_') || k.startsWith('SYNAPSE_UPGRADE_')) remoteEnv[k] = v;
  const localEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', TERM: 'xterm-256color', LANG: 'C.UTF-8' };
  const size = { width: 120, height: 40 };

  // 1. The wizard over SSH, unattended (--yes) but on a real pty: the Ink screen.
  index.hold(/^matrix_synapse-1\.47\.0-py3-none-any\.whl$/);
  const held = index.held();
  const first = await TmuxSession.start(sshArgv(port, key, remoteEnv, [process.execPath, BIN, '--venv', hs.venv, '--target', '1.47.0', '--yes']), {
    env: localEnv,
    ...size,
  });
  cleanup.push(() => first.kill());
  await Promise.race([held, first.waitFor(/(?!)/, 60_000)]);
  await first.waitFor(/Install the new version/, 10_000);
  const ssh = await sshClientPid(first);

  // 2. The link drops: the client dies at once (as when the laptop's network goes). sshd hangs up the pty.
  process.kill(ssh, 'SIGKILL');
  const journal = await waitUntil(
    async () => {
      const j = await journalOf(state);
      return j.events?.some((e) => e.kind === 'interrupted') ? j : undefined;
    },
    20_000,
    `the remote wizard to record the hang-up (sshd log:\n${log()})`,
  );
  assert.deepEqual(
    journal.events?.filter((e) => e.kind === 'interrupted').map((e) => [e.reason, e.step]),
    [['SIGHUP', 'install']],
  );
  assert.equal(journal.outcome, 'interrupted');
  const pipJob = (await jobsOf(await sessionDirOf(state))).at(-1)!;
  assert.ok(pipJob.argv.includes('matrix-synapse==1.47.0') && pipJob.started && !pipJob.exit, `pip carries on without the wizard: ${JSON.stringify(pipJob)}`);
  await waitUntil(async () => !(await readFile(join(await sessionDirOf(state), 'wizard.lock'), 'utf8').catch(() => '')), 10_000, 'the lock to be released');

  // 3. A new SSH session runs plain `synapse-upgrade`: it shows where things stand and resumes on Enter.
  const second = await TmuxSession.start(sshArgv(port, key, remoteEnv, [process.execPath, BIN]), { env: localEnv, ...size });
  cleanup.push(() => second.kill());
  const screen = await second.waitFor(/An upgrade to 1\.47\.0 was interrupted\. Carry it on\?/, 60_000, { joined: true });
  assert.match(screen, /Unfinished upgrade 1\.46\.0 → 1\.47\.0/);
  assert.match(screen, /It stopped in the step "Install the new version", \d+ s ago \(SIGHUP\)/);
  assert.match(screen, /That command is still running \(pid \d+/);
  assert.match(screen, /❯ Resume: follow the running command, then finish the upgrade/);
  await second.sendKeys('Enter');
  await second.waitFor(/re-attaching to it/, 20_000, { joined: true });
  index.release();
  await second.waitFor(/Synapse now runs 1\.47\.0 \(was 1\.46\.0\)/, 60_000, { joined: true });
  assert.equal(await second.exitCode(20_000), 0, await second.capture());

  assert.equal(await hs.serverVersion(), '1.47.0');
  const done = await journalOf(state);
  assert.equal(done.outcome, 'upgraded');
  assert.deepEqual(
    done.events?.map((e) => e.kind),
    ['interrupted', 'resumed'],
  );
  await assertNoDuplicateCommand(done);
  assert.equal(index.downloads.get('matrix_synapse-1.47.0-py3-none-any.whl'), 1, 'pip downloaded (installed) 1.47.0 once');
});
