import { AdminError, describeError, ExitCode, type ExitCodeValue } from '../core/errors.js';
import type { Result } from '../core/events.js';
import { sameVersion } from '../core/version.js';
import { methodFor } from '../methods/registry.js';
import { readJournal } from '../system/journal.js';
import { createRunner } from '../system/runner.js';
import { homeserverKey, resolveStateRoot } from '../system/state-dir.js';
import { ensureTrustedFolder } from '../system/trusted-dir.js';
import { openTranscript, type Transcript } from '../system/transcript.js';
import type { WizardDeps, WizardOptions } from './context.js';
import { StepTracker } from './step-tracker.js';
import { inspectServer, summarize } from './inspect.js';
import { SessionRecorder } from './recorder.js';
import { realSystem } from './system-helpers.js';
import { askRollback, planFor, runRollback } from './rollback.js';
import { join } from 'node:path';
import { lockHomeserver, type HomeserverLock } from '../system/homeserver-lock.js';
import { inspectWorkerHost } from './worker-host.js';
import { rollBackWorkersOnly } from './workers-only-rollback.js';

const nothingToRollBack = (why: string, next?: string): AdminError =>
  new AdminError(`Nothing to roll back: ${why}.`, { exitCode: ExitCode.usage, serverState: 'nothing was changed', ...(next ? { nextStep: next } : {}) });

/**
 * `synapse-upgrade rollback`: puts back the version recorded as `from` in this homeserver's last
 * session journal, with the backup that session took. Each rollback step goes to that journal.
 * Never throws: every ending is a Result event.
 */
