// Machines on this machine, for the Ansible tests: each host is a network namespace with its own address on a small
// LAN, its own pid and mount namespace (its own /proc: the wizard there sees that host's processes only) and its own
// sshd on port 22 accepting one key. The LAN is a bridge inside a namespace of its own; this machine (the control
// machine) joins it through one veth pair, so nothing is routed or forwarded here and the machine's firewall is not
// involved. Names carry a random id, so parallel runs never collide; close() removes every namespace and interface
// (killing a host's pid 1 ends everything that ran there). Needs root, iproute2, unshare/nsenter and openssh-server.
import { execa, type ResultPromise } from 'execa';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { which } from './tools.js';

export const SSHD = '/usr/sbin/sshd';

/** Why hosts cannot be made here, or undefined. */
export function missingForHosts(): string | undefined {
  if (process.getuid?.() !== 0) return 'network-namespace hosts need root';
  const tools = ['ip', 'unshare', 'nsenter', 'ssh', 'ssh-keygen', 'python3'].filter((tool) => !which(tool));
  if (!existsSync(SSHD)) tools.push(`${SSHD} (openssh-server)`);
  return tools.length ? `network-namespace hosts need ${tools.join(', ')}` : undefined;
}

export interface Host {
  name: string;
  address: string;
  dir: string;
  /** The host's pid 1, seen from here (nsenter's target). */
  initPid: number;
  /** Runs argv on the host (its network, mounts and pids), as root. */
  run(argv: string[], env?: Record<string, string>): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  /** sshd's log so far (for failure messages). */
  sshdLog(): string;
}

export interface Lan {
  /** This machine's address on the LAN. */
  control: string;
  /** The client key every host accepts (for root). */
  key: string;
  hosts: Host[];
  addHost(name: string): Promise<Host>;
  close(): Promise<void>;
}

const INIT = [
  // pid 1 of a host: starts sshd, reaps every orphan (a daemonized Synapse is one), and ends with sshd.
  'import os, subprocess, sys',
  'sshd = subprocess.Popen(sys.argv[1:])',
  'while True:',
  '    pid, _ = os.wait()',
  '    if pid == sshd.pid:',
  '        sys.exit(1)',
].join('\n');

async function ip(args: string[]): Promise<void> {
  const result = await execa('ip', args, { reject: false });
  if (result.exitCode !== 0) throw new Error(`ip ${args.join(' ')}: ${result.stderr}`);
}

/** A /24 under 10.0.0.0/8 that no address or route of this machine touches. */
async function freeSubnet(): Promise<string> {
  const taken = `${(await execa('ip', ['-4', '-o', 'addr'])).stdout}\n${(await execa('ip', ['-4', 'route', 'show', 'table', 'all'])).stdout}`;
  const cidrs = [...taken.matchAll(/\b(\d+)\.(\d+)\.(\d+)\.(\d+)(?:\/(\d+))?/g)].map((m) => ({
    base: ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0,
    bits: m[5] === undefined ? 32 : Number(m[5]),
  }));
  const overlaps = (net24: number) =>
    cidrs.some(({ base, bits }) => {
      const common = Math.min(bits, 24);
      const mask = common === 0 ? 0 : (0xffffffff << (32 - common)) >>> 0;
      return (base & mask) >>> 0 === (net24 & mask) >>> 0;
    });
  for (let attempt = 0; attempt < 200; attempt++) {
    const [b, c] = randomBytes(2);
    const second = 100 + (b! % 150);
    const net24 = ((10 << 24) | (second << 16) | (c! << 8)) >>> 0;
    if (!overlaps(net24)) return `10.${second}.${c}`;
  }
  throw new Error('no free 10.x.y.0/24 subnet for the test hosts');
}

async function listening(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port, timeout: 1000 }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => (socket.destroy(), resolve(false)));
  });
}

