import { join } from 'node:path';
import { inspectJob, jobStateText } from '../system/jobs.js';
import { outageInLog } from '../system/log-times.js';
import type { Journal } from '../system/journal.js';
import { clearSessionTmp } from '../system/session-tmp.js';
import type { FlowStep, SessionContext } from './context.js';
import { applyDone, recheck } from './resume-check.js';
import { decideResume } from './resume-decision.js';
import type { ResumeState } from './resume.js';

/** When the interrupted session launched its restart command (the outage began then), if it did. */
function restartBegan(journal: Journal): number | undefined {
  const entry = journal.steps.find((s) => s.id === 'restart');
  if (!entry?.startedAt || !(entry.job || entry.jobs?.length)) return undefined;
  const at = Date.parse(entry.startedAt);
  return Number.isFinite(at) ? at : undefined;
}

/** Whether a command of the interrupted session still runs (it may be using the session's temporary folder). */
async function commandStillRuns(journal: Journal, sessionDir: string): Promise<boolean> {
  const records = journal.steps.flatMap((s) => s.jobs ?? (s.job ? [s.job] : []));
  const states = await Promise.all(records.map((record) => inspectJob(join(sessionDir, record.dir))));
  return states.some((state) => state.state === 'running');
}

/** The pids of the interrupted session's commands that still run, with their supervisors (the resumed run follows them). */
async function stillRunning(journal: Journal, sessionDir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of journal.steps.filter((s) => s.status === 'running')) {
    for (const record of entry.jobs ?? (entry.job ? [entry.job] : [])) {
      const state = await inspectJob(join(sessionDir, record.dir));
      if (state.state === 'running') pids.push(state.started.pid, ...(state.supervised ? [state.started.supervisorPid] : []));
    }
  }
  return pids;
}

/**
 * Runs the flow. For a resumed session, each step is first checked: a step whose command still runs is
 * re-attached (its output followed until it ends); a step whose effect is already there (its resume rule, judged
 * by engine/resume-decision.ts on what engine/resume-check.ts reads) is not run again; a step whose commands ended
 * while the wizard was away takes their recorded results instead of running them again (the runner matches them
 * by their exact command).
 */
export async function runFlow(flow: readonly FlowStep[], ctx: SessionContext, resume: ResumeState | undefined): Promise<void>;
/** A flow that is never resumed step by step (a rollback re-plans from what it finds, engine/rollback.ts): each step in order. */
export async function runFlow<C>(flow: readonly FlowStep<C>[], ctx: C): Promise<void>;
export async function runFlow<C>(flow: readonly FlowStep<C>[], ctx: C, resume?: ResumeState): Promise<void> {
  if (!resume) {
    for (const step of flow) await step.run(ctx);
    return;
  }
  // Only the upgrade's flow is resumed (the first signature).
  await resumeFlow(flow as unknown as readonly FlowStep[], ctx as unknown as SessionContext, resume);
}

/** The upgrade's flow, resumed: see runFlow. */
async function resumeFlow(flow: readonly FlowStep[], ctx: SessionContext, resume: ResumeState): Promise<void> {
  const { emit } = ctx.deps;
  const { journal } = resume;
  const installed = ctx.picture.install.installedVersion;
  const answering = ctx.picture.running.ok ? `Synapse answers ${ctx.picture.running.answer.version}` : 'Synapse does not answer';
  emit({
    type: 'message',
    level: 'info',
    text: `Resuming the upgrade ${journal.from ?? '?'} → ${ctx.decision.target}. Now: matrix-synapse ${installed} is installed; ${answering}.`,
  });
  const began = restartBegan(journal);
  if (began !== undefined) ctx.restartBegan = began;
  const down = journal.serverDownAt !== undefined ? Date.parse(journal.serverDownAt) : NaN;
  if (Number.isFinite(down)) ctx.serverDownAt = down;
  // Killed before it saw Synapse stop answering: the log says when the old process closed its listener.
  else if (began !== undefined) ctx.serverDownAt = (await outageInLog(ctx.picture.logFile, ctx.picture.url, began, Date.now())).closedAt;
  // Its commands still running are the resumed run's to follow: the checks before them must not take them for strangers.
  ctx.followed = await stillRunning(journal, ctx.sessionDir);
  // A pip killed with the wizard left its pip-* folders in the session's temporary folder: emptied, unless still in use.
  if (!(await commandStillRuns(journal, ctx.sessionDir))) await clearSessionTmp(ctx.sessionDir);
  if (journal.acknowledgedNotes?.length) ctx.summary.push(`Notes acknowledged before the interruption: ${journal.acknowledgedNotes.join(', ')}.`);
  for (const step of flow) {
    const entry = journal.steps.find((s) => s.id === step.id);
    const records = entry?.status === 'running' ? (entry.jobs ?? (entry.job ? [entry.job] : [])) : [];
    const jobs = await Promise.all(records.map(async (record) => ({ record, state: await inspectJob(join(ctx.sessionDir, record.dir)) })));
    const adoptable = jobs.filter((j) => j.state.state === 'running' || j.state.state === 'exited');
    const live = jobs.find((j) => j.state.state === 'running');
    if (live && live.state.state === 'running') {
      emit({
        type: 'message',
        level: 'info',
        text: `The command of "${step.title}" kept running while the wizard was away (pid ${live.state.started.pid}): re-attaching to it.`,
      });
      for (const j of adoptable) ctx.runner.adopt(j.record);
      await step.run(ctx);
      continue;
    }
    const waitedAt = journal.steps.find((s) => s.id === 'wait' && s.status === 'done')?.endedAt;
    const decision = decideResume({ rule: step.resume, target: ctx.decision.target, entry, waitedAt, facts: await recheck(step.resume, ctx) });
    if (decision.kind === 'done') {
      await applyDone(decision, ctx, journal);
      if (entry?.status === 'done' || entry?.status === 'skipped') {
        emit({ type: 'step.finished', step: step.id, status: entry.status, summary: `${decision.why} (before the interruption)` });
      } else {
        await ctx.tracker.done(step.id, `${decision.why}: not run again`);
      }
      continue;
    }
    const last = jobs.at(-1);
    if (last && last.state.state === 'exited') {
      emit({
        type: 'message',
        level: 'info',
        text: `The command of "${step.title}" ${jobStateText(last.state)} while the wizard was away: taking its result.`,
      });
    }
    for (const j of adoptable) ctx.runner.adopt(j.record);
    await step.run(ctx);
  }
}
