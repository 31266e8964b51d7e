import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AdminError, ExitCode } from '../core/errors.js';
import type { InstallSummary, Outcome, Result } from '../core/events.js';
import { stepTitle, type StepId } from '../core/steps.js';
import { sameVersion } from '../core/version.js';
import type { TargetDecision } from '../core/target.js';
import { writeFileAtomic } from '../system/atomic-write.js';
import { inspectJob, JOB_FILES, jobStateText, type JobState } from '../system/jobs.js';
import { readJournal, type Journal, type JournalStep } from '../system/journal.js';
import { acquireLock, describeHolder, type HeldLock } from '../system/lock.js';
import { lockHomeserver } from '../system/homeserver-lock.js';
import { reserveStateRoom } from '../system/state-reserve.js';
import { shellQuote } from '../system/redact.js';
import type { RunningCommand } from '../system/runner.js';
import { ensureStateRoom } from '../system/state-room.js';
import type { WizardDeps, WizardOptions } from './context.js';
import type { StepTracker } from './step-tracker.js';
import type { SessionControl } from './control.js';
import { recordedSessions, severalRecorded } from './recorded.js';
import { SessionRecorder } from './recorder.js';

/** A session that did not reach an end: killed, hung up, or left with its command running. */
export const isUnfinished = (journal: Journal): boolean => !journal.dryRun && (journal.outcome === undefined || journal.outcome === 'interrupted');

/**
 * A session that failed after installing its target, which Synapse does not serve yet (the new version's config was
 * refused and no rollback was done, or a resumed run failed): `synapse-upgrade resume` carries it on through the
 * checks and the restart rather than saying there is nothing to resume.
 */
export const leftHalfway = (journal: Journal, install: InstallSummary): boolean =>
  !journal.dryRun &&
  journal.outcome === 'failed' &&
  journal.to !== undefined &&
  sameVersion(install.installedVersion, journal.to) &&
  !(install.runningVersion !== undefined && sameVersion(install.runningVersion, journal.to));

/** Where an unfinished session stands, as shown before resuming and by `status`. */
export interface Interruption {
  sessionId: string;
  from: string | undefined;
  to: string | undefined;
  startedAt: string;
  /** The step that was running, or the last one recorded. */
  step: StepId | undefined;
  stepStatus: JournalStep['status'] | undefined;
  title: string | undefined;
  command: string[] | undefined;
  /** When the wizard was last heard of: the interruption it recorded, else the journal's last write. */
  lastSeen: string;
  /** `SIGHUP`, … when the wizard recorded why it left; undefined when it was killed outright. */
  reason: string | undefined;
  job: JobState | undefined;
  jobDir: string | undefined;
  output: string | undefined;
}

export async function describeInterruption(sessionDir: string, journal: Journal): Promise<Interruption> {
  const running = [...journal.steps].reverse().find((s) => s.status === 'running');
  const last = running ?? journal.steps.at(-1);
  const jobDir = running?.job ? join(sessionDir, running.job.dir) : undefined;
  const job = jobDir ? await inspectJob(jobDir) : undefined;
  const interrupted = [...(journal.events ?? [])].reverse().find((e) => e.kind === 'interrupted');
  return {
    sessionId: journal.sessionId,
    from: journal.from,
    to: journal.to,
    startedAt: journal.startedAt,
    step: last?.id,
    stepStatus: last?.status,
    title: last ? stepTitle(last.id) : undefined,
    command: running?.command,
    lastSeen: interrupted && interrupted.at > journal.updatedAt ? interrupted.at : journal.updatedAt,
    reason: interrupted?.reason,
    job,
    jobDir,
    output: jobDir ? join(jobDir, JOB_FILES.output) : undefined,
  };
}

export const ago = (iso: string | undefined, now = Date.now()): string => {
  const ms = iso ? now - Date.parse(iso) : NaN;
  if (!Number.isFinite(ms)) return 'a while';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return s < 172_800 ? `${Math.round(s / 3600)} h` : `${Math.round(s / 86_400)} days`;
};

