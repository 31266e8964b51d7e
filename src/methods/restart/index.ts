import type { CommandSpec } from '../../system/command.js';
import type { Install } from '../types.js';
import { synctlRestart, synctlWorkerSequence } from './synctl.js';
import { systemdRestart } from './systemd.js';

/**
 * The restart command of a synctl or systemd install; Docker installs restart by recreating the container
 * (docker.ts). With synctl and workers this restarts the main process alone: restartSequence has the rest.
 */
export function managerRestart(install: Install): CommandSpec {
  const manager = install.restart;
  switch (manager.kind) {
    case 'synctl':
      return synctlRestart(manager, install.configPaths);
    case 'systemd':
      return systemdRestart(manager);
    case 'docker':
      return { argv: ['docker', 'restart', manager.container], title: `Restart the container ${manager.container}` };
  }
}

/**
 * A restart as commands around the main process's: `before` it (synctl: stop the workers) and `after` it has
 * answered (synctl: start the workers). Empty around a restart manager that orders workers itself (systemd).
 */
export function restartSequence(install: Install, main: CommandSpec = managerRestart(install)): { before: CommandSpec[]; main: CommandSpec; after: CommandSpec[] } {
  const synctl = synctlWorkerSequence(install);
  return synctl ? { ...synctl, main } : { before: [], main, after: [] };
}

/** A short name for the restart manager, for messages. */
export function managerLabel(install: Install): string {
  const manager = install.restart;
  if (manager.kind === 'systemd') return `systemd (${manager.unit})`;
  if (manager.kind === 'docker') return manager.compose ? 'docker compose' : 'docker';
  return `synctl${manager.workersDir ? ` -a ${manager.workersDir}` : ''}`;
}
