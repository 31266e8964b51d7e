// A private pid namespace (with its own /proc) for one scenario: the homeserver and the wizard run in it, so
// the wizard's detection sees one running Synapse, as on a real server, and not the homeservers other tests
// start at the same time on this machine. Its pid 1 reaps orphans (Synapse's daemon is one), so a stopped
// server does not linger as a zombie. Root and unshare(1) are needed; without them the test skips (or fails
// in CI) through missingTool.
import { execa, type ResultPromise } from 'execa';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { missingTool } from '../../helpers/tools.js';

export interface PidNamespace {
  /** argv that runs `file args` inside the namespace, in `cwd` (nsenter would start it in /). */
  wrap(file: string, args: string[], cwd: string): [string, string[]];
  /** The pid outside of a process whose pid inside is `inner`, if it is alive and not a zombie. */
  outerPid(inner: number): number | undefined;
  close(): Promise<void>;
}

const INIT = 'import os, time\nwhile True:\n    try:\n        os.wait()\n    except ChildProcessError:\n        time.sleep(0.2)\n';

export async function needPidNamespace(t: TestContext): Promise<boolean> {
  const why =
    process.getuid?.() !== 0
      ? 'not root'
      : (await execa('unshare', ['-m', '-p', '-f', '--mount-proc', 'true'], { reject: false })).exitCode !== 0
        ? 'unshare -m -p --mount-proc failed'
        : undefined;
  return !missingTool(t, why ? `a private pid namespace is needed to show the wizard one homeserver: ${why}` : undefined);
}

export async function openPidNamespace(): Promise<PidNamespace> {
  const holder: ResultPromise = execa('unshare', ['-m', '-p', '-f', '--mount-proc', '--propagation', 'private', 'python3', '-I', '-c', INIT], {
    reject: false,
    stdin: 'ignore',
  });
  let inner: string | undefined;
  const deadline = Date.now() + 10_000;
  while (!inner) {
    try {
      inner = readFileSync(`/proc/${holder.pid}/task/${holder.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)[0];
    } catch {
      // not yet
    }
    if (!inner) {
      if (Date.now() > deadline) throw new Error('the pid namespace did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const init = inner;
  const nsLink = readlinkSync(`/proc/${init}/ns/pid`);
  const enter = ['-t', init, '-m', '-p'];
  return {
    wrap: (file, args, cwd) => ['nsenter', [...enter, `--wd=${cwd}`, '--', file, ...args]],
    outerPid(wanted) {
      for (const name of readdirSync('/proc')) {
        if (!/^\d+$/.test(name)) continue;
        try {
          if (readlinkSync(`/proc/${name}/ns/pid`) !== nsLink) continue;
          const status = readFileSync(`/proc/${name}/status`, 'utf8');
          const ids = /^NSpid:\s+(.+)$/m.exec(status)?.[1]?.trim().split(/\s+/).map(Number);
          if (ids?.at(-1) === wanted && !/^State:\s+Z/m.test(status)) return Number(name);
        } catch {
          // gone meanwhile
        }
      }
      return undefined;
    },
    async close() {
      try {
        process.kill(Number(init), 'SIGKILL');
      } catch {
        // gone
      }
      await holder;
    },
  };
}
