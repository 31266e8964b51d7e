import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { AdminError, ExitCode } from '../core/errors.js';
import { capText } from '../core/screen-text.js';

/**
 * One wizard per homeserver, whatever state folder or path spelling each uses: the lock is a Unix socket in
 * Linux's abstract namespace whose name comes from the real path of the homeserver's main config. Binding a name
 * is exclusive, and the kernel frees it the instant its process ends (kill -9 included), so there is no stale
 * lock and no file anyone could plant. The holder answers whoever connects with who it is.
 */
export interface HomeserverHolder {
  pid: number;
  host: string;
  startedAt: string;
  /** The state folder of the holder's session. */
  stateDir: string;
  /** `wizard`, `resume`, `rollback`. */
  command: string;
  /** The real path of the config it locked. */
  config: string;
}

export interface HomeserverLock {
  name: string;
  release(): void;
}

/** The real path of the config (the path as given when it cannot be resolved). */
export function realConfigPath(configPath: string): string {
  try {
    return realpathSync(configPath);
  } catch {
    return resolve(configPath);
  }
}

/**
 * The socket name for a config: the same for every spelling of its path. The identity (device and inode) of the
 * config's folder is part of it: the abstract namespace belongs to the network namespace, not the mount namespace,
 * so two containers (or chroots) each with their own /etc/matrix-synapse/homeserver.yaml are two homeservers. The
 * folder, not the file, because a config rewritten atomically (a fix applied) gets a new inode in the same folder.
 */
export const homeserverLockName = (configPath: string): string => {
  const real = realConfigPath(configPath);
  let folder = '';
  try {
    const st = statSync(dirname(real));
    folder = `${st.dev}:${st.ino}`;
  } catch {
    // no folder: the path alone
  }
  return `\0synapse-upgrade/${createHash('sha256').update(`${real}\0${folder}`).digest('hex').slice(0, 40)}`;
};

function listen(server: Server, name: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen({ path: name, exclusive: true }, () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
}

/** Asks the holder who it is: its answer, 'gone' when nobody listens any more, or undefined when it did not say. */
function askHolder(name: string, timeoutMs = 3000): Promise<HomeserverHolder | 'gone' | undefined> {
  return new Promise((resolvePromise) => {
    let text = '';
    const socket = connect({ path: name });
    const done = (value: HomeserverHolder | 'gone' | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolvePromise(value);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (text.length > 8192) done(undefined);
    });
    socket.on('end', () => done(parseHolder(text)));
    socket.on('error', (error: NodeJS.ErrnoException) => done(error.code === 'ECONNREFUSED' || error.code === 'ENOENT' ? 'gone' : undefined));
  });
}

/** The holder's answer, checked field by field (it comes from another process: outside text). */
export function parseHolder(text: string): HomeserverHolder | undefined {
  try {
    const data = JSON.parse(text) as Record<string, unknown>;
    if (!Number.isInteger(data.pid) || (data.pid as number) <= 0) return undefined;
    const field = (key: string): string => capText(typeof data[key] === 'string' ? (data[key] as string) : '?', 512);
    return {
      pid: data.pid as number,
      host: field('host'),
      startedAt: field('startedAt'),
      stateDir: field('stateDir'),
      command: field('command'),
      config: field('config'),
    };
  } catch {
    return undefined;
  }
}

/**
 * Whether process `pid` is the one listening on the abstract socket `name` (from /proc/net/unix and its open
 * files); undefined when that cannot be told (no /proc, or its files are not ours to read).
 */
export function holdsSocket(pid: number, name: string): boolean | undefined {
  let inode: string | undefined;
  try {
    const shown = `@${name.slice(1)}`;
    for (const line of readFileSync('/proc/net/unix', 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // Abstract names show with @ for each NUL (libuv pads the name); 00010000 marks a listening socket.
      if (fields[7]?.replace(/@+$/, '') === shown && fields[3] === '00010000') inode = fields[6];
    }
    if (!inode) return undefined;
    const fds = readdirSync(`/proc/${pid}/fd`);
    return fds.some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`;
      } catch {
        return false;
      }
    });
  } catch {
    return undefined;
  }
}

function refusal(config: string, holder: HomeserverHolder | undefined, verified: boolean | undefined): AdminError {
  if (!holder || verified === false) {
    return new AdminError(
      `Another process holds the lock of the homeserver ${config}${holder ? ` and claims to be pid ${holder.pid}, which it is not` : ' and did not say who it is'}.`,
      {
        exitCode: ExitCode.usage,
        serverState: 'this run changed nothing',
        nextStep: `See which process it is with: ss -xlp | grep synapse-upgrade. Run again once it has ended.`,
      },
    );
  }
  return new AdminError(
    `Another synapse-upgrade is working on this homeserver (${config}): pid ${holder.pid} on ${holder.host}, started ${holder.startedAt}, state folder ${holder.stateDir} (${holder.command}).`,
    {
      exitCode: ExitCode.usage,
      serverState: 'this run changed nothing',
      nextStep: `Let it finish (synapse-upgrade status --state-dir ${holder.stateDir} shows where it is), or stop it (kill ${holder.pid}) and run again.`,
    },
  );
}

/** The locks this process holds, by name: taking one again shares it (released when every taker released it). */
const heldHere = new Map<string, { share: () => HomeserverLock }>();

/**
 * Takes the lock of the homeserver whose main config is `configPath`, for this process's lifetime or until
 * release(). A live holder makes this fail with exit 2, naming its pid, host and state folder.
 */
export async function lockHomeserver(configPath: string, about: { stateDir: string; command: string }): Promise<HomeserverLock> {
  const config = realConfigPath(configPath);
  const name = homeserverLockName(config);
  const me: HomeserverHolder = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    stateDir: about.stateDir,
    command: about.command,
    config,
  };
  const answer = `${JSON.stringify(me)}\n`;
  const mine = heldHere.get(name);
  if (mine) return mine.share(); // this process holds it already (a rollback offered inside the wizard)
  for (let attempt = 0; attempt < 5; attempt++) {
    const server = createServer((socket) => {
      socket.on('error', () => {});
      socket.end(answer);
    });
    try {
      await listen(server, name);
    } catch (error) {
      server.close();
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
        throw new AdminError(`The lock of the homeserver ${config} cannot be taken: ${(error as Error).message}`, {
          exitCode: ExitCode.usage,
          serverState: 'this run changed nothing',
        });
      }
      const holder = await askHolder(name);
      if (holder === 'gone') continue; // it ended meanwhile
      throw refusal(config, holder, holder ? holdsSocket(holder.pid, name) : undefined);
    }
    server.unref();
    let holders = 0;
    const share = (): HomeserverLock => {
      holders++;
      let released = false;
      return {
        name,
        release: () => {
          if (released) return;
          released = true;
          if (--holders > 0) return;
          heldHere.delete(name);
          server.close();
        },
      };
    };
    heldHere.set(name, { share });
    return share();
  }
  throw new AdminError(`The lock of the homeserver ${config} keeps changing hands: several synapse-upgrade runs are starting at once.`, {
    exitCode: ExitCode.usage,
    nextStep: 'Run only one synapse-upgrade for this homeserver at a time.',
  });
}