/** The picture in lines: what was being done, how long ago, and what became of its command. */
export function interruptionLines(i: Interruption, now = Date.now()): string[] {
  const lines = [`Unfinished upgrade ${i.from ?? '?'} → ${i.to ?? '?'}, started ${ago(i.startedAt, now)} ago (session ${i.sessionId.slice(0, 8)}).`];
  if (i.stepStatus === 'running') {
    lines.push(`It stopped in the step "${i.title}", ${ago(i.lastSeen, now)} ago${i.reason ? ` (${i.reason})` : ' (the wizard was killed or lost)'}.`);
  } else if (i.step) {
    lines.push(`Its last recorded step, "${i.title}", is ${i.stepStatus}; it stopped ${ago(i.lastSeen, now)} ago${i.reason ? ` (${i.reason})` : ''}.`);
  }
  if (i.command) lines.push(`Command: ${i.command.map(shellQuote).join(' ')}`);
  if (i.job) lines.push(`That command ${jobStateText(i.job, now)}.${i.output ? ` Output: ${i.output}` : ''}`);
  else if (i.command) lines.push('That command had not been started.');
  return lines;
}

/** Ends the session at once with this outcome and exit code (the message is the result's first line). */
export class SessionEnded extends AdminError {
  constructor(
    message: string,
    readonly outcome: Outcome,
    exitCode: (typeof ExitCode)[keyof typeof ExitCode],
    extra: { serverState?: string; nextStep?: string } = {},
  ) {
    super(message, { exitCode, code: 'session-ended', ...extra });
  }
}

/**
 * "Roll back" at the resume question: given to openSession by the wizard (engine/rollback-session.ts), it is then
 * offered next to Resume and Abandon. It gets the interrupted session and the lock is held while it runs; it ends
 * the session by returning the outcome, exit code and result lines.
 */
export type RollbackFromResume = (input: {
  sessionDir: string;
  journal: Journal;
  opts: WizardOptions;
  deps: WizardDeps;
}) => Promise<{ outcome: Outcome; exitCode: (typeof ExitCode)[keyof typeof ExitCode]; lines: string[] }>;

export interface ResumeState {
  journal: Journal;
  interruption: Interruption;
}

export interface OpenedSession {
  recorder: SessionRecorder;
  lock: HeldLock | undefined;
  /** Set when this run carries on an interrupted session. */
  resume: ResumeState | undefined;
}

/**
 * Opens the session of this run: takes the homeserver's lock (a live one refuses, a stale one is taken over),
 * loads the journal (a damaged or future one is a clear error and stays as it is), and when the last session
 * is unfinished shows where it stopped and asks Resume / Abandon (`synapse-upgrade resume` resumes at once).
 */
