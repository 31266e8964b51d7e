import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { InstallSummary, Outcome } from '../core/events.js';
import { AdminError, ExitCode } from '../core/errors.js';
import { describeStep, type StepId, type StepStatus } from '../core/steps.js';
import { faultPoint } from '../system/fault.js';
import type { JobRecord } from '../system/jobs.js';
import { ensureStateRoom, type FreeBytes } from '../system/state-room.js';
import { isFullDisk, releaseStateRoom } from '../system/state-reserve.js';
import type { BackupRecord } from '../system/backup.js';
import { JOURNAL_FORMAT, journalPath, writeJournal, type Journal, type JournalEvent, type JournalStep } from '../system/journal.js';

/**
 * Keeps the journal of one session up to date: written before a step starts (with its exact
 * command) and after it ends. A dry run keeps its journal in memory only.
 */
export class SessionRecorder {
  readonly journal: Journal;
  /** Saves run one after another, so an older state never lands after a newer one. */
  private saving: Promise<void> = Promise.resolve();
  /** Once the session is interrupted, nothing more is written (a step still finishing in the background must not). */
  private sealed = false;
  private readonly freeBytes: FreeBytes | undefined;

  /** `options.resume`: carry on the journal of an interrupted session instead of starting a new one. */
  constructor(
    readonly sessionDir: string,
    readonly dryRun: boolean,
    install: InstallSummary,
    options: { resume?: Journal; freeBytes?: FreeBytes } = {},
  ) {
    const now = new Date().toISOString();
    this.freeBytes = options.freeBytes;
    this.journal = options.resume ?? {
      format: JOURNAL_FORMAT,
      sessionId: randomUUID(),
      startedAt: now,
      updatedAt: now,
      dryRun,
      install,
      from: install.installedVersion,
      to: undefined,
      steps: [],
      acknowledgedNotes: [],
      outcome: undefined,
      transcript: join(sessionDir, dryRun ? 'dry-run-transcript.log' : 'transcript.log'),
    };
  }

  async setTarget(to: string): Promise<void> {
    this.journal.to = to;
    await this.save();
  }

  async setNotes(acknowledged: string[]): Promise<void> {
    this.journal.acknowledgedNotes = acknowledged;
    await this.save();
  }

  async setAcceptedFixes(noteIds: string[]): Promise<void> {
    this.journal.acceptedFixes = noteIds;
    await this.save();
  }

  async setConfigFixes(writes: { path: string; backup: string }[]): Promise<void> {
    this.journal.configFixes = writes.map((w) => ({ path: w.path, backup: w.backup }));
    await this.save();
  }

  async setBackup(backup: BackupRecord): Promise<void> {
    this.journal.backup = backup;
    await this.save();
  }

  async step(id: StepId, status: StepStatus, extra: Partial<JournalStep> = {}): Promise<void> {
    const step = describeStep(id);
    if (status === 'running' && step.changesServer && !this.dryRun) {
      await ensureStateRoom(this.sessionDir, `the step "${step.title}"`, ...(this.freeBytes ? [this.freeBytes] : []));
    }
    const now = new Date().toISOString();
    const existing = this.journal.steps.find((s) => s.id === id);
    const timing = status === 'running' ? { startedAt: now } : { endedAt: now };
    if (existing) Object.assign(existing, { status, ...timing, ...extra });
    else this.journal.steps.push({ id, status, ...timing, ...extra });
    await this.save();
    faultPoint(`${id}:${status}`);
  }

  /** The job of a step's command, recorded before the command starts (see system/runner.ts). */
  async setJob(id: StepId | undefined, job: JobRecord): Promise<void> {
    const step = id ? this.journal.steps.find((s) => s.id === id) : undefined;
    if (!step) return;
    step.job = job;
    step.jobs = [...(step.jobs ?? []), job];
    await this.save();
  }

  /** The outage's start, written as soon as the wizard sees it (a killed wizard's resume still knows it). */
  async serverDown(at: number): Promise<void> {
    this.journal.serverDownAt = new Date(at).toISOString();
    await this.save();
  }

  async event(kind: JournalEvent['kind'], extra: { reason?: string; step?: StepId } = {}): Promise<void> {
    (this.journal.events ??= []).push({ at: new Date().toISOString(), kind, ...extra, pid: process.pid });
    await this.save();
  }

  /** Records that the wizard left while `step` was running (its command, if any, carries on), then writes nothing more. */
  async interrupted(reason: string, step: StepId | undefined): Promise<void> {
    (this.journal.events ??= []).push({ at: new Date().toISOString(), kind: 'interrupted', reason, ...(step ? { step } : {}), pid: process.pid });
    this.journal.outcome = 'interrupted';
    await this.save();
    this.sealed = true;
  }

  async finish(outcome: Outcome): Promise<void> {
    this.journal.outcome = outcome;
    await this.save();
  }

  private save(): Promise<void> {
    if (this.dryRun || this.sealed) return Promise.resolve();
    const snapshot = JSON.parse(JSON.stringify(this.journal)) as Journal;
    // A full state folder: the reserved room (state-reserve.ts) is given up for the journal, and the write tried again.
    const write = (): Promise<void> =>
      writeJournal(this.sessionDir, snapshot).catch(async (error: unknown) => {
        if (isFullDisk(error) && (await releaseStateRoom(this.sessionDir))) return writeJournal(this.sessionDir, snapshot);
        throw error;
      });
    const next = this.saving.catch(() => {}).then(write);
    this.saving = next;
    return next.catch((error: NodeJS.ErrnoException) => {
      throw new AdminError(
        `The journal ${journalPath(this.sessionDir)} cannot be written (${error.code ?? error.message}). The wizard stops here: an upgrade whose journal cannot be written cannot be resumed.`,
        {
          exitCode: ExitCode.usage,
          nextStep: 'Free space in the state folder or fix its permissions (or choose another with --state-dir), then run synapse-upgrade again.',
          cause: error,
        },
      );
    });
  }
}
