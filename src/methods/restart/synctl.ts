import { access } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CommandSpec } from '../../system/command.js';
import type { RestartManager } from '../types.js';

type Synctl = Extract<RestartManager, { kind: 'synctl' }>;

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

/** synctl from the install's virtualenv (an entry point since v1.55; `./synctl` in old checkouts). */
export async function synctlManager(venv: string, configPaths: readonly string[], workersDir: string | undefined, repo?: string): Promise<Synctl> {
  let synctl = join(venv, 'bin', 'synctl');
  if (repo && !(await exists(synctl)) && (await exists(join(repo, 'synctl')))) synctl = join(repo, 'synctl');
  return { kind: 'synctl', synctl, config: configPaths[0] ?? join(dirname(venv), 'homeserver.yaml'), workersDir };
}

/** `synctl restart CONFIG [-a WORKERS_DIR]`: with `-a`, synctl stops the workers, restarts main, then starts them. */
export function synctlRestart(manager: Synctl): CommandSpec {
  return {
    argv: [manager.synctl, 'restart', manager.config, ...(manager.workersDir ? ['-a', manager.workersDir] : [])],
    title: manager.workersDir ? 'Restart Synapse and its workers with synctl' : 'Restart Synapse with synctl',
  };
}
