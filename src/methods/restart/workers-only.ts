import { dirname, resolve } from 'node:path';
import type { CommandSpec } from '../../system/command.js';
import type { Install } from '../types.js';

/**
 * The commands that restart the workers of a workers-only host and nothing else: systemd's worker units; synctl
 * `-a DIR` on the workers' folder (synctl acts on the main process only through an entry of its own there); else
 * `synctl -w CONFIG` for each worker started from a config file. Empty when none of these can restart them.
 */
export function workersOnlyRestart(install: Pick<Install, 'restart' | 'workers'>): CommandSpec[] {
  const manager = install.restart;
  if (manager.kind === 'systemd') {
    const units = [...new Set([...manager.workerUnits, ...install.workers.flatMap((w) => (w.unit ? [w.unit] : []))])];
    return units.length ? [{ argv: ['systemctl', 'restart', ...units], title: `Restart the worker units ${units.join(', ')} (systemd)` }] : [];
  }
  if (manager.kind !== 'synctl') return [];
  const dir = manager.workersDir ? resolve(manager.workersDir) : undefined;
  const all: CommandSpec[] = manager.workersDir
    ? [{ argv: [manager.synctl, 'restart', manager.config, '-a', manager.workersDir], title: `Restart the workers of ${manager.workersDir} with synctl` }]
    : [];
  // Workers outside that folder (given with --config, or running from elsewhere): one at a time.
  const each = install.workers.flatMap((w) =>
    w.configPath && dirname(resolve(w.configPath)) !== dir
      ? [{ argv: [manager.synctl, 'restart', manager.config, '-w', w.configPath], title: `Restart the worker ${w.name} with synctl` }]
      : [],
  );
  return [...all, ...each];
}
