import { schemaFor } from '../core/schema-facts.js';
import { managerRestart, prepareRestart, restartSequence } from '../methods/restart/index.js';
import { workersOnlyRestart } from '../methods/restart/workers-only.js';
import type { MethodPlan } from '../methods/types.js';
import type { SessionContext } from './context.js';
import { realSystem, systemOf, type SystemHelpers } from './system-helpers.js';

/** The plan a method without its own `plan` gets: its install command, then its restart. */
function defaultPlan(ctx: SessionContext): MethodPlan {
  const { method, picture } = ctx;
  const rollback = [method.installCommand(picture.install, ctx.from).argv.join(' '), method.restartCommand(picture.install).argv.join(' ')];
  return {
    before: [],
    install: [method.installCommand(picture.install, ctx.decision.target)],
    restart: [method.restartCommand(picture.install)],
    checks: [],
    details: [],
    rollback,
  };
}

/** Schema versions crossed by the upgrade (the migrations Synapse runs while starting). */
export async function migrationsCrossed(from: string, to: string, system: SystemHelpers = realSystem): Promise<{ from: number; to: number } | undefined> {
  const schema = (await system.releaseData()).schema;
  const a = schemaFor(schema, from);
  const b = schemaFor(schema, to);
  return a && b && b.schema > a.schema ? { from: a.schema, to: b.schema } : undefined;
}

/** The method's plan for this session, made once (questions included) and kept on the context. */
export async function ensureMethodPlan(ctx: SessionContext): Promise<MethodPlan> {
  if (ctx.plan) return ctx.plan;
  const { method, picture } = ctx;
  const plan = method.plan
    ? await method.plan(picture.install, ctx.decision.target, {
        ask: ctx.deps.ask,
        emit: ctx.deps.emit,
        sessionDir: ctx.sessionDir,
        dryRun: ctx.runner.dryRun,
        from: ctx.from,
        env: process.env,
        yes: ctx.opts.yes,
        noPackageRollback: ctx.opts.noPackageRollback === true,
        ...(ctx.followed?.length ? { followed: ctx.followed } : {}),
      })
    : defaultPlan(ctx);
  if (ctx.opts.workersOnly) {
    // Only this host's workers restart: the main process runs on another host.
    plan.restart = workersOnlyRestart(picture.install);
    ctx.plan = plan;
    return plan;
  }
  if (!plan.restart.length) plan.restart.push(managerRestart(picture.install));
  // synctl with workers: stop them first; the workers step starts them once the main process answers.
  plan.restart.unshift(...restartSequence(picture.install).before);
  const target = ctx.decision.target;
  await prepareRestart(picture.install, plan, {
    ask: ctx.deps.ask,
    emit: ctx.deps.emit,
    sessionDir: ctx.sessionDir,
    from: ctx.from,
    target,
    migrations: () => migrationsCrossed(ctx.from, target, systemOf(ctx)),
  });
  ctx.plan = plan;
  return plan;
}
