import { AdminError } from '../core/errors.js';
import { restartSequence } from '../methods/restart/index.js';
import type { Worker } from '../methods/types.js';
import type { Runner } from '../system/runner.js';
import type { ServerPicture } from './inspect.js';
import type { SystemHelpers } from './system-helpers.js';
import { pollWorker } from './steps/workers.js';

/**
 * The workers' part of a rollback with synctl (restartSequence): they are stopped before the main process is
 * (a worker must not run the newer code on a restored database), and started once the old main process
 * answers, then each one with a client listener must answer the old version. Nothing to do for a restart
 * manager that orders workers itself.
 */
export async function stopWorkers(picture: ServerPicture, runner: Runner, state: string): Promise<void> {
  for (const spec of restartSequence(picture.install).before) {
    const result = await runner.run(spec);
    if (result.exitCode !== 0) {
      throw new AdminError(
        `Stopping the workers failed (exit ${result.exitCode}):\n${result.tail
          .slice(-6)
          .map((l) => `  ${l}`)
          .join('\n')}`,
        {
          serverState: state,
          nextStep: `Stop them by hand (${spec.argv.join(' ')}), then run \`synapse-upgrade rollback\` again.`,
        },
      );
    }
  }
}

/** Starts the workers after the main process and waits for each one with a client listener to answer `back`. */
export async function startWorkers(input: { picture: ServerPicture; runner: Runner; back: string; system: SystemHelpers }): Promise<string[]> {
  const { picture, runner, back } = input;
  const after = restartSequence(picture.install).after;
  if (!after.length) return [];
  for (const spec of after) {
    const result = await runner.run(spec);
    if (result.exitCode !== 0) {
      throw new AdminError(
        `Starting the workers failed (exit ${result.exitCode}):\n${result.tail
          .slice(-6)
          .map((l) => `  ${l}`)
          .join('\n')}`,
        {
          serverState: `the main process runs ${back}; some workers may not be running`,
          nextStep: `Read the workers' logs, then start them: ${spec.argv.join(' ')}`,
        },
      );
    }
  }
  if (runner.dryRun) return [];
  const checkable = picture.install.workers.filter((w): w is Worker & { url: string } => typeof w.url === 'string');
  const results = await Promise.all(checkable.map(async (w) => ({ worker: w, ...(await pollWorker({ worker: w, target: back, system: input.system })) })));
  const failed = results.filter((r) => !r.ok);
  if (failed.length) {
    throw new AdminError(
      `${failed.length} worker(s) do not answer ${back} after the rollback: ${failed.map((f) => `${f.worker.name} at ${f.worker.url} (${f.seen})`).join('; ')}.`,
      {
        serverState: `the main process runs ${back}; those workers are down or on another version`,
        nextStep: "Read the workers' logs and start them with the main process's version.",
      },
    );
  }
  return [
    `The workers were started again after the main process${results.length ? `: ${results.map((r) => `${r.worker.name} answers ${r.seen}`).join(', ')}` : ''}.`,
  ];
}