export async function openSession(input: {
  opts: WizardOptions;
  deps: WizardDeps;
  sessionDir: string;
  install: InstallSummary;
  rollback?: RollbackFromResume;
}): Promise<OpenedSession> {
  const { opts, deps, sessionDir, install, rollback } = input;
  const warn = (text: string): void => deps.emit({ type: 'message', level: 'warn', text });
  const only = opts.resume === 'only';
  if (opts.dryRun) {
    const journal = await readJournal(sessionDir);
    if (journal && isUnfinished(journal))
      warn(
        `An unfinished upgrade ${journal.from ?? '?'} → ${journal.to ?? '?'} is recorded; this dry run leaves it as it is (synapse-upgrade resume carries it on).`,
      );
    return { recorder: new SessionRecorder(sessionDir, true, install), lock: undefined, resume: undefined };
  }
  // One wizard per homeserver (whatever its state folder or spelling of the config path), then per state folder.
  const homeserver = install.configPaths[0]
    ? await lockHomeserver(install.configPaths[0], { stateDir: sessionDir, command: only ? 'resume' : 'wizard' })
    : undefined;
  let folderLock: HeldLock;
  try {
    folderLock = acquireLock(sessionDir, only ? 'resume' : 'wizard');
  } catch (error) {
    homeserver?.release();
    throw error;
  }
  const lock: HeldLock = {
    ...folderLock,
    release: () => {
      folderLock.release();
      homeserver?.release();
    },
  };
  try {
    if (lock.tookOver) warn(`A lock left by a synapse-upgrade that is gone (${describeHolder(lock.tookOver)}) was stale; this run took it over.`);
    // Temp files of journal writes cut short by a kill (the journal itself is always whole): ours to clear now.
    for (const name of await readdir(sessionDir).catch(() => [] as string[])) {
      if (/^\.journal\.json\.\d+\.[0-9a-f]+\.tmp$/.test(name)) await rm(join(sessionDir, name), { force: true });
    }
    const journal = await readJournal(sessionDir);
    await ensureStateRoom(sessionDir, 'the upgrade');
    await reserveStateRoom(sessionDir); // room for the journal should the folder fill up mid-upgrade
    if (!journal || (!isUnfinished(journal) && !(only && leftHalfway(journal, install)))) {
      if (only)
        throw new SessionEnded(
          `Nothing to resume: ${journal ? `the last session ended (${journal.outcome})` : 'no upgrade session is recorded'} for this homeserver.`,
          'aborted',
          ExitCode.ok,
        );
      return { recorder: new SessionRecorder(sessionDir, false, install), lock, resume: undefined };
    }
    if (!journal.to) {
      // Stopped before a target was chosen: nothing had changed, there is nothing to carry on.
      deps.emit({
        type: 'message',
        level: 'info',
        text: 'The last session stopped before a target version was chosen; nothing had changed. Starting a new session.',
      });
      if (only)
        throw new SessionEnded(
          'Nothing to resume: the last session stopped before a target version was chosen, and nothing had changed.',
          'aborted',
          ExitCode.ok,
        );
      return { recorder: new SessionRecorder(sessionDir, false, install), lock, resume: undefined };
    }
    const interruption = await describeInterruption(sessionDir, journal);
    const lines = interruptionLines(interruption);
    // Shown once: as the question's details when asking, as messages when `resume` carries on without asking.
    if (only) for (const line of lines) deps.emit({ type: 'message', level: 'warn', text: line });
    if (opts.target && !only && opts.target !== 'latest' && opts.target !== journal.to && opts.yes) {
      for (const line of lines) deps.emit({ type: 'message', level: 'warn', text: line });
      throw new AdminError(`An unfinished upgrade to ${journal.to} is recorded; --target ${opts.target} asks for another version.`, {
        exitCode: ExitCode.usage,
        serverState: 'this run changed nothing',
        nextStep: `Finish it first (synapse-upgrade resume --yes), or run synapse-upgrade in a terminal and choose Abandon.`,
      });
    }
    const running = interruption.job?.state === 'running';
    let choice = 'resume';
    if (!only) {
      choice = await deps.ask({
        id: 'resume',
        text: `An upgrade to ${journal.to} was interrupted. Carry it on?`,
        details: lines,
        choices: [
          {
            value: 'resume',
            label: running ? 'Resume: follow the running command, then finish the upgrade' : 'Resume: check what is already done, then finish the upgrade',
          },
          ...(rollback ? [{ value: 'rollback', label: `Roll back to ${journal.from ?? 'the previous version'}` }] : []),
          running
            ? { value: 'quit', label: 'Quit: leave the command running (run synapse-upgrade again later)' }
            : { value: 'abandon', label: 'Abandon it: keep the server as it is now and start a new session' },
        ],
        safeDefault: 'resume',
      });
    }
    if (choice === 'quit')
      throw new SessionEnded('Left as it is: the command keeps running.', 'interrupted', ExitCode.interrupted, {
        nextStep: 'Run synapse-upgrade again (or synapse-upgrade resume) to follow it and finish.',
      });
    if (choice === 'rollback' && rollback) {
      const end = await rollback({ sessionDir, journal, opts, deps });
      throw new SessionEnded(end.lines[0] ?? 'Rolled back.', end.outcome, end.exitCode);
    }
    if (choice === 'abandon') {
      const archived = join(sessionDir, `journal-${journal.sessionId}.json`);
      const events = [...(journal.events ?? []), { at: new Date().toISOString(), kind: 'abandoned' as const, pid: process.pid }];
      await writeFileAtomic(archived, `${JSON.stringify({ ...journal, outcome: 'abandoned', events }, null, 2)}\n`);
      deps.emit({ type: 'message', level: 'info', text: `Abandoned; its journal is kept as ${archived}. Starting a new session from what is installed now.` });
      return { recorder: new SessionRecorder(sessionDir, false, install), lock, resume: undefined };
    }
    const recorder = new SessionRecorder(sessionDir, false, install, { resume: journal });
    journal.outcome = undefined;
    await recorder.event('resumed', interruption.step ? { step: interruption.step } : {});
    return { recorder, lock, resume: { journal, interruption } };
  } catch (error) {
    lock.release();
    throw error;
  }
}

