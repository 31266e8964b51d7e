import { mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import { devNull, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Emit } from '../core/events.js';
import type { WizardOptions } from '../engine/context.js';
import { createStandinInstall, freePort, type StandinInstall } from './standin.js';

export const DEMO_FROM = '1.46.0';

/**
 * Ends every process of this user whose command line names the demo's own folder (a fresh temporary folder):
 * the homeserver, a restart's new daemon, a running pip or synctl and its supervisor. SIGTERM, then SIGKILL.
 */
export async function endDemoProcesses(root: string): Promise<number[]> {
  const uid = process.getuid?.();
  const mine = async (): Promise<number[]> => {
    const pids: number[] = [];
    for (const name of await readdir('/proc').catch(() => [] as string[])) {
      const pid = Number(name);
      if (!Number.isInteger(pid) || pid === process.pid) continue;
      const info = await stat(`/proc/${name}`).catch(() => undefined);
      if (!info || (uid !== undefined && info.uid !== uid)) continue;
      const argv = (await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '')).split('\0');
      if (argv.some((a) => a === root || a.startsWith(`${root}/`))) pids.push(pid);
    }
    return pids;
  };
  const ended = new Set<number>();
  // A restart cut short may still start its daemon a moment later: look again for a few seconds.
  for (let round = 0; round < 12; round++) {
    const pids = await mine();
    if (!pids.length && round >= 4) break;
    for (const pid of pids) {
      try {
        process.kill(pid, round < 8 ? 'SIGTERM' : 'SIGKILL');
        ended.add(pid);
      } catch {
        // already gone
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return [...ended];
}

/**
 * A throw-away homeserver to try the wizard on: the stand-in Synapse at an old version in a
 * temporary folder, running on a free loopback port, with pip pointed at a local wheelhouse.
 */
export async function startDemoSandbox(emit: Emit): Promise<{ options: Partial<WizardOptions>; sandbox: StandinInstall }> {
  const root = await mkdtemp(join(tmpdir(), 'synapse-upgrade-demo-'));
  emit({ type: 'message', level: 'info', text: `Building a demo homeserver (Synapse stand-in ${DEMO_FROM}) in ${root}…` });
  const sandbox = await createStandinInstall({ root, version: DEMO_FROM, port: await freePort(), migrationSeconds: 3, serverName: 'demo.localhost' });
  await sandbox.start();
  // pip in the sandbox installs from the local wheelhouse only: the demo never touches the network.
  process.env.PIP_CONFIG_FILE = devNull;
  process.env.PIP_NO_INDEX = '1';
  process.env.PIP_FIND_LINKS = sandbox.wheelhouse;
  emit({ type: 'message', level: 'info', text: `Demo homeserver running at ${sandbox.url}; it stays in ${root} until you delete it.` });
  return { options: { venv: sandbox.venv, configPaths: [sandbox.configPath], stateDir: join(root, 'state'), demo: true }, sandbox };
}