async function until<T>(probe: () => T | undefined | Promise<T | undefined>, ms: number, what: () => string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A LAN with this machine on it; hosts join with addHost(). `dir` holds the keys and each host's folder. */
export async function createLan(dir: string): Promise<Lan> {
  const id = randomBytes(3).toString('hex');
  const subnet = await freeSubnet();
  const lanNs = `su-ans-${id}-lan`;
  const controlIf = `su${id}c`;
  const namespaces: string[] = [];
  const inits: ResultPromise[] = [];
  const hosts: Host[] = [];
  const key = join(dir, 'client_key');

  const close = async () => {
    for (const init of inits) init.kill('SIGKILL'); // --kill-child: the host's pid 1 dies, and with it all it ran
    await Promise.all(inits.map((init) => init.catch(() => {})));
    for (const ns of namespaces.reverse()) await execa('ip', ['netns', 'del', ns], { reject: false });
    await execa('ip', ['link', 'del', controlIf], { reject: false }); // gone with its peer already, normally
  };

  try {
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ansible-test', '-f', key]);
    await ip(['netns', 'add', lanNs]);
    namespaces.push(lanNs);
    await ip(['-n', lanNs, 'link', 'add', 'br0', 'type', 'bridge']);
    await ip(['-n', lanNs, 'link', 'set', 'br0', 'up']);
    await ip(['link', 'add', controlIf, 'type', 'veth', 'peer', 'name', 'control', 'netns', lanNs]);
    await ip(['-n', lanNs, 'link', 'set', 'control', 'master', 'br0', 'up']);
    await ip(['addr', 'add', `${subnet}.1/24`, 'dev', controlIf]);
    await ip(['link', 'set', controlIf, 'up']);
  } catch (error) {
    await close();
    throw error;
  }

  const addHost = async (name: string): Promise<Host> => {
    const index = hosts.length + 1;
    const ns = `su-ans-${id}-h${index}`;
    const address = `${subnet}.${10 + index}`;
    const hostDir = join(dir, name);
    await mkdir(hostDir, { recursive: true });
    await ip(['netns', 'add', ns]);
    namespaces.push(ns);
    await ip(['-n', lanNs, 'link', 'add', `h${index}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    await ip(['-n', lanNs, 'link', 'set', `h${index}`, 'master', 'br0', 'up']);
    await ip(['-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
    await ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
    await ip(['-n', ns, 'link', 'set', 'lo', 'up']);

    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${name}-host`, '-f', join(hostDir, 'host_key')]);
    await writeFile(join(hostDir, 'authorized_keys'), await readFile(`${key}.pub`), { mode: 0o600 });
    const config = [
      'Port 22',
      `ListenAddress ${address}`,
      `HostKey ${join(hostDir, 'host_key')}`,
      `PidFile ${join(hostDir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(hostDir, 'authorized_keys')}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'PermitRootLogin prohibit-password',
      'StrictModes no',
      'PrintMotd no',
      'Subsystem sftp internal-sftp',
      'MaxSessions 50',
      'MaxStartups 50',
      'LogLevel VERBOSE',
    ];
    await writeFile(join(hostDir, 'sshd_config'), `${config.join('\n')}\n`);
    await mkdir('/run/sshd', { recursive: true, mode: 0o755 }); // privilege separation folder (the package's service makes it)
    let log = '';
    const init = execa(
      'ip',
      [
        'netns',
        'exec',
        ns,
        'unshare',
        '--pid',
        '--kill-child',
        '--mount-proc',
        '--propagation',
        'private',
        'python3',
        '-I',
        '-c',
        INIT,
        SSHD,
        '-D',
        '-e',
        '-f',
        join(hostDir, 'sshd_config'),
      ],
      { reject: false, stdin: 'ignore', stdout: 'ignore', stderr: 'pipe' },
    );
    inits.push(init);
    init.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    const initPid = await until(
      () => {
        try {
          const child = readFileSync(`/proc/${init.pid}/task/${init.pid}/children`, 'utf8').trim().split(/\s+/)[0];
          return child ? Number(child) : undefined;
        } catch {
          return undefined;
        }
      },
      10_000,
      () => `${name}'s pid 1 (${log})`,
    );
    await until(
      () => listening(address, 22),
      10_000,
      () => `sshd on ${name} (${address}:22) to listen; its log: ${log}`,
    );
    const host: Host = {
      name,
      address,
      dir: hostDir,
      initPid,
      sshdLog: () => log,
      async run(argv, env = {}) {
        const result = await execa('nsenter', ['-t', String(initPid), '-n', '-m', '-p', `--wd=${hostDir}`, '--', ...argv], {
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8', ...env },
          extendEnv: false,
          reject: false,
          stdin: 'ignore',
          timeout: 60_000,
        });
        return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
      },
    };
    hosts.push(host);
    return host;
  };

  return { control: `${subnet}.1`, key, hosts, addHost, close };
}
