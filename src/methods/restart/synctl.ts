import { access } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { CommandSpec } from '../../system/command.js';
import type { Install, RestartManager } from '../types.js';

type Synctl = Extract<RestartManager, { kind: 'synctl' }>;

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

/** synctl from the install's virtualenv (an entry point since v1.55; `./synctl` in old checkouts). */
export async function synctlManager(venv: string, configPaths: readonly string[], workersDir: string | undefined, repo?: string): Promise<Synctl> {
  let synctl = join(venv, 'bin', 'synctl');
  if (repo && !(await exists(synctl)) && (await exists(join(repo, 'synctl')))) synctl = join(repo, 'synctl');
  return { kind: 'synctl', synctl, config: configPaths[0] ?? join(dirname(venv), 'homeserver.yaml'), workersDir };
}

/**
 * The main process's own entry in the workers folder (docs/synctl_workers.md: a file there with
 * `worker_app: synapse.app.homeserver`, so `synctl -a DIR` handles the main process too): seen as the
 * second config the main process was started with, inside that folder.
 */
export function mainEntry(manager: Synctl, configPaths: readonly string[]): string | undefined {
  if (!manager.workersDir) return undefined;
  const dir = resolve(manager.workersDir);
  return configPaths.slice(1).find((p) => dirname(resolve(p)) === dir);
}

/**
 * Restarts the main process alone: `synctl restart CONFIG`, or `synctl restart CONFIG -w DIR/main.yaml`
 * when the main process has its entry in the workers folder (so it starts with the same configs as before).
 */
export function synctlRestart(manager: Synctl, configPaths: readonly string[] = []): CommandSpec {
  const entry = mainEntry(manager, configPaths);
  return {
    argv: [manager.synctl, 'restart', manager.config, ...(entry ? ['-w', entry] : [])],
    title: manager.workersDir ? 'Restart the Synapse main process with synctl (its workers are stopped)' : 'Restart Synapse with synctl',
  };
}

/**
 * A restart with workers, in the order a schema change needs. Real synctl's `-a DIR` acts on the worker
 * configs of DIR in name order and on the main process only when DIR has its entry; a worker started
 * before the main process has migrated the database refuses to start ("run the main synapse process to
 * upgrade the database schema before starting worker processes"). So: stop the workers (`synctl stop -a`),
 * restart the main process alone (synctl returns once it has migrated and daemonized), and only after it
 * answers start the workers (`synctl start -a`: the main process is found running and left alone).
 */
export function synctlWorkerSequence(
  install: Pick<Install, 'restart' | 'configPaths'>,
): { before: CommandSpec[]; main: CommandSpec; after: CommandSpec[] } | undefined {
  const manager = install.restart;
  if (manager.kind !== 'synctl' || !manager.workersDir) return undefined;
  return {
    before: [{ argv: [manager.synctl, 'stop', manager.config, '-a', manager.workersDir], title: `Stop the workers of ${manager.workersDir} with synctl` }],
    main: synctlRestart(manager, install.configPaths),
    after: [
      {
        argv: [manager.synctl, 'start', manager.config, '-a', manager.workersDir],
        title: `Start the workers of ${manager.workersDir} with synctl, after the main process`,
      },
    ],
  };
}