/** The result lines of a session that was detached: where it stopped, and what still runs. */
export function detachedLines(
  reason: string,
  {
    step,
    running,
    transcriptPath,
    demo = false,
  }: { step: StepId | undefined; running: RunningCommand | undefined; transcriptPath: string | undefined; demo?: boolean },
): string[] {
  const lines = [`Interrupted (${reason})${step ? ` during "${stepTitle(step)}"` : ''}: the wizard stopped here, and the journal records where.`];
  if (demo) {
    // A demo is not resumed: its homeserver and commands are stopped as the wizard exits (cli/wizard-command.ts).
    lines.push('This was the demo: its homeserver and any command still running are stopped now.');
    lines.push('Next: run synapse-upgrade --demo to try it again from the start.');
    if (transcriptPath) lines.push(`Transcript: ${transcriptPath}`);
    return lines;
  }
  if (running) {
    lines.push(`The command keeps running on its own${running.pid ? ` (pid ${running.pid})` : ''}: ${running.argv.map(shellQuote).join(' ')}`);
    lines.push(`Its output goes to ${running.output}.`);
  } else {
    lines.push('No command was running.');
  }
  lines.push('Next: run synapse-upgrade again (or synapse-upgrade resume) to carry on from there; synapse-upgrade status shows where things stand.');
  if (transcriptPath) lines.push(`Transcript: ${transcriptPath}`);
  return lines;
}

/**
 * The handler a session registers with its SessionControl: records the interruption (step still running, its
 * job named) and ends with exit 3. Does nothing once the session has ended on its own.
 */
export function whenDetached(input: {
  tracker: StepTracker;
  control: SessionControl;
  transcriptPath: () => string | undefined;
  finish: (lines: string[]) => Promise<Result>;
  demo?: boolean;
}): (reason: string, running: RunningCommand | undefined) => Promise<Result | undefined> {
  return async (reason, running) => {
    const recorder = input.tracker.recorder;
    if (recorder && recorder.journal.outcome !== undefined && recorder.journal.outcome !== 'interrupted') return undefined;
    const step = input.tracker.current;
    await recorder?.interrupted(reason, step).catch(() => {});
    return input.finish(detachedLines(reason, { step, running, transcriptPath: input.transcriptPath(), demo: input.demo }));
  };
}

/** The target of a resumed session is the one recorded: shown as the target step, not asked again. */
export async function resumedTarget(tracker: StepTracker, resume: ResumeState): Promise<TargetDecision> {
  const to = resume.journal.to!;
  await tracker.done('target', `${resume.journal.from ?? '?'} → ${to} (the interrupted session's target)`);
  return { kind: 'upgrade', target: to };
}

/**
 * Without --venv or --config, an unfinished session recorded in the state folder says which install to look at:
 * `synapse-upgrade resume` (and `synapse-upgrade`) then find it even when nothing else would point there.
 * Only when exactly one homeserver has an unfinished session; damaged journals are left to the normal path.
 */
export async function recordedInstall(
  stateRoot: string,
  mode: 'ask' | 'only' = 'ask',
): Promise<Pick<WizardOptions, 'venv' | 'configPaths' | 'workersOnly'> | undefined> {
  const { sessions, damaged } = await recordedSessions(stateRoot);
  const found = sessions.filter(({ journal }) => isUnfinished(journal) && journal.to && journal.install?.configPaths.length);
  // `resume` with nothing else to go by: a journal it cannot read is the answer (a clear error, the file kept).
  if (mode === 'only' && found.length === 0 && damaged.length > 0) throw damaged[0];
  // Several unfinished sessions: `resume` never guesses which (the wizard itself asks through detection).
  if (mode === 'only' && found.length > 1) throw severalRecorded(found, 'resume');
  const only = found.length === 1 ? found[0]?.journal.install : undefined;
  if (!only) return undefined;
  return {
    ...(only.venv ? { venv: only.venv } : {}),
    configPaths: [...only.configPaths],
    // A workers-only session carries on as one (its main process's URL is recorded).
    ...(only.workersOnly ? { workersOnly: { mainUrl: only.workersOnly.mainUrl } } : {}),
  };
}
