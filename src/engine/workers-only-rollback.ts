import { dirname } from 'node:path';
import { AdminError } from '../core/errors.js';
import { outputTail } from '../core/output-tail.js';
import type { StepId } from '../core/steps.js';
import { sameVersion } from '../core/version.js';
import { workersOnlyRestart } from '../methods/restart/workers-only.js';
import type { VerifiedWorker } from '../core/events.js';
import type { SessionContext } from './context.js';
import { withRestartHold } from './restart-hold.js';
import { awaitWorkers, runAll } from './workers-only.js';

/** How long a worker restarted on the old code gets to answer it. */
const ROLLBACK_READY_MS = 60_000;

/** What the rollback of a workers-only host works with: the session's adapters, the version to go back to and the one installed. */
export type WorkersRollbackInput = Pick<SessionContext, 'picture' | 'method' | 'runner' | 'tracker' | 'deps' | 'transcriptPath'> & {
  back: string;
  current: string;
};

/** The session's rollback input. */
export const rollbackInputOf = (ctx: SessionContext): WorkersRollbackInput => ({ ...ctx, back: ctx.from, current: ctx.decision.target });

/**
 * The rollback of a workers-only host: the old code back the install method's way, the workers restarted on it
 * (when they had been restarted) and each asked over its own listener. The database is never touched: it is the main
 * process's. Never throws: a rollback that fails is reported in the lines.
 */
export async function rollBackWorkersOnly(
  ctx: WorkersRollbackInput,
  why: string,
  opts: { restart: boolean },
): Promise<{ lines: string[]; rolledBack: boolean; verified?: VerifiedWorker[] }> {
  const { picture, method, runner, tracker, deps, back } = ctx;
  const install = picture.install;
  const answer = await deps.ask({
    id: 'rollback',
    text: `Roll back this host's workers to ${back}?`,
    details: [
      why,
      `Plan: install ${back} the way it was installed, ${opts.restart ? 'restart the workers on it and check each answers it' : 'and check the workers (never restarted) still answer it'}.`,
      "Database: not touched (it is the main process's).",
    ],
    choices: [
      { value: 'rollback', label: `Roll back to ${back}` },
      { value: 'leave', label: 'Leave everything as it is now (roll back later with `synapse-upgrade rollback`)' },
    ],
    safeDefault: 'rollback',
  });
  if (answer !== 'rollback')
    return {
      lines: ['The rollback was declined: everything was left as it is. `synapse-upgrade rollback` puts the old version back later.'],
      rolledBack: false,
    };
  const steps: StepId[] = ['rollback-install', ...(opts.restart ? (['rollback-restart'] as const) : []), 'rollback-verify'];
  tracker.announce(steps);
  const state = (what: string): string => `${what}; run \`synapse-upgrade rollback\` to go on`;
  try {
    const backTo = await method.rollbackCommands?.(install, back, dirname(ctx.transcriptPath));
    const hold = { method, install, runner, tracker, emit: deps.emit, sessionDir: dirname(ctx.transcriptPath) };
    await withRestartHold(hold, async () => {
      for (const spec of backTo?.install ?? [method.installCommand(install, back)]) {
        await tracker.start('rollback-install', spec);
        const result = await runner.run(spec);
        if (result.exitCode !== 0)
          throw new AdminError(`Installing ${back} failed (exit ${result.exitCode}):\n${outputTail(result.tail, 6)}`, {
            serverState: state(`matrix-synapse ${ctx.current} may still be installed on this host`),
          });
        await tracker.done('rollback-install', `${spec.title ?? spec.argv.join(' ')}: done`, { exitCode: 0 });
      }
    });
    const now = runner.dryRun ? back : await method.installedVersion(install);
    if (!sameVersion(now, back))
      throw new AdminError(`After reinstalling, matrix-synapse ${now} is installed, not ${back}.`, { serverState: state('the old version is not back') });
    const lines = [`matrix-synapse ${back} is installed again on this host.`];
    if (opts.restart) {
      const specs = workersOnlyRestart(install);
      await tracker.start('rollback-restart', specs[0]);
      const ran = await runAll(runner, specs);
      if (ran.exitCode !== 0)
        throw new AdminError(`Restarting the workers on ${back} failed (exit ${ran.exitCode}):\n${outputTail(ran.tail, 6)}`, {
          serverState: state(`matrix-synapse ${back} is installed; some workers may not be running`),
        });
      await tracker.done('rollback-restart', `${specs.length} restart command(s) finished in ${(ran.durationMs / 1000).toFixed(1)} s`, { exitCode: 0 });
    }
    await tracker.start('rollback-verify');
    if (runner.dryRun) {
      await tracker.done('rollback-verify', 'not run (dry run)');
      return { lines, rolledBack: false };
    }
    const { verified, failed } = await awaitWorkers(install.workers, back, ROLLBACK_READY_MS);
    if (failed.length) {
      throw new AdminError(
        `After the rollback, ${failed.length} worker(s) do not answer ${back}: ${failed.map((f) => `${f.worker.name} at ${f.worker.url} (${f.seen})`).join('; ')}.`,
        {
          serverState: `matrix-synapse ${back} is installed on this host; those workers are down`,
          nextStep:
            "Read the workers' logs. A worker refuses a database its main process migrated to a newer schema: then this host needs the main process's version (fix the cause and run the upgrade again).",
        },
      );
    }
    await tracker.done('rollback-verify', `${verified.length} worker(s) answer ${back}`);
    lines.push(`The workers answer ${back} again: ${verified.map((v) => `${v.name} (${v.url})`).join(', ') || 'none with a client listener'}.`);
    return { lines: [`Rolled back to ${back}.`, ...lines], rolledBack: true, verified };
  } catch (error) {
    await tracker.fail(error instanceof Error ? (error.message.split('\n')[0] ?? 'rollback failed') : 'rollback failed');
    const lines =
      error instanceof AdminError
        ? [error.message, ...(error.serverState ? [`Server state: ${error.serverState}`] : []), ...(error.nextStep ? [`Next: ${error.nextStep}`] : [])]
        : [String(error)];
    return { lines: ['The rollback failed too:', ...lines], rolledBack: false };
  }
}

/**
 * The new code rejects the config on a workers-only host: the workers were never restarted, so putting the old code
 * back is enough (they keep serving it). Always throws: the session failed, rolled back or not.
 */
export async function rejectedOnWorkerHost(ctx: SessionContext, message: readonly string[]): Promise<never> {
  const target = ctx.decision.target;
  const rejected = `Synapse ${target} rejects the config, so no worker was restarted:\n${message.map((l) => `  ${l}`).join('\n')}`;
  const fixNext = `Fix the config (${ctx.picture.install.configPaths.join(', ')}) for ${target}, then run synapse-upgrade again.`;
  const rollback = await rollBackWorkersOnly(
    rollbackInputOf(ctx),
    `Synapse ${target} is installed but its config check failed; the workers still run ${ctx.from}.`,
    {
      restart: false,
    },
  );
  throw new AdminError(`${rejected}\n${rollback.lines.join('\n')}`, {
    ...(rollback.rolledBack ? { code: 'rolled-back' } : {}),
    serverState: rollback.rolledBack
      ? `matrix-synapse ${ctx.from} is installed again and the workers serve it, as before`
      : `matrix-synapse ${target} is installed but no worker runs it`,
    nextStep: fixNext,
  });
}
