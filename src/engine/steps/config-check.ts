import { join } from 'node:path';
import { AdminError } from '../../core/errors.js';
import type { Install } from '../../methods/types.js';
import type { CommandSpec } from '../../system/command.js';
import type { FlowStep } from '../context.js';
import { describeStep } from '../../core/steps.js';
import { askRollback, planFor, runRollback } from '../rollback.js';
import type { RollbackInput } from '../rollback-context.js';
import { rejectedOnWorkerHost } from '../workers-only-rollback.js';
import { writeConfigFixes } from '../config-fixes.js';

/**
 * `<python> -m synapse.config -c <each config>`: the NEW code's own config check (parses, validates, touches no
 * database). It writes no bytecode: run as root it would leave `__pycache__` files the install does not own
 * (a Debian package's venv), and a later downgrade whose files have the same size and mtime (packages built
 * with the same SOURCE_DATE_EPOCH) would run the newer version's stale bytecode, as real systemd showed.
 */
export function configCheckCommand(install: Install): CommandSpec | undefined {
  if (!install.python) return undefined;
  return {
    argv: [install.python, '-m', 'synapse.config', ...install.configPaths.flatMap((p) => ['-c', p])],
    env: { PYTHONDONTWRITEBYTECODE: '1' },
    cwd: join(install.configPaths[0] ?? install.venv, '..'),
    title: 'Check the config with the newly installed Synapse (changes nothing)',
  };
}

/** Synapse's own words: the lines of the config check's output, without blank lines. */
const messageOf = (tail: string[]): string[] => tail.map((l) => l.trimEnd()).filter((l) => l.trim() !== '').slice(-12);

/**
 * After the install, before the restart: if the new version rejects the config, nothing is
 * restarted (the old process keeps serving) and the admin is offered the old version back,
 * so a bad config costs no downtime.
 */
export const configCheckStep: FlowStep = {
  ...describeStep('config-check'),
  async run(ctx) {
    const { tracker, runner, picture, deps } = ctx;
    const target = ctx.decision.target;
    const spec = ctx.method.configCheckCommand ? ctx.method.configCheckCommand(picture.install) : configCheckCommand(picture.install);
    // The config fixes the admin accepted at the notes are written first, so the new code checks the config it will run.
    const fixed = await writeConfigFixes(ctx);
    if (!spec) {
      await tracker.skip('config-check', `no config check for ${picture.install.method} installs yet`);
      return;
    }
    await tracker.start('config-check', spec);
    const result = await runner.run(spec);
    if (runner.dryRun) {
      await tracker.done('config-check', 'not run (dry run): the new code is not installed');
      return;
    }
    if (result.exitCode === 0) {
      await tracker.done('config-check', `${target} accepts the config${fixed ? ' with the config fixes' : ''} (${messageOf(result.tail).at(-1) ?? 'exit 0'})`, { exitCode: 0 });
      return;
    }
    const message = messageOf(result.tail);
    // Synapse prints the error last, after any warnings it logged while reading the config (the trusted key server one).
    const first = message.find((l) => /error/i.test(l)) ?? message.at(-1) ?? `exit ${result.exitCode}`;
    await tracker.fail(`${target} rejects the config: ${first}`);
    tracker.current = undefined;
    deps.emit({ type: 'message', level: 'error', text: `Synapse ${target} rejects the config:\n${message.map((l) => `  ${l}`).join('\n')}` });

    if (ctx.opts.workersOnly) return rejectedOnWorkerHost(ctx, message);
    const input: RollbackInput = {
      picture, method: ctx.method, runner, tracker, deps, yes: ctx.opts.yes, transcriptPath: ctx.transcriptPath,
      back: ctx.from, current: target, backup: ctx.backup, oldStillServing: picture.running.ok,
      configFixes: tracker.recorder?.journal.configFixes ?? [],
      system: ctx.system,
    };
    const plan = await planFor(input);
    const why = `Synapse ${target} is installed but was not started: its config check failed. Synapse ${ctx.from} is still running and serving.`;
    const rejected = `Synapse ${target} rejects the config, so it was not restarted:\n${message.map((l) => `  ${l}`).join('\n')}`;
    const fixNext = `Fix the config (${picture.install.configPaths.join(', ')}) for ${target}, then run synapse-upgrade again.`;
    if (!(await askRollback(input, plan, why))) {
      throw new AdminError(rejected, {
        serverState: `matrix-synapse ${target} is installed but not running; Synapse ${ctx.from} keeps serving until its next restart`,
        nextStep: `${fixNext} Or put ${ctx.from} back with \`synapse-upgrade rollback\` before anything restarts Synapse.`,
      });
    }
    const outcome = await runRollback(input, plan);
    ctx.downtimeMs = outcome.downtimeMs;
    throw new AdminError(`${rejected}\n${outcome.lines.join('\n')}`, {
      code: 'rolled-back',
      serverState: `Synapse ${ctx.from} is installed and serving, as before${outcome.downtimeMs === 0 ? ' (downtime 0 s)' : ''}`,
      nextStep: fixNext,
    });
  },
};
