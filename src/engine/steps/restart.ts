import { AdminError } from '../../core/errors.js';
import { outputTail } from '../../core/output-tail.js';
import { labelHarmlessShutdown } from '../../core/log-progress.js';
import type { FlowStep } from '../context.js';
import { describeStep } from '../../core/steps.js';
import { ensureMethodPlan } from '../method-plan.js';
import { systemOf } from '../system-helpers.js';
import { downtimeOf } from '../wait-ready.js';
import { restartWorkersOnly } from '../workers-only.js';

/**
 * Restart with the install's restart manager. The wait for Synapse starts with the restart, polling it
 * and following the homeserver log, so downtime is measured from the moment the old process stops
 * answering (journaled at once, for a resumed session) to the moment the new one answers.
 */
export const restartStep: FlowStep = {
  ...describeStep('restart'),
  async run(ctx) {
    if (ctx.opts.workersOnly) return restartWorkersOnly(ctx);
    const { tracker, runner, method, picture, deps } = ctx;
    const { http, files } = systemOf(ctx);
    const plan = await ensureMethodPlan(ctx);
    const spec = plan.restart.at(-1) ?? method.restartCommand(picture.install);
    await tracker.start('restart', spec);
    // Resumed after the restart began: the outage started then, not now (the downtime counts it all).
    const startedAt = ctx.restartBegan ?? Date.now();
    let restartDone = false;
    const ready = runner.dryRun
      ? undefined
      : http.waitUntilReady({
          url: picture.url,
          logFile: picture.logFile,
          pidFile: picture.pidFile,
          processWatch: picture.processWatch,
          emit: deps.emit,
          ask: deps.ask,
          restartDone: () => restartDone,
          startedAt,
          // Resumed: the outage the interrupted run saw began then; else (at the latest) when the restart began.
          ...(ctx.restartBegan !== undefined ? { downSince: ctx.serverDownAt ?? ctx.restartBegan } : {}),
          onDown: (at) => void tracker.recorder?.serverDown(at).catch(() => {}),
        });
    ready?.catch(() => {}); // observed by the wait step; never an unhandled rejection meanwhile
    ctx.restart = { startedAt, ready };
    // Usually one command; Docker recreates a container in a few (stop, rename aside, run).
    let result = { exitCode: 0, durationMs: 0, tail: [] as string[] };
    for (const command of plan.restart) {
      const one = await runner.run(command);
      result = { ...one, durationMs: result.durationMs + one.durationMs };
      if (one.exitCode !== 0) break;
    }
    restartDone = true;
    if (runner.dryRun) {
      await tracker.done('restart', 'not run (dry run)');
      return;
    }
    if (result.exitCode !== 0 && !(await http.serverVersion(picture.url, 2000)).ok) {
      const log = picture.logFile ? labelHarmlessShutdown(await files.lastLines(picture.logFile, 40)).slice(-6) : [];
      throw new AdminError(`The restart failed (exit ${result.exitCode}):\n${outputTail([...result.tail, ...log])}`, {
        serverState: `matrix-synapse ${ctx.decision.target} is installed and Synapse is not running`,
        nextStep: `To go back: ${plan.rollback.join(' && ')}`,
      });
    }
    await tracker.done('restart', `restart command finished in ${(result.durationMs / 1000).toFixed(1)} s`, { exitCode: result.exitCode });
  },
};

/** Wait until the version endpoint answers; no fixed time-out (see wait-ready.ts). */
export const waitStep: FlowStep = {
  ...describeStep('wait'),
  async run(ctx) {
    if (ctx.opts.workersOnly) {
      await ctx.tracker.skip('wait', 'workers-only host: each worker is waited for in the workers step');
      return;
    }
    if (!ctx.restart?.ready) {
      await ctx.tracker.skip('wait', 'assumed: how long the migration takes is only known by doing it');
      return;
    }
    await ctx.tracker.start('wait');
    const ready = await ctx.restart.ready;
    ctx.downtimeMs = downtimeOf(ready);
    await ctx.tracker.done('wait', `answered after ${(ctx.downtimeMs / 1000).toFixed(1)} s`);
  },
};