export async function runRollbackSession(opts: WizardOptions, deps: WizardDeps): Promise<Result> {
  const started = Date.now();
  const tracker = new StepTracker(deps.emit);
  let transcript: Transcript | undefined;
  let from: string | undefined;
  let to: string | undefined;
  let homeserverLock: HomeserverLock | undefined;
  const finish = async (outcome: Result['outcome'], exitCode: number, lines: string[], downtimeMs?: number): Promise<Result> => {
    const result: Result = {
      outcome,
      exitCode,
      from,
      to,
      totalMs: Date.now() - started,
      downtimeMs,
      rolledBack: outcome === 'rolled-back',
      notesRefused: [],
      lines,
    };
    if (outcome !== 'aborted') await tracker.recorder?.finish(outcome).catch(() => {});
    await transcript?.close();
    homeserverLock?.release();
    deps.emit({ type: 'result', result });
    return result;
  };
  try {
    tracker.announce(['detect']);
    await tracker.start('detect');
    const picture = opts.workersOnly ? await inspectWorkerHost({ ...opts, mainUrl: opts.workersOnly.mainUrl }) : await inspectServer(opts);
    deps.emit({ type: 'detected', install: summarize(picture) });
    const sessionDir = join(resolveStateRoot(opts.stateDir), homeserverKey(picture.serverName, picture.install.configPaths[0] ?? ''));
    // A rollback changes the server: no other wizard may work on this homeserver meanwhile (any state folder).
    const configPath = picture.install.configPaths[0];
    if (!opts.dryRun && configPath) homeserverLock = await lockHomeserver(configPath, { stateDir: sessionDir, command: 'rollback' });
    await ensureTrustedFolder(sessionDir, 'state folder', '--state-dir', { create: false });
    const journal = await readJournal(sessionDir);
    if (!journal || journal.dryRun || !journal.from) {
      throw nothingToRollBack(`no upgrade of this homeserver is recorded in ${sessionDir}${journal?.dryRun ? ' (the last session was a dry run)' : ''}`);
    }
    const installed = picture.install.installedVersion;
    const running = picture.running.ok ? picture.running.answer.version : undefined;
    from = installed;
    to = journal.from;
    if (picture.workersOnly && sameVersion(installed, journal.from))
      throw nothingToRollBack(`matrix-synapse ${journal.from} is installed on this workers-only host, as before the last upgrade`);
    if (sameVersion(installed, journal.from) && running !== undefined && sameVersion(running, journal.from)) {
      throw nothingToRollBack(
        `Synapse ${journal.from} is installed and running, as before the last upgrade (${journal.from} → ${journal.to ?? '?'}, ${journal.startedAt})`,
      );
    }
    const recorder = new SessionRecorder(sessionDir, opts.dryRun, summarize(picture));
    Object.assign(recorder.journal, journal);
    tracker.recorder = recorder;
    transcript = openTranscript(journal.transcript);
    deps.emit({ type: 'session.started', sessionId: journal.sessionId, dryRun: opts.dryRun, stateDir: sessionDir });
    await tracker.done(
      'detect',
      `Synapse ${installed} installed${running ? `, ${running} running` : ', not answering'}; the last upgrade went ${journal.from} → ${journal.to ?? '?'}`,
    );

    // Built apart so the same call fits runners that also take the session folder.
    const runnerOptions = { dryRun: opts.dryRun, transcript, emit: deps.emit, outputEvents: 'read' as const, sessionDir };
    const input = {
      picture,
      method: methodFor(picture.install),
      tracker,
      deps,
      yes: opts.yes,
      transcriptPath: transcript.path,
      runner: createRunner(runnerOptions),
      back: journal.from,
      current: installed,
      backup: journal.backup,
      configFixes: journal.configFixes ?? [],
      system: realSystem,
    };
    if (picture.workersOnly) {
      const why = `matrix-synapse ${installed} is installed on this workers-only host; before the last upgrade it was ${journal.from}.`;
      const rollback = await rollBackWorkersOnly({ ...input, back: journal.from, current: installed }, why, { restart: true });
      if (opts.dryRun) return finish('dry-run', ExitCode.ok, ['Dry run: nothing was changed. The commands above would roll back.', ...rollback.lines]);
      return rollback.rolledBack ? finish('rolled-back', ExitCode.ok, rollback.lines) : finish('failed', ExitCode.failed, rollback.lines);
    }
    const plan = await planFor(input);
    if (plan.blocked) {
      throw new AdminError(`Cannot roll back to ${journal.from}: ${plan.blocked}.`, {
        serverState: 'nothing was changed',
        nextStep: 'Restore a database backup of your own, or fix the new version instead.',
      });
    }
    if (
      !(await askRollback(
        input,
        plan,
        `Synapse ${installed} is installed${running ? ` and ${running} answers` : ' and Synapse does not answer'}; before the last upgrade it was ${journal.from}.`,
      ))
    ) {
      return finish('aborted', ExitCode.failed, ['Stopped at your request: nothing was changed.']);
    }
    const outcome = await runRollback(input, plan);
    if (opts.dryRun) return finish('dry-run', ExitCode.ok, ['Dry run: nothing was changed. The commands above would roll back.', ...outcome.lines]);
    return finish('rolled-back', ExitCode.ok, [`Rolled back from ${installed} to ${journal.from}.`, ...outcome.lines], outcome.downtimeMs);
  } catch (error) {
    const lines = describeError(error);
    await tracker.fail(lines[0] ?? 'failed');
    if (transcript?.path) lines.push(`Full transcript: ${transcript.path}`);
    return finish(tracker.recorder ? 'failed' : 'aborted', error instanceof AdminError ? error.exitCode : ExitCode.failed, lines);
  }
}

/**
 * "Roll back" at the resume question: the same rollback as `synapse-upgrade rollback`, its result
 * folded into the interrupted session's (so the stream still ends with one result).
 */
export async function rollbackFromResume(input: {
  opts: WizardOptions;
  deps: WizardDeps;
}): Promise<{ outcome: Result['outcome']; exitCode: ExitCodeValue; lines: string[] }> {
  const inner: WizardDeps = { ...input.deps, emit: (event) => event.type !== 'result' && input.deps.emit(event) };
  const result = await runRollbackSession(input.opts, inner);
  return { outcome: result.outcome, exitCode: result.exitCode as ExitCodeValue, lines: result.lines };
}
