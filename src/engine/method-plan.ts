import { join } from 'node:path';
import { schemaFor } from '../core/schema-facts.js';
import { managerRestart, restartSequence } from '../methods/restart/index.js';
import { DROP_IN_NAME, dropInText, timeoutRisk } from '../methods/restart/systemd.js';
import type { MethodPlan } from '../methods/types.js';
import type { CommandSpec } from '../system/command.js';
import { writeFileAtomic } from '../system/atomic-write.js';
import { loadReleaseData } from '../system/release-data.js';
import type { SessionContext } from './context.js';

/** The start timeout the drop-in sets: long enough for the migrations known to be slow. */
export const DROP_IN_TIMEOUT = 3600;

/** The plan a method without its own `plan` gets: its install command, then its restart. */
function defaultPlan(ctx: SessionContext): MethodPlan {
  const { method, picture } = ctx;
  const rollback = [method.installCommand(picture.install, ctx.from).argv.join(' '), method.restartCommand(picture.install).argv.join(' ')];
  return { before: [], install: [method.installCommand(picture.install, ctx.decision.target)], restart: [method.restartCommand(picture.install)], checks: [], details: [], rollback };
}

/** Schema versions crossed by the upgrade (the migrations Synapse runs while starting). */
export async function migrationsCrossed(from: string, to: string): Promise<{ from: number; to: number } | undefined> {
  const schema = (await loadReleaseData()).schema;
  const a = schemaFor(schema, from);
  const b = schemaFor(schema, to);
  return a && b && b.schema > a.schema ? { from: a.schema, to: b.schema } : undefined;
}

/**
 * systemd kills a unit that has not signalled READY within TimeoutStartSec (90 s by default), and
 * Synapse migrates before it is ready; with Restart=always it then starts over, in a loop.
 * Before such a restart: warn and offer a drop-in that raises the timeout.
 */
async function systemdTimeout(ctx: SessionContext, plan: MethodPlan): Promise<void> {
  const manager = ctx.picture.install.restart;
  if (manager.kind !== 'systemd' || !timeoutRisk(manager)) return;
  const crossed = await migrationsCrossed(ctx.from, ctx.decision.target);
  if (!crossed) {
    plan.checks.push(`systemd start timeout ${manager.timeoutStartSec} s: no schema migration between ${ctx.from} and ${ctx.decision.target}`);
    return;
  }
  const text = `${ctx.from} → ${ctx.decision.target} migrates the database schema (v${crossed.from} → v${crossed.to}) while Synapse starts. ${manager.mainUnit} allows ${manager.timeoutStartSec} s to start${manager.restartPolicy ? ` and has Restart=${manager.restartPolicy}` : ''}: a longer migration is killed and started again, in a loop.`;
  ctx.deps.emit({ type: 'message', level: 'warn', text });
  const answer = await ctx.deps.ask({
    id: 'systemd-timeout',
    text: `${text} Add a drop-in with TimeoutStartSec=${DROP_IN_TIMEOUT}?`,
    details: [`${join(manager.dropInDir, DROP_IN_NAME)}:`, ...dropInText(DROP_IN_TIMEOUT).trimEnd().split('\n').map((l) => `  ${l}`)],
    choices: [
      { value: 'drop-in', label: `Add the drop-in (TimeoutStartSec=${DROP_IN_TIMEOUT}) and reload systemd` },
      { value: 'keep', label: `Keep ${manager.timeoutStartSec} s` },
    ],
    safeDefault: 'drop-in',
  });
  if (answer !== 'drop-in') {
    plan.checks.push(`systemd start timeout kept at ${manager.timeoutStartSec} s at your request`);
    return;
  }
  const staged = join(ctx.sessionDir, DROP_IN_NAME);
  await writeFileAtomic(staged, dropInText(DROP_IN_TIMEOUT), 0o644);
  const commands: CommandSpec[] = [
    { argv: ['mkdir', '-p', manager.dropInDir], title: `Make ${manager.dropInDir}` },
    { argv: ['cp', staged, join(manager.dropInDir, DROP_IN_NAME)], title: `Raise ${manager.mainUnit}'s start timeout to ${DROP_IN_TIMEOUT} s` },
    { argv: ['systemctl', 'daemon-reload'], title: 'Make systemd read the drop-in' },
  ];
  plan.before.push(...commands);
  plan.summary = [...(plan.summary ?? []), `${join(manager.dropInDir, DROP_IN_NAME)} raises the start timeout to ${DROP_IN_TIMEOUT} s; delete it (and run systemctl daemon-reload) if you want the default back.`];
}

/** The method's plan for this session, made once (questions included) and kept on the context. */
export async function ensureMethodPlan(ctx: SessionContext): Promise<MethodPlan> {
  if (ctx.plan) return ctx.plan;
  const { method, picture } = ctx;
  const plan = method.plan
    ? await method.plan(picture.install, ctx.decision.target, { ask: ctx.deps.ask, emit: ctx.deps.emit, sessionDir: ctx.sessionDir, dryRun: ctx.runner.dryRun, from: ctx.from, env: process.env, yes: ctx.opts.yes, noPackageRollback: ctx.opts.noPackageRollback === true })
    : defaultPlan(ctx);
  if (!plan.restart.length) plan.restart.push(managerRestart(picture.install));
  // synctl with workers: stop them first; the workers step starts them once the main process answers.
  plan.restart.unshift(...restartSequence(picture.install).before);
  await systemdTimeout(ctx, plan);
  ctx.plan = plan;
  return plan;
}
