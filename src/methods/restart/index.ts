import type { CommandSpec } from '../../system/command.js';
import type { Install } from '../types.js';
import { synctlRestart } from './synctl.js';
import { systemdRestart } from './systemd.js';

/** The restart command of a synctl or systemd install; Docker installs restart by recreating the container (docker.ts). */
export function managerRestart(install: Install): CommandSpec {
  const manager = install.restart;
  switch (manager.kind) {
    case 'synctl':
      return synctlRestart(manager);
    case 'systemd':
      return systemdRestart(manager);
    case 'docker':
      return { argv: ['docker', 'restart', manager.container], title: `Restart the container ${manager.container}` };
  }
}

/** A short name for the restart manager, for messages. */
export function managerLabel(install: Install): string {
  const manager = install.restart;
  if (manager.kind === 'systemd') return `systemd (${manager.unit})`;
  if (manager.kind === 'docker') return manager.compose ? 'docker compose' : 'docker';
  return `synctl${manager.workersDir ? ` -a ${manager.workersDir}` : ''}`;
}
