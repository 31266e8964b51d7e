import { AdminError } from '../../core/errors.js';
import { sameVersion } from '../../core/version.js';
import { restartSequence } from '../../methods/restart/index.js';
import type { Worker } from '../../methods/types.js';
import type { FlowStep } from '../context.js';
import { describeStep } from '../../core/steps.js';
import { realSystem, systemOf, type SystemHelpers } from '../system-helpers.js';
import { verifyWorkersOnly } from '../workers-only.js';

/**
 * Workers come up after the main process has migrated (they refuse an older schema), so each one
 * with a `client` listener is asked for its version until it answers, for up to `timeoutMs`: every 50 ms, as the
 * main process is (a worker's users wait for it as long as the poll lags).
 */
export function waitForWorker(worker: Worker & { url: string }, target: string, timeoutMs = 120_000, pollMs = 50): Promise<{ ok: boolean; seen: string }> {
  return pollWorker({ worker, target, timeoutMs, pollMs, system: realSystem });
}

/** waitForWorker with the session's helpers (a unit test's fakes). */
export async function pollWorker(input: {
  worker: Worker & { url: string };
  target: string;
  system: SystemHelpers;
  timeoutMs?: number;
  pollMs?: number;
}): Promise<{ ok: boolean; seen: string }> {
  const { worker, target, system } = input;
  const deadline = system.now() + (input.timeoutMs ?? 120_000);
  let seen: string;
  for (;;) {
    const probe = await system.http.workerVersion(worker.url, 2000);
    if (probe.ok) {
      seen = probe.answer.raw;
      if (sameVersion(probe.answer.version, target)) return { ok: true, seen };
    } else {
      seen = probe.reason;
    }
    if (system.now() > deadline) return { ok: false, seen };
    await system.sleep(input.pollMs ?? 50);
  }
}

/**
 * After the main process: every worker with a client listener must answer the target version too. The downtime
 * then runs to the last of them answering: they were stopped with the restart (synctl stops them first, a systemd
 * target with the main process), and a client routed to a worker waits for it.
 */
export const workersStep: FlowStep = {
  ...describeStep('workers'),
  async run(ctx) {
    if (ctx.opts.workersOnly) return verifyWorkersOnly(ctx);
    const { tracker, picture } = ctx;
    const target = ctx.decision.target;
    const workers = picture.install.workers;
    if (!workers.length) {
      await tracker.skip('workers', 'no workers');
      return;
    }
    const checkable = workers.filter((w): w is Worker & { url: string } => typeof w.url === 'string');
    if (ctx.runner.dryRun || !ctx.restart?.ready) {
      await tracker.skip('workers', `assumed: ${checkable.length} worker(s) with a client listener would answer ${target}`);
      return;
    }
    // synctl: the workers were stopped before the main process restarted; they start now that it has migrated.
    const after = restartSequence(picture.install).after;
    await tracker.start('workers', after[0]);
    for (const spec of after) {
      const started = await ctx.runner.run(spec);
      if (started.exitCode !== 0) {
        throw new AdminError(`Starting the workers failed (exit ${started.exitCode}):\n${started.tail.slice(-8).map((l) => `  ${l}`).join('\n')}`, {
          serverState: `the main process runs ${target}; some workers may not be running`,
          nextStep: `Read the workers' logs, then start them: ${spec.argv.join(' ')}`,
        });
      }
    }
    const system = systemOf(ctx);
    const results = await Promise.all(checkable.map(async (w) => ({ worker: w, ...(await pollWorker({ worker: w, target, system })), at: system.now() })));
    const failed = results.filter((r) => !r.ok);
    if (failed.length) {
      throw new AdminError(`${failed.length} worker(s) do not answer ${target}: ${failed.map((f) => `${f.worker.name} at ${f.worker.url} (${f.seen})`).join('; ')}.`, {
        serverState: `the main process runs ${target}; those workers are down or older`,
        nextStep: 'Read the workers\' logs; a worker on an older version refuses the migrated database, so restart it with the new version.',
      });
    }
    if (results.length) ctx.downtimeMs = Math.max(ctx.downtimeMs ?? 0, Math.max(...results.map((r) => r.at)) - ctx.restart.startedAt);
    const unchecked = workers.length - checkable.length;
    for (const r of results) ctx.deps.emit({ type: 'message', level: 'info', text: `worker ${r.worker.name} answers ${r.seen} at ${r.worker.url}` });
    await tracker.done('workers', `${results.length} worker(s) answer ${target}${unchecked ? `; ${unchecked} without a client listener not checked` : ''}`);
  },
};
