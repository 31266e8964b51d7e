import { join } from 'node:path';
import type { CommandSpec } from '../../system/command.js';
import { writeFileAtomic } from '../../system/atomic-write.js';
import type { MethodPlan, RestartManager } from '../types.js';
import type { RestartPlanContext } from './index.js';
import { DROP_IN_NAME, dropInText, timeoutRisk } from './systemd.js';

type Systemd = Extract<RestartManager, { kind: 'systemd' }>;

/** The start timeout the drop-in sets: long enough for the migrations known to be slow. */
export const DROP_IN_TIMEOUT = 3600;

/**
 * systemd kills a unit that has not signalled READY within TimeoutStartSec (90 s by default), and
 * Synapse migrates before it is ready; with Restart=always it then starts over, in a loop.
 * Before such a restart: warn and offer a drop-in that raises the timeout (its commands join plan.before).
 */
export async function systemdStartTimeout(manager: Systemd, plan: MethodPlan, ctx: RestartPlanContext): Promise<void> {
  if (!timeoutRisk(manager)) return;
  const crossed = await ctx.migrations();
  if (!crossed) {
    plan.checks.push(`systemd start timeout ${manager.timeoutStartSec} s: no schema migration between ${ctx.from} and ${ctx.target}`);
    return;
  }
  const text = `${ctx.from} → ${ctx.target} migrates the database schema (v${crossed.from} → v${crossed.to}) while Synapse starts. ${manager.mainUnit} allows ${manager.timeoutStartSec} s to start${manager.restartPolicy ? ` and has Restart=${manager.restartPolicy}` : ''}: a longer migration is killed and started again, in a loop.`;
  ctx.emit({ type: 'message', level: 'warn', text });
  const answer = await ctx.ask({
    id: 'systemd-timeout',
    text: `${text} Add a drop-in with TimeoutStartSec=${DROP_IN_TIMEOUT}?`,
    details: [
      `${join(manager.dropInDir, DROP_IN_NAME)}:`,
      ...dropInText(DROP_IN_TIMEOUT)
        .trimEnd()
        .split('\n')
        .map((l) => `  ${l}`),
    ],
    choices: [
      { value: 'drop-in', label: `Add the drop-in (TimeoutStartSec=${DROP_IN_TIMEOUT}) and reload systemd` },
      { value: 'keep', label: `Keep ${manager.timeoutStartSec} s` },
    ],
    safeDefault: 'drop-in',
  });
  if (answer !== 'drop-in') {
    plan.checks.push(`systemd start timeout kept at ${manager.timeoutStartSec} s at your request`);
    return;
  }
  const staged = join(ctx.sessionDir, DROP_IN_NAME);
  await writeFileAtomic(staged, dropInText(DROP_IN_TIMEOUT), 0o644);
  const commands: CommandSpec[] = [
    { argv: ['mkdir', '-p', manager.dropInDir], title: `Make ${manager.dropInDir}` },
    { argv: ['cp', staged, join(manager.dropInDir, DROP_IN_NAME)], title: `Raise ${manager.mainUnit}'s start timeout to ${DROP_IN_TIMEOUT} s` },
    { argv: ['systemctl', 'daemon-reload'], title: 'Make systemd read the drop-in' },
  ];
  plan.before.push(...commands);
  plan.summary = [
    ...(plan.summary ?? []),
    `${join(manager.dropInDir, DROP_IN_NAME)} raises the start timeout to ${DROP_IN_TIMEOUT} s; delete it (and run systemctl daemon-reload) if you want the default back.`,
  ];
}
