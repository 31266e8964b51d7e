import { AdminError, ExitCode } from '../core/errors.js';
import type { VerifiedWorker } from '../core/events.js';
import { outputTail } from '../core/output-tail.js';
import { sameVersion } from '../core/version.js';
import { workersOnlyRestart } from '../methods/restart/workers-only.js';
import type { Install, Worker } from '../methods/types.js';
import { probeWorkerVersion } from '../system/http.js';
import type { Runner } from '../system/runner.js';
import type { SessionContext } from './context.js';
import type { ResumeFacts } from './resume-decision.js';
import { ensureMethodPlan } from './method-plan.js';
import { waitForWorker } from './steps/workers.js';

/** The workers that can be asked their version: those with a `client` listener. */
export const checkableWorkers = (workers: readonly Worker[]): (Worker & { url: string })[] =>
  workers.filter((w): w is Worker & { url: string } => typeof w.url === 'string');

/** How long a restarted worker gets to answer: workers do not migrate, so they come up in seconds. */
const WORKER_READY_MS = 120_000;

/**
 * Runs the commands that restart this host's workers (only them): the restart step of a workers-only session.
 * A command that fails is a failed restart (the wizard then offers the rollback).
 */
export async function restartWorkersOnly(ctx: SessionContext): Promise<void> {
  const { tracker, runner } = ctx;
  const plan = await ensureMethodPlan(ctx);
  await tracker.start('restart', plan.restart[0]);
  const startedAt = ctx.restartBegan ?? Date.now();
  ctx.restart = { startedAt, ready: undefined };
  const ran = await runAll(runner, plan.restart);
  if (runner.dryRun) {
    await tracker.done('restart', 'not run (dry run)');
    return;
  }
  if (ran.exitCode !== 0) {
    throw new AdminError(`Restarting the workers failed (exit ${ran.exitCode}):\n${outputTail(ran.tail, 8)}`, {
      serverState: `matrix-synapse ${ctx.decision.target} is installed on this host; some workers may not be running`,
      nextStep: "Read the workers' logs (worker_log_config in their configs).",
    });
  }
  await tracker.done('restart', `${plan.restart.length} restart command(s) finished in ${(ran.durationMs / 1000).toFixed(1)} s`, { exitCode: 0 });
}

/** Runs commands in order until one fails; the last result, with the durations summed. */
export async function runAll(runner: Runner, specs: readonly import('../system/command.js').CommandSpec[]) {
  let result = { exitCode: 0, durationMs: 0, tail: [] as string[] };
  for (const spec of specs) {
    const one = await runner.run(spec);
    result = { ...one, durationMs: result.durationMs + one.durationMs };
    if (one.exitCode !== 0) break;
  }
  return result;
}

/** Waits for each worker with a client listener to answer `version`; the ones that did, and the ones that did not. */
export async function awaitWorkers(workers: readonly Worker[], version: string, timeoutMs = WORKER_READY_MS) {
  const results = await Promise.all(
    checkableWorkers(workers).map(async (w) => ({ worker: w, ...(await waitForWorker(w, version, timeoutMs)), at: Date.now() })),
  );
  const verified: VerifiedWorker[] = results.filter((r) => r.ok).map((r) => ({ name: r.worker.name, url: r.worker.url, version: r.seen }));
  return { results, verified, failed: results.filter((r) => !r.ok), readyAt: Math.max(0, ...results.map((r) => r.at)) };
}

/**
 * The workers step of a workers-only session: every worker with a client listener must answer the target over its
 * own listener. The downtime is from the restart to the last worker answering.
 */
export async function verifyWorkersOnly(ctx: SessionContext): Promise<void> {
  const { tracker, picture } = ctx;
  const target = ctx.decision.target;
  const workers = picture.install.workers;
  const checkable = checkableWorkers(workers);
  if (ctx.runner.dryRun || !ctx.restart) {
    await tracker.skip('workers', `assumed: ${checkable.length} worker(s) with a client listener would answer ${target}`);
    return;
  }
  await tracker.start('workers');
  const { results, verified, failed, readyAt } = await awaitWorkers(workers, target);
  ctx.workersVerified = verified;
  ctx.downtimeMs = Math.max(0, readyAt - ctx.restart.startedAt);
  if (failed.length) {
    throw new AdminError(
      `${failed.length} worker(s) do not answer ${target}: ${failed.map((f) => `${f.worker.name} at ${f.worker.url} (${f.seen})`).join('; ')}.`,
      {
        serverState: `matrix-synapse ${target} is installed on this host; those workers are down or on another version`,
        nextStep: "Read the workers' logs (worker_log_config in their configs).",
      },
    );
  }
  for (const r of results) ctx.deps.emit({ type: 'message', level: 'info', text: `worker ${r.worker.name} answers ${r.seen} at ${r.worker.url}` });
  const unchecked = workers.filter((w) => !w.url).map((w) => w.name);
  if (unchecked.length) ctx.summary.push(`Not checked (no client listener): ${unchecked.join(', ')}.`);
  ctx.summary.push(`Workers verified over their own listeners: ${verified.map((v) => `${v.name} (${v.version} at ${v.url})`).join(', ') || 'none'}.`);
  await tracker.done(
    'workers',
    `${verified.length} worker(s) answer ${target}${unchecked.length ? `; ${unchecked.length} without a client listener not checked` : ''}`,
  );
}

/** A resumed workers-only session: the restart's effect is there when every worker with a client listener answers the target. */
export async function workersAnswer(workers: readonly Worker[], target: string): Promise<ResumeFacts> {
  const checkable = checkableWorkers(workers);
  const probes = await Promise.all(checkable.map((w) => probeWorkerVersion(w.url, 3000)));
  const answers = probes.flatMap((p) => (p.ok ? [p.answer] : []));
  const all = checkable.length > 0 && answers.length === checkable.length && answers.every((a) => sameVersion(a.version, target));
  return all ? { answer: answers[0] } : { answer: undefined, serverProcess: 'gone' };
}

/** The commands that restart this host's workers, or a clear error when none can (checked at detection). */
export function requireWorkersRestart(install: Install): void {
  if (workersOnlyRestart(install).length) return;
  throw new AdminError(`The workers of this host (${install.workers.map((w) => w.name).join(', ')}) have no restart manager the wizard can drive.`, {
    exitCode: ExitCode.usage,
    serverState: 'nothing was changed',
    nextStep: 'Run them with synctl (a workers folder, or -w per worker config) or as systemd worker units (matrix-synapse-worker@NAME.service).',
  });
}
