import { readFile, stat } from 'node:fs/promises';
import { AdminError } from '../core/errors.js';
import type { Ask, Emit } from '../core/events.js';
import { labelHarmlessShutdown, migrationProgress, shortLogLine } from '../core/log-progress.js';
import type { ServerVersionAnswer } from '../core/server-version.js';
import { probeServerVersion } from '../system/http.js';
import { lastLines } from '../system/log-tail.js';
import { isProcessAlive } from '../system/proc.js';
import { containerRunning } from '../methods/docker-detect.js';

export interface WaitOptions {
  url: string;
  logFile: string | undefined;
  pidFile: string | undefined;
  /** A Docker install's container: its state tells whether Synapse runs. */
  container?: string | undefined;
  emit: Emit;
  ask: Ask;
  /** Whether the restart command has returned (a dead server only counts after that). */
  restartDone: () => boolean;
  startedAt: number;
  pollMs?: number;
  /** How long without a new log line before asking whether to keep waiting. */
  stallMs?: number;
  /** How long the server may be gone (no process, no answer) after the restart before giving up. */
  deadMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether Synapse's process runs: a Docker container's state from the engine, else the process in the pid file. */
export async function serverProcessAlive(pidFile: string | undefined, container?: string): Promise<boolean | undefined> {
  if (container) return containerRunning(container);
  if (!pidFile) return undefined;
  const text = await readFile(pidFile, 'utf8').catch(() => undefined);
  const pid = Number(text?.trim());
  return Number.isInteger(pid) && pid > 0 ? isProcessAlive(pid) : false;
}

/**
 * Polls the version endpoint until Synapse answers. There is no fixed time-out: a migration
 * may take hours. It gives up only when the server process is gone, and asks when the log stalls.
 */
export async function waitUntilReady(opts: WaitOptions): Promise<{ answer: ServerVersionAnswer; readyAt: number }> {
  const pollMs = opts.pollMs ?? 50;
  const stallMs = opts.stallMs ?? 15 * 60_000;
  const deadMs = opts.deadMs ?? 8_000;
  let lastReport = 0;
  let goneSince: number | undefined;
  let lastLogSize = -1;
  let lastLogChange = Date.now();
  // Only what Synapse logs after the restart began is shown: older lines describe the old process.
  const logStart = opts.logFile ? await stat(opts.logFile).then((s) => s.size, () => 0) : 0;
  for (;;) {
    // While the restart command runs, an answer could come from the old process: only the log is followed.
    const probe = opts.restartDone() ? await probeServerVersion(opts.url, 2000) : ({ ok: false, reachable: true } as const);
    if (probe.ok) return { answer: probe.answer, readyAt: Date.now() };
    const now = Date.now();
    const size = opts.logFile ? await stat(opts.logFile).then((s) => s.size, () => -1) : -1;
    if (size !== lastLogSize) {
      lastLogSize = size;
      lastLogChange = now;
    }
    if (now - lastReport >= 1000) {
      lastReport = now;
      const lines = opts.logFile ? await lastLines(opts.logFile, 400, logStart) : [];
      opts.emit({ type: 'waiting', elapsedMs: now - opts.startedAt, logLines: labelHarmlessShutdown(lines).slice(-8).map(shortLogLine), progress: migrationProgress(lines) });
    }
    if (opts.restartDone() && !probe.reachable) {
      const alive = await serverProcessAlive(opts.pidFile, opts.container);
      goneSince = alive === false ? (goneSince ?? now) : undefined;
      if (goneSince !== undefined && now - goneSince >= deadMs) {
        const tail = opts.logFile ? labelHarmlessShutdown(await lastLines(opts.logFile, 40, logStart)).slice(-6) : [];
        throw new AdminError(`Synapse is not running after the restart and does not answer at ${opts.url}.`, {
          serverState: 'the new version is installed but Synapse is down',
          nextStep: `Read the homeserver log${opts.logFile ? ` (${opts.logFile})` : ''}; its last lines: ${tail.join(' | ') || '(none)'}`,
        });
      }
    }
    if (now - lastLogChange >= stallMs) {
      const answer = await opts.ask({
        id: 'wait-stalled',
        text: `Synapse has not answered for ${Math.round((now - opts.startedAt) / 60_000)} min and its log has not moved for ${Math.round(stallMs / 60_000)} min. Keep waiting?`,
        choices: [
          { value: 'wait', label: 'Keep waiting (a migration may still be running)' },
          { value: 'stop', label: 'Stop waiting (Synapse is left as it is)' },
        ],
        safeDefault: 'wait',
      });
      if (answer === 'stop') throw new AdminError('Stopped waiting for Synapse at your request.', { serverState: 'Synapse was restarted and has not answered yet' });
      lastLogChange = Date.now();
    }
    await pause(pollMs, opts.restartDone);
  }
}

/**
 * Waits `ms`; while the restart command runs, looks every few milliseconds whether it has returned, so the
 * first probe follows at once rather than up to a poll later (the bare `synctl restart && curl` has no such lag).
 */
async function pause(ms: number, restartDone: () => boolean): Promise<void> {
  if (restartDone()) return sleep(ms);
  const until = Date.now() + ms;
  while (!restartDone() && Date.now() < until) await sleep(Math.min(5, until - Date.now()));
}
