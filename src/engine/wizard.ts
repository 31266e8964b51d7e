import { join } from 'node:path';
import { AdminError, describeError, ExitCode } from '../core/errors.js';
import type { Result } from '../core/events.js';
import { pipMethod } from '../methods/pip.js';
import { createRunner } from '../system/runner.js';
import { homeserverKey, resolveStateRoot } from '../system/state-dir.js';
import { openTranscript, type Transcript } from '../system/transcript.js';
import { Steps, type WizardDeps, type WizardOptions } from './context.js';
import { inspectServer, summarize, type ServerPicture } from './inspect.js';
import { SessionRecorder } from './recorder.js';
import { chooseTarget } from './step-target.js';
import { reviewNotes } from './step-notes.js';
import { confirmPlan } from './step-confirm.js';
import { installAndRestart } from './step-apply.js';
import { ensureWritableDir } from '../system/writable.js';

/** Finds the install; where there is none, an interactive admin may try the demo sandbox instead. */
async function detectOrDemo(opts: WizardOptions, deps: WizardDeps): Promise<{ picture: ServerPicture; options: WizardOptions }> {
  try {
    return { picture: await inspectServer(opts), options: opts };
  } catch (error) {
    if (!(error instanceof AdminError) || error.code !== 'no-install' || !deps.offerDemo || opts.yes) throw error;
    const demo = await deps.offerDemo(error.message);
    if (!demo) throw error;
    const options = { ...opts, ...demo };
    return { picture: await inspectServer(options), options };
  }
}

/**
 * The whole guided upgrade, as a sequence of steps over injected adapters. Never throws:
 * every ending, good or bad, becomes a Result event the renderers show.
 */
export async function runWizard(opts: WizardOptions, deps: WizardDeps): Promise<Result> {
  const started = Date.now();
  const steps = new Steps(deps.emit);
  let transcript: Transcript | undefined;
  let from: string | undefined;
  let to: string | undefined;
  const finish = async (result: Omit<Result, 'totalMs' | 'from' | 'to'>): Promise<Result> => {
    const full: Result = { ...result, from, to, totalMs: Date.now() - started };
    await steps.recorder?.finish(full.outcome).catch(() => {});
    await transcript?.close();
    deps.emit({ type: 'result', result: full });
    return full;
  };
  try {
    await steps.start('detect');
    const { picture, options } = await detectOrDemo(opts, deps);
    from = picture.install.installedVersion;
    const summary = summarize(picture);
    deps.emit({ type: 'detected', install: summary });
    const sessionDir = join(resolveStateRoot(options.stateDir), homeserverKey(picture.serverName, picture.install.configPaths[0] ?? ''));
    await ensureWritableDir(sessionDir);
    steps.recorder = new SessionRecorder(sessionDir, opts.dryRun, summary);
    transcript = openTranscript(steps.recorder.journal.transcript);
    deps.emit({ type: 'session.started', sessionId: steps.recorder.journal.sessionId, dryRun: opts.dryRun, stateDir: sessionDir });
    await steps.done('detect', `Synapse ${from} (${picture.install.method}) at ${picture.install.venv}`);

    if (!picture.running.ok && picture.running.reachable) {
      throw new AdminError(`Something answers at ${picture.url}, but not as Synapse: ${picture.running.reason}.`, {
        exitCode: ExitCode.usage,
        serverState: 'nothing was changed',
        nextStep: `Check ${picture.urlEvidence}, or pass --url with the address of Synapse's client listener.`,
      });
    }
    if (!picture.running.ok) {
      deps.emit({ type: 'message', level: 'warn', text: `Synapse does not answer: ${picture.running.reason}.` });
      const answer = await deps.ask({
        id: 'not-answering',
        text: 'Synapse is not answering right now. Upgrade anyway?',
        choices: [
          { value: 'continue', label: 'Continue: install, then start it and check it answers' },
          { value: 'stop', label: 'Stop here and change nothing' },
        ],
        safeDefault: 'continue',
      });
      if (answer === 'stop') return finish({ outcome: 'aborted', exitCode: ExitCode.failed, downtimeMs: undefined, lines: ['Stopped before any change.'] });
    }

    const decision = await chooseTarget(opts, deps, steps, picture);
    to = decision.target;
    await steps.recorder.setTarget(to);
    if (decision.kind === 'already-current') {
      await steps.skip('notes', 'nothing to upgrade');
      return finish({ outcome: 'already-current', exitCode: ExitCode.ok, downtimeMs: 0, lines: [`Already at ${to}: nothing to do.`] });
    }
    const review = await reviewNotes(opts, deps, steps, picture, to);
    await steps.recorder.setNotes(review.acknowledged);
    const runner = createRunner({ dryRun: opts.dryRun, transcript, emit: deps.emit });
    if (!(await confirmPlan(deps, steps, picture, decision, opts.dryRun))) {
      return finish({ outcome: 'aborted', exitCode: ExitCode.failed, downtimeMs: undefined, lines: ['Stopped at your request before any change.'] });
    }
    const applied = await installAndRestart({ deps, steps, runner, picture, decision, method: pipMethod, transcriptPath: transcript.path });
    if (opts.dryRun) {
      return finish({ outcome: 'dry-run', exitCode: ExitCode.ok, downtimeMs: undefined, lines: [`Dry run: nothing was changed. The plan above would upgrade ${from} to ${to}.`] });
    }
    const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
    return finish({
      outcome: 'upgraded',
      exitCode: ExitCode.ok,
      downtimeMs: applied.downtimeMs,
      lines: [
        `Synapse now runs ${to} (was ${from}), checked at ${picture.url}.`,
        `Downtime ${seconds(applied.downtimeMs ?? 0)}; total ${seconds(Date.now() - started)}.`,
        ...(review.rollbackFloor ? [`Without restoring a backup, this server can now roll back as far as ${review.rollbackFloor}.`] : []),
      ],
    });
  } catch (error) {
    const lines = describeError(error);
    await steps.fail(lines[0] ?? 'failed');
    if (transcript?.path) lines.push(`Full transcript: ${transcript.path}`);
    const exitCode = error instanceof AdminError ? error.exitCode : ExitCode.failed;
    return finish({ outcome: 'failed', exitCode, downtimeMs: undefined, lines });
  }
}
