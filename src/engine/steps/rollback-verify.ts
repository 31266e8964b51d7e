import { AdminError } from '../../core/errors.js';
import { describeStep } from '../../core/steps.js';
import { sameVersion } from '../../core/version.js';
import { adviseConfig, type RollbackContext, type RollbackStep } from '../rollback-context.js';
import { startWorkers } from '../rollback-workers.js';
import { downtimeOf } from '../wait-ready.js';

/** Zero downtime: the old process never stopped, so it only has to be proven still there. */
async function stillThere(ctx: RollbackContext): Promise<void> {
  const { picture, tracker, back } = ctx;
  adviseConfig(ctx);
  await tracker.start('rollback-verify');
  if (!ctx.runner.dryRun) {
    const probe = await ctx.system.http.serverVersion(picture.url);
    if (!probe.ok || !sameVersion(probe.answer.version, back)) {
      throw new AdminError(`After putting ${back} back, ${picture.url} answers ${probe.ok ? probe.answer.raw : 'nothing'}.`, {
        serverState: `matrix-synapse ${back} is installed`,
      });
    }
  }
  await tracker.done('rollback-verify', `${back} still serving, never restarted`);
  ctx.lines.push(`Synapse ${back} kept serving throughout: no restart, no downtime.`);
  ctx.downtimeMs = 0;
}

/** After the restart: the old version must answer over HTTP (asked once more if the first answer was the new one on its way out), then the workers. */
async function servesAgain(ctx: RollbackContext): Promise<void> {
  const { picture, tracker, back } = ctx;
  const { http } = ctx.system;
  await tracker.start('rollback-verify');
  if (!ctx.ready) {
    await tracker.done('rollback-verify', 'not run (dry run)');
    return;
  }
  const answer = await ctx.ready;
  let version = answer.answer;
  if (!sameVersion(version.version, back)) {
    const again = await http.serverVersion(picture.url);
    if (again.ok) version = again.answer;
  }
  if (!sameVersion(version.version, back)) {
    throw new AdminError(`After the rollback, ${picture.url} answers ${version.raw}, not ${back}.`, { serverState: `matrix-synapse ${back} is installed` });
  }
  const healthy = await http.health(picture.url);
  await tracker.done('rollback-verify', `server_version says ${version.raw}; /health ${healthy ? 'OK' : 'did not answer OK'}`);
  ctx.lines.push(`Synapse ${back} serves again at ${picture.url} (server_version ${version.raw}, /health ${healthy ? 'OK' : 'not OK'}).`);
  ctx.lines.push(...(await startWorkers({ picture, runner: ctx.runner, back, system: ctx.system })));
  ctx.downtimeMs = ctx.stoppedAt !== undefined ? answer.readyAt - ctx.stoppedAt : downtimeOf(answer);
}

/** The old version serves: proven over HTTP. */
export const rollbackVerifyStep: RollbackStep = {
  ...describeStep('rollback-verify'),
  needed: () => true,
  run: (ctx) => (ctx.stillServing ? stillThere(ctx) : servesAgain(ctx)),
};
