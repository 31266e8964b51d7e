import { mkdtemp } from 'node:fs/promises';
import { devNull, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Emit } from '../core/events.js';
import type { WizardOptions } from '../engine/context.js';
import { createStandinInstall, freePort, type StandinInstall } from './standin.js';

export const DEMO_FROM = '1.46.0';

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
  return { options: { venv: sandbox.venv, configPaths: [sandbox.configPath], stateDir: join(root, 'state') }, sandbox };
}
