import { readFile } from 'node:fs/promises';
import type { ResumeRule } from '../core/steps.js';
import { sameVersion } from '../core/version.js';
import type { ProcessWatch } from '../methods/types.js';
import { probeServerVersion } from '../system/http.js';
import { outageInLog } from '../system/log-times.js';
import type { Journal } from '../system/journal.js';
import { isSameProcessAlive } from '../system/proc-identity.js';
import type { SessionContext } from './context.js';
import type { ResumeDecision, ResumeFacts } from './resume-decision.js';
import { waitUntilReady } from './wait-ready.js';
import { workersAnswer } from './workers-only.js';

/** Whether the process in Synapse's pid file runs: 'gone' only when there is a pid file and nothing alive behind it. */
async function serverPid(pidFile: string | undefined, watch?: ProcessWatch): Promise<'alive' | 'gone' | 'unknown'> {
  if (watch) {
    const running = await watch.running();
    return running === undefined ? 'unknown' : running ? 'alive' : 'gone';
  }
  if (!pidFile) return 'unknown';
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  return Number.isInteger(pid) && pid > 0 && isSameProcessAlive({ pid }) ? 'alive' : 'gone';
}

/** The re-checks: reads on the real system what a step's resume rule needs. Decides nothing (resume-decision.ts). */
export async function recheck(rule: ResumeRule, ctx: SessionContext): Promise<ResumeFacts> {
  const target = ctx.decision.target;
  switch (rule) {
    case 'target-installed':
      return { installed: await ctx.method.installedVersion(ctx.picture.install).catch(() => undefined) };
    case 'target-answers': {
      // A workers-only host: the restart's effect is there when every worker answers the target.
      if (ctx.opts.workersOnly) return workersAnswer(ctx.picture.install.workers, target);
      const probe = await probeServerVersion(ctx.picture.url, 3000);
      const answer = probe.ok ? probe.answer : undefined;
      return answer && sameVersion(answer.version, target)
        ? { answer }
        : { answer, serverProcess: await serverPid(ctx.picture.pidFile, ctx.picture.processWatch) };
    }
    default:
      return {};
  }
}

/** Puts back in the session what a step counted as done leaves for the later ones. */
export async function applyDone(decision: Extract<ResumeDecision, { kind: 'done' }>, ctx: SessionContext, journal: Journal): Promise<void> {
  const then = decision.then;
  if (!then) return;
  if (then.kind === 'backup') {
    if (journal.backup) ctx.backup = journal.backup;
    return;
  }
  const now = Date.now();
  const began = ctx.restartBegan ?? now;
  if (then.kind === 'answering') {
    // Back before the interruption: the wait step recorded when. Back while the wizard was away: at the latest now.
    const downSince = ctx.restartBegan !== undefined ? (ctx.serverDownAt ?? ctx.restartBegan) : undefined;
    let readyAt = then.readyAt ?? now;
    if (then.readyAt === undefined && downSince !== undefined) {
      // Back while the wizard was away: when its log says the listener opened again, else at the latest now.
      const opened = (await outageInLog(ctx.picture.logFile, ctx.picture.url, downSince, now)).openedAt;
      if (opened !== undefined) readyAt = opened;
      ctx.summary.push(
        opened !== undefined
          ? `Synapse came back while the wizard was away: the downtime counts until its log says it listened again (${new Date(opened).toISOString()}).`
          : 'Synapse came back while the wizard was away: the downtime counts until the resumed wizard saw it answer.',
      );
    }
    ctx.restart = { startedAt: began, ready: Promise.resolve({ readyAt, answer: then.answer, downSince }) };
    return;
  }
  const { picture, deps } = ctx;
  const ready = waitUntilReady({
    url: picture.url,
    logFile: picture.logFile,
    pidFile: picture.pidFile,
    processWatch: picture.processWatch,
    emit: deps.emit,
    ask: deps.ask,
    restartDone: () => true,
    startedAt: began,
    downSince: ctx.serverDownAt ?? began,
  });
  ready.catch(() => {}); // observed by the wait step
  ctx.restart = { startedAt: began, ready };
}
