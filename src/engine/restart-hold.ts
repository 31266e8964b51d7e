import { AdminError } from '../core/errors.js';
import type { Emit } from '../core/events.js';
import type { Install, InstallMethod, RestartHold } from '../methods/types.js';
import type { CommandSpec } from '../system/command.js';
import { faultPoint } from '../system/fault.js';
import type { Runner } from '../system/runner.js';
import type { SessionContext } from './context.js';
import type { StepTracker } from './step-tracker.js';

/** What holding and releasing need: the method, the install, the runner and the journal. */
export interface HoldInput {
  method: InstallMethod;
  install: Install;
  runner: Runner;
  tracker: StepTracker;
  emit: Emit;
  sessionDir: string;
}

/** The hold input of a session. */
export const holdInput = (ctx: SessionContext): HoldInput => ({
  method: ctx.method,
  install: ctx.picture.install,
  runner: ctx.runner,
  tracker: ctx.tracker,
  emit: ctx.deps.emit,
  sessionDir: ctx.sessionDir,
});

const holdOf = (input: HoldInput): RestartHold | undefined => input.method.restartHold?.(input.install, input.sessionDir, input.runner.dryRun);

async function runAll(input: HoldInput, commands: CommandSpec[]): Promise<{ exitCode: number; tail: string[]; title: string | undefined }> {
  for (const command of commands) {
    const result = await input.runner.run(command);
    if (result.exitCode !== 0) return { exitCode: result.exitCode, tail: result.tail, title: command.title };
  }
  return { exitCode: 0, tail: [], title: undefined };
}

/** Lifts a hold of ours, if one is in place; an AdminError when that fails (Synapse would never be restarted by the package again). */
export async function releaseHold(input: HoldInput, why = 'the install ended'): Promise<boolean> {
  const hold = holdOf(input);
  if (!hold) return false;
  const commands = await hold.release();
  if (!commands.length) return false;
  const result = await runAll(input, commands);
  if (result.exitCode !== 0) {
    throw new AdminError(`Lifting the restart hold failed (exit ${result.exitCode}${result.title ? `, ${result.title}` : ''}): ${result.tail.at(-1) ?? ''}`, {
      serverState: `the hold is still in place: ${hold.what}`,
      nextStep: 'Remove /usr/sbin/policy-rc.d (or put your own back) by hand, then run synapse-upgrade again.',
    });
  }
  if (!input.runner.dryRun) await input.tracker.recorder?.event('restart-released', { reason: why });
  return true;
}

/**
 * Runs `body` (the install commands) with the method's restart hold in place, and always releases it
 * afterwards. Without a hold for this method, runs `body` alone.
 */
export async function withRestartHold<T>(input: HoldInput, body: () => Promise<T>): Promise<T> {
  const hold = holdOf(input);
  if (!hold) return body();
  const held = await runAll(input, await hold.hold());
  if (held.exitCode !== 0) {
    await releaseHold(input, 'holding failed').catch(() => {});
    throw new AdminError(`Holding the package's own restart failed (exit ${held.exitCode}${held.title ? `, ${held.title}` : ''}): ${held.tail.at(-1) ?? ''}`, {
      serverState: 'nothing was installed or restarted',
      nextStep: 'Check that /usr/sbin is writable by root, then run synapse-upgrade again.',
    });
  }
  if (!input.runner.dryRun) await input.tracker.recorder?.event('restart-held', { reason: hold.what });
  faultPoint('restart-hold:held');
  let value: T;
  try {
    value = await body();
  } catch (error) {
    await releaseHold(input).catch((e: unknown) => input.emit({ type: 'message', level: 'error', text: e instanceof Error ? e.message : String(e) }));
    throw error;
  }
  await releaseHold(input);
  return value;
}

/** At the start of a run: a hold that a killed or hung-up run left in place is lifted, and the admin told. */
export async function releaseLeftoverHold(input: HoldInput): Promise<void> {
  if (input.runner.dryRun) return;
  const hold = holdOf(input);
  if (!hold || !(await hold.release()).length) return;
  input.emit({
    type: 'message',
    level: 'warn',
    text: `An earlier run was stopped while it held the package's own restart (${hold.what}); lifting that hold now.`,
  });
  await releaseHold(input, 'left by an earlier run');
}
