import { join } from 'node:path';
import { AdminError, describeError, ExitCode } from '../core/errors.js';
import { stepTitle, UPGRADE_STEP_IDS } from '../core/steps.js';
import type { Outcome, Result } from '../core/events.js';
import { methodFor } from '../methods/registry.js';
import { createRunner } from '../system/runner.js';
import { homeserverKey, resolveStateRoot } from '../system/state-dir.js';
import { ensureTrustedFolder } from '../system/trusted-dir.js';
import { openTranscript, type Transcript } from '../system/transcript.js';
import { ensureWritableDir } from '../system/writable.js';
import type { SessionContext, WizardDeps, WizardOptions } from './context.js';
import { StepTracker } from './step-tracker.js';
import { FLOW } from './flow.js';
import { inspectServer, summarize, type ServerPicture } from './inspect.js';
import { faultPoint } from '../system/fault.js';
import type { HeldLock } from '../system/lock.js';
import { openSession, resumedTarget, SessionEnded, whenDetached, type ResumeState } from './resume.js';
import { runFlow } from './run-flow.js';
import { rollbackFromResume } from './rollback-session.js';
import { chooseInstallBy } from './choose-install.js';
import { describeInstall } from '../methods/registry.js';
import { checkAnswering } from './steps/answering.js';
import { offerRollbackAfterFailure } from './rollback.js';
import { chooseTarget } from './steps/target.js';
import { bringServerUp } from './server-up.js';
import { chooseWorkersTarget, inspectWorkerHost } from './worker-host.js';
import { holdInput, releaseLeftoverHold } from './restart-hold.js';
import { realSystem } from './system-helpers.js';

