import type { Ask, Emit } from '../../core/events.js';
import type { CommandSpec } from '../../system/command.js';
import type { Install, MethodPlan } from '../types.js';
import { synctlRestart, synctlWorkerSequence } from './synctl.js';
import { systemdRestart } from './systemd.js';
import { systemdStartTimeout } from './systemd-timeout.js';

/** What a restart manager may need to adjust a plan before the restart: questions, a folder, the versions. */
export interface RestartPlanContext {
  ask: Ask;
  emit: Emit;
  /** The session's folder: a file the plan copies into place (a systemd drop-in) is staged here. */
  sessionDir: string;
  from: string;
  target: string;
  /** The schema versions the upgrade migrates across while Synapse starts, if any (read from the release data when asked). */
  migrations(): Promise<{ from: number; to: number } | undefined>;
}

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
export function restartSequence(
  install: Install,
  main: CommandSpec = managerRestart(install),
): { before: CommandSpec[]; main: CommandSpec; after: CommandSpec[] } {
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

/** Why the notes take this restart manager: one sentence of evidence. */
export function managerEvidence(install: Pick<Install, 'restart'>): string {
  const r = install.restart;
  if (r.kind === 'systemd') return `Synapse is restarted by systemd (${r.unit})`;
  if (r.kind === 'synctl') return `Synapse is restarted by synctl (${r.synctl}), not by systemd`;
  return `Synapse runs in the Docker container ${r.container}, not under systemd`;
}

/** The fields of `detect --json` that say how Synapse is restarted (`restartDetails`). */
export function managerFields(install: Pick<Install, 'restart'>): Record<string, unknown> {
  const r = install.restart;
  if (r.kind === 'systemd')
    return { unit: r.unit, workerUnits: r.workerUnits, timeoutStartSec: Number.isFinite(r.timeoutStartSec) ? r.timeoutStartSec : 'infinity' };
  if (r.kind === 'synctl') return { synctl: r.synctl, workersDir: r.workersDir ?? null };
  return { container: r.container, compose: r.compose };
}

/**
 * The restart manager's own part of the plan, after the method's: checks, questions and commands it needs before
 * the restart (systemd: a start timeout too short for the migrations gets a drop-in, if the admin agrees).
 */
export async function prepareRestart(install: Install, plan: MethodPlan, ctx: RestartPlanContext): Promise<void> {
  const manager = install.restart;
  if (manager.kind === 'systemd') await systemdStartTimeout(manager, plan, ctx);
}
