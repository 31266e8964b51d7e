import { AdminError } from '../../core/errors.js';
import { labelHarmlessShutdown } from '../../core/log-progress.js';
import { outputTail } from '../../core/output-tail.js';
import { describeStep } from '../../core/steps.js';
import { adviseConfig, goOn, type RollbackStep } from '../rollback-context.js';
import { stopWorkers } from '../rollback-workers.js';

/** The old version starts (the method's own restart for its way back, else its restart command); the wait for it starts with it. */
export const rollbackRestartStep: RollbackStep = {
  ...describeStep('rollback-restart'),
  needed: (ctx) => !ctx.stillServing,
  async run(ctx) {
    const { picture, runner, tracker, back } = ctx;
    const { http, files } = ctx.system;
    adviseConfig(ctx);
    const restart = ctx.backTo?.restart ?? ctx.method.restartCommand(picture.install);
    if (!ctx.dbChanges) await stopWorkers(picture, runner, goOn(`matrix-synapse ${back} is installed`));
    await tracker.start('rollback-restart', restart);
    const restartStarted = Date.now();
    let restartDone = false;
    const ready = runner.dryRun
      ? undefined
      : http.waitUntilReady({
          url: picture.url,
          logFile: picture.logFile,
          pidFile: picture.pidFile,
          processWatch: picture.processWatch,
          emit: ctx.deps.emit,
          ask: ctx.deps.ask,
          restartDone: () => restartDone,
          startedAt: restartStarted,
        });
    ready?.catch(() => {});
    if (ready) ctx.ready = ready;
    const result = await runner.run(restart);
    restartDone = true;
    if (result.exitCode !== 0 && !runner.dryRun && !(await http.serverVersion(picture.url, 2000)).ok) {
      const log = picture.logFile ? labelHarmlessShutdown(await files.lastLines(picture.logFile, 40)).slice(-6) : [];
      throw new AdminError(`Starting ${back} failed (exit ${result.exitCode}):\n${outputTail([...result.tail, ...log], 10)}`, {
        serverState: `matrix-synapse ${back} is installed and Synapse is not running`,
        nextStep: `Read the homeserver log${picture.logFile ? ` (${picture.logFile})` : ''}.`,
      });
    }
    await tracker.done('rollback-restart', `restart command finished in ${(result.durationMs / 1000).toFixed(1)} s`, { exitCode: result.exitCode });
  },
};
