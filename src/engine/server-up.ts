import type { CommandSpec } from '../system/command.js';
import { probeServerVersion } from '../system/http.js';
import { displayArgv, shellQuote } from '../system/redact.js';
import { releaseStateRoom } from '../system/state-reserve.js';
import type { SessionContext } from './context.js';
import { serverProcessAlive } from './wait-ready.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The command as an admin would type it. */
export const typed = (spec: CommandSpec): string => `${spec.cwd ? `cd ${shellQuote(spec.cwd)} && ` : ''}${displayArgv(spec).map(shellQuote).join(' ')}`;

/** Up: it answers over HTTP, or the process in its pid file runs (a migration may keep it silent). */
async function isUp(ctx: SessionContext): Promise<boolean> {
  if ((await probeServerVersion(ctx.picture.url, 2000)).ok) return true;
  return (await serverProcessAlive(ctx.picture.pidFile, ctx.picture.processWatch)) === true;
}

/**
 * The last thing a failed session does once the restart began: Synapse must not be left down by the wizard.
 * If it runs neither process nor listener, the installed version is started again (the reserved room of the
 * state folder is given up first, so the command's job can be written on a full disk). When that cannot be
 * done the admin gets the exact command. Returns the lines for the result.
 */
export async function bringServerUp(ctx: SessionContext, timeoutMs = 120_000): Promise<string[]> {
  const began = ctx.tracker.recorder?.journal.steps.some((s) => s.id === 'restart');
  if (ctx.runner.dryRun || !began || (await isUp(ctx))) return [];
  // The method may start a stopped Synapse as it is (a Docker container that is there but stopped); else the restart command.
  const watch = ctx.picture.processWatch;
  const spec = (await ctx.method.startStoppedCommand?.(ctx.picture.install)) ?? ctx.method.restartCommand(ctx.picture.install);
  const command = typed(spec);
  ctx.deps.emit({ type: 'message', level: 'warn', text: `Synapse is not running after the failure. Starting the installed version again: ${command}` });
  await releaseStateRoom(ctx.sessionDir);
  try {
    const result = await ctx.runner.run(spec);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const probe = await probeServerVersion(ctx.picture.url, 2000);
      if (probe.ok) return [`Synapse was down after the failure; the wizard started it again: ${probe.answer.raw} answers at ${ctx.picture.url}.`];
      if (result.exitCode !== 0 && (await serverProcessAlive(ctx.picture.pidFile, watch)) !== true) break;
      await sleep(500);
    }
    if ((await serverProcessAlive(ctx.picture.pidFile, watch)) === true) {
      return [
        `Synapse was down after the failure; the wizard started it again (${watch ? `${watch.what} running` : `pid file ${ctx.picture.pidFile}`}); it does not answer at ${ctx.picture.url} yet (a migration may be running).`,
      ];
    }
  } catch {
    // the runner cannot start it (a full disk, an interruption): the admin gets the command
  }
  return [`Synapse is NOT running. Start it with: ${command}`];
}
