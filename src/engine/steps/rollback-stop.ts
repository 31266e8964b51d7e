import { describeStep } from '../../core/steps.js';
import type { CommandSpec } from '../../system/command.js';
import type { InstallMethod } from '../../methods/types.js';
import type { ServerPicture } from '../inspect.js';
import { goOn, runRollbackCommand, type RollbackStep } from '../rollback-context.js';
import { stopWorkers } from '../rollback-workers.js';

/**
 * The stop command: the method's own when it has one, else its restart command with `restart` turned
 * into `stop` (synctl, systemctl and docker all take both); undefined when neither fits.
 */
export function stopCommand(method: InstallMethod, install: ServerPicture['install']): CommandSpec | undefined {
  if (method.stopCommand) return method.stopCommand(install);
  const restart = method.restartCommand(install);
  const at = restart.argv.indexOf('restart');
  if (at < 0) return undefined;
  return { ...restart, argv: restart.argv.map((a, i) => (i === at ? 'stop' : a)), title: 'Stop Synapse' };
}

/** Before the database changes: the workers, then Synapse, are stopped; the outage begins here. */
export const rollbackStopStep: RollbackStep = {
  ...describeStep('rollback-stop'),
  needed: (ctx) => ctx.dbChanges,
  drawn: (ctx) => stopCommand(ctx.method, ctx.picture.install) !== undefined,
  async run(ctx) {
    const state = goOn(`matrix-synapse ${ctx.current} is installed`);
    await stopWorkers(ctx.picture, ctx.runner, state);
    ctx.stoppedAt = Date.now();
    const stop = stopCommand(ctx.method, ctx.picture.install);
    if (stop) await runRollbackCommand(ctx, 'rollback-stop', stop, { failure: 'Stopping Synapse failed', state });
  },
};