/** Finds the install; where there is none, an interactive admin may try the demo sandbox instead. */
async function detectOrDemo(opts: WizardOptions, deps: WizardDeps): Promise<{ picture: ServerPicture; options: WizardOptions }> {
  if (opts.workersOnly)
    return { picture: await inspectWorkerHost({ ...opts, mainUrl: opts.workersOnly.mainUrl, choose: chooseInstallBy(deps.ask) }), options: opts };
  try {
    return { picture: await inspectServer({ ...opts, choose: chooseInstallBy(deps.ask) }), options: opts };
  } catch (error) {
    if (!(error instanceof AdminError) || error.code !== 'no-install' || !deps.offerDemo || opts.yes) throw error;
    const demo = await deps.offerDemo(error.message);
    if (!demo) throw error;
    const options = { ...opts, ...demo };
    return { picture: await inspectServer({ ...options, choose: chooseInstallBy(deps.ask) }), options };
  }
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/**
 * The whole guided upgrade: detect, choose the target, then the FLOW steps in order, over
 * injected adapters. Never throws: every ending becomes a Result event the renderers show.
 */
export async function runWizard(opts: WizardOptions, deps: WizardDeps): Promise<Result> {
  const started = Date.now();
  const tracker = new StepTracker(deps.emit, deps.control ? () => deps.control!.gate() : undefined);
  let transcript: Transcript | undefined;
  let from: string | undefined;
  let to: string | undefined;
  let lock: HeldLock | undefined;
  let ctx: SessionContext | undefined;
  let rolledBack = false;
  let notesRefused: string[] = [];
  let resumed: ResumeState | undefined;
  const finish = async (outcome: Outcome, exitCode: number, lines: string[], downtimeMs?: number): Promise<Result> => {
    const workersVerified = ctx?.workersVerified;
    const result: Result = {
      outcome,
      exitCode,
      from,
      to,
      totalMs: Date.now() - started,
      downtimeMs,
      rolledBack,
      notesRefused,
      ...(opts.workersOnly ? { workersVerified: workersVerified ?? [] } : {}),
      lines,
    };
    await tracker.recorder?.finish(outcome).catch(() => {});
    await transcript?.close();
    lock?.release();
    deps.emit({ type: 'result', result });
    return result;
  };
  try {
    tracker.announce(UPGRADE_STEP_IDS);
    await tracker.start('detect');
    const { picture, options } = await detectOrDemo(opts, deps);
    from = picture.install.installedVersion;
    const summary = summarize(picture);
    deps.emit({ type: 'detected', install: summary });
    const sessionDir = join(resolveStateRoot(options.stateDir), homeserverKey(picture.serverName, picture.install.configPaths[0] ?? ''));
    await ensureWritableDir(sessionDir);
    await ensureTrustedFolder(sessionDir, 'state folder', '--state-dir');
    // The lock, the journal of an unfinished session and the resume question (engine/resume.ts).
    const session = await openSession({ opts, deps, sessionDir, install: summary, rollback: rollbackFromResume });
    lock = session.lock;
    tracker.recorder = session.recorder;
    resumed = session.resume;
    if (resumed) from = resumed.journal.from ?? from;
    transcript = openTranscript(tracker.recorder.journal.transcript);
    if (deps.control)
      deps.control.onDetach(
        whenDetached({
          tracker,
          control: deps.control,
          transcriptPath: () => transcript?.path,
          finish: (lines) => finish('interrupted', ExitCode.interrupted, lines),
          demo: options.demo === true,
        }),
      );
    deps.emit({
      type: 'session.started',
      sessionId: tracker.recorder.journal.sessionId,
      dryRun: opts.dryRun,
      stateDir: sessionDir,
      ...(resumed ? { resumed: true } : {}),
    });
    await tracker.done('detect', `Synapse ${picture.install.installedVersion} (${picture.install.method}) at ${describeInstall(picture.install).location}`);
    if (!resumed) await checkAnswering(picture, deps);

    const decision = resumed
      ? await resumedTarget(tracker, resumed)
      : opts.workersOnly
        ? await chooseWorkersTarget(opts, tracker, picture)
        : await chooseTarget({ opts, deps, tracker, picture });
    to = decision.target;
    if (!resumed) await tracker.recorder.setTarget(to);
    if (decision.kind === 'already-current') return finish('already-current', ExitCode.ok, [`Already at ${to}: nothing to do.`], 0);

    ctx = {
      opts,
      deps,
      tracker,
      picture,
      decision,
      from,
      sessionDir,
      method: methodFor(picture.install),
      runner: createRunner({
        dryRun: opts.dryRun,
        transcript,
        emit: deps.emit,
        outputEvents: 'read',
        sessionDir,
        session: tracker.recorder.journal.sessionId,
        step: () => tracker.current,
        onJob: (job) => tracker.recorder!.setJob(tracker.current, job),
        onLaunched: (job) => {
          faultPoint(`${tracker.current}:spawned`);
          faultPoint(`${tracker.current}:spawned:${job.argv.slice(0, 2).join(' ')}`, { onlyNamed: true });
        },
        ...(deps.control ? { gate: () => deps.control!.gate() } : {}),
      }),
      system: realSystem,
      transcriptPath: transcript.path,
      summary: [],
    };
    deps.control?.attach(ctx.runner);
    // A restart hold a killed run left in place is lifted first (unless that run's command still runs: it re-attaches).
    if (resumed?.interruption.job?.state !== 'running') await releaseLeftoverHold(holdInput(ctx));
    await runFlow(FLOW, ctx, resumed);
    const done = ctx;

    if (opts.dryRun) return finish('dry-run', ExitCode.ok, [`Dry run: nothing was changed. The plan above would upgrade ${from} to ${to}.`, ...done.summary]);
    return finish(
      'upgraded',
      ExitCode.ok,
      [
        `Synapse now runs ${to} (was ${from}), checked at ${picture.url}.`,
        `Downtime ${seconds(done.downtimeMs ?? 0)}; total ${seconds(Date.now() - started)}.`,
        ...done.summary,
      ],
      done.downtimeMs,
    );
  } catch (error) {
    const lines = describeError(error);
    if (error instanceof AdminError && error.notes) notesRefused = [...error.notes];
    // The step that failed already put the old version back (a config the new code rejects).
    if (error instanceof AdminError && error.code === 'rolled-back') rolledBack = true;
    // Detached (SIGHUP, SIGTERM, "leave it running"): the control's handler writes the journal and the result.
    if (error instanceof AdminError && error.code === 'interrupted' && deps.control) return deps.control.ended;
    if (error instanceof SessionEnded) return finish(error.outcome, error.exitCode, lines);
    if (error instanceof AdminError && error.code === 'stopped') return finish('aborted', error.exitCode, lines);
    const failedAt = tracker.current;
    await tracker.fail(lines[0] ?? 'failed');
    // A resumed run that stops before it is back where the interruption was (a re-check refuses: another process
    // holds apt's lock, the disk is full) changed nothing itself: the session stays unfinished, to be resumed again.
    const stoppedAt = resumed?.interruption.step;
    if (resumed && stoppedAt && failedAt && UPGRADE_STEP_IDS.indexOf(failedAt) < UPGRADE_STEP_IDS.indexOf(stoppedAt)) {
      await tracker.recorder?.interrupted(`a resumed run stopped at "${stepTitle(failedAt)}"`, stoppedAt).catch(() => {});
      if (ctx) lines.push(...(await bringServerUp(ctx).catch(() => [])));
      lines.push(
        `The interrupted upgrade to ${to} stays recorded as it was (stopped in "${stepTitle(stoppedAt)}"); this run did not carry it further. Once the cause is fixed, synapse-upgrade resume carries it on.`,
      );
      if (transcript?.path) lines.push(`Full transcript: ${transcript.path}`);
      return finish('interrupted', error instanceof AdminError ? error.exitCode : ExitCode.failed, lines);
    }
    // A failure after the restart began: offer the rollback at once (automatic with --yes; exit stays 1).
    if (ctx) {
      const rollback = await offerRollbackAfterFailure(ctx, lines[0] ?? 'failed');
      rolledBack = rollback.rolledBack;
      lines.push(...rollback.lines);
    }
    // Whatever happened, a Synapse the wizard stopped is not left down (server-up.ts).
    if (ctx) lines.push(...(await bringServerUp(ctx).catch(() => [])));
    if (transcript?.path) lines.push(`Full transcript: ${transcript.path}`);
    return finish('failed', error instanceof AdminError ? error.exitCode : ExitCode.failed, lines);
  }
}
