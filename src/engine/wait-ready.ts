import { readFile, stat } from 'node:fs/promises';
import { AdminError } from '../core/errors.js';
import type { Ask, Emit } from '../core/events.js';
import { labelHarmlessShutdown, migrationProgress, shortLogLine } from '../core/log-progress.js';
import type { ServerVersionAnswer } from '../core/server-version.js';
import { probeServerVersion } from '../system/http.js';
import { lastLines } from '../system/log-tail.js';
import { isProcessAlive } from '../system/proc.js';
import type { ProcessWatch } from '../methods/types.js';

export interface WaitOptions {
  url: string;
  logFile: string | undefined;
  pidFile: string | undefined;
  /** The method's own word on whether Synapse runs (Docker: the container's state), instead of the pid file. */
  processWatch?: ProcessWatch | undefined;
  emit: Emit;
  ask: Ask;
  /** Whether the restart command has returned (a dead server only counts after that). */
  restartDone: () => boolean;
  startedAt: number;
  /**
   * When the outage began, if an earlier run saw it (a resumed session): used when the first probe already
   * finds Synapse down. Without it the outage counts from the first failed probe.
   */
  downSince?: number;
  /** Told when the wizard sees Synapse stop answering (so the outage's start is journaled at once). */
  onDown?: (at: number) => void;
  pollMs?: number;
  /** How long without a new log line before asking whether to keep waiting. */
  stallMs?: number;
  /** How long the server may be gone (no process, no answer) after the restart before giving up. */
  deadMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether Synapse's process runs: the method's own word when it has one (Docker: the container's state), else the process in the pid file. */
export async function serverProcessAlive(pidFile: string | undefined, watch?: ProcessWatch): Promise<boolean | undefined> {
  if (watch) return watch.running();
  if (!pidFile) return undefined;
  const text = await readFile(pidFile, 'utf8').catch(() => undefined);
  const pid = Number(text?.trim());
  return Number.isInteger(pid) && pid > 0 ? isProcessAlive(pid) : false;
}

/** Synapse answers again: when, and since when it had not (the outage the admin's users saw). */
export interface ReadyAnswer {
  answer: ServerVersionAnswer;
  readyAt: number;
  /** The start of the outage: the first of the failed probes before the answer (or the recorded one on a resume). */
  downSince: number | undefined;
}

/** The downtime users saw: from the first unanswered probe to the answer (0 when no probe went unanswered). */
export const downtimeOf = (ready: Pick<ReadyAnswer, 'readyAt' | 'downSince'>): number => Math.max(0, ready.readyAt - (ready.downSince ?? ready.readyAt));

/**
 * Polls the version endpoint until Synapse answers. There is no fixed time-out: a migration
 * may take hours. It gives up only when the server process is gone, and asks when the log stalls.
 * The polling starts with the restart command: while the old process still answers, the outage has
 * not begun (it begins with the first unanswered probe, and ends with the first answer after the last
 * unanswered one); the wait itself ends only once the restart command has returned and Synapse answers.
 */
export async function waitUntilReady(opts: WaitOptions): Promise<ReadyAnswer> {
  const pollMs = opts.pollMs ?? 50;
  const stallMs = opts.stallMs ?? 15 * 60_000;
  const deadMs = opts.deadMs ?? 8_000;
  let lastReport = 0;
  let goneSince: number | undefined;
  let lastLogSize = -1;
  let lastLogChange = Date.now();
  // Only what Synapse logs after the restart began is shown: older lines describe the old process.
  const logStart = opts.logFile
    ? await stat(opts.logFile).then(
        (s) => s.size,
        () => 0,
      )
    : 0;
  // The outage is the last run of unanswered probes: from its first probe to the first answer after it.
  let downSince: number | undefined;
  let upSince: number | undefined;
  let seenUp = false;
  for (;;) {
    const sent = Date.now();
    const done = opts.restartDone();
    // While the restart command runs, an answer may still come from the old process: it only counts as
    // Synapse being back (the outage's end) after a failed probe, and the wait ends once the command returned.
    const probe = await probeServerVersion(opts.url, done ? 2000 : 1000);
    if (probe.ok) {
      if (downSince !== undefined) upSince ??= Date.now();
      seenUp = true;
      if (done) return { answer: probe.answer, readyAt: upSince ?? Date.now(), downSince };
    } else if (downSince === undefined || upSince !== undefined) {
      downSince = !seenUp && opts.downSince !== undefined ? opts.downSince : sent;
      upSince = undefined;
      opts.onDown?.(downSince);
    }
    const now = Date.now();
    const size = opts.logFile
      ? await stat(opts.logFile).then(
          (s) => s.size,
          () => -1,
        )
      : -1;
    if (size !== lastLogSize) {
      lastLogSize = size;
      lastLogChange = now;
    }
    if (now - lastReport >= 1000) {
      lastReport = now;
      const lines = opts.logFile ? await lastLines(opts.logFile, 400, logStart) : [];
      opts.emit({
        type: 'waiting',
        elapsedMs: now - opts.startedAt,
        logLines: labelHarmlessShutdown(lines).slice(-8).map(shortLogLine),
        progress: migrationProgress(lines),
      });
    }
    if (opts.restartDone() && !probe.ok && !probe.reachable) {
      const alive = await serverProcessAlive(opts.pidFile, opts.processWatch);
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
      if (answer === 'stop')
        throw new AdminError('Stopped waiting for Synapse at your request.', { serverState: 'Synapse was restarted and has not answered yet' });
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
