import type { TargetDecision } from '../core/target.js';
import { pipMethod } from '../methods/pip.js';
import { displayArgv, shellQuote } from '../system/redact.js';
import type { Steps, WizardDeps } from './context.js';
import type { ServerPicture } from './inspect.js';

/** The plan as lines: every command exactly as it will run. */
export function planLines(picture: ServerPicture, target: string): string[] {
  const install = pipMethod.installCommand(picture.install, target);
  const restart = pipMethod.restartCommand(picture.install);
  const show = (argv: string[]): string => argv.map(shellQuote).join(' ');
  return [
    `1. Install: ${show(displayArgv(install))}`,
    `2. Restart: ${show(displayArgv(restart))}`,
    `3. Wait until ${picture.url}/_synapse/admin/v1/server_version answers (database migrations run first)`,
    `4. Verify that it reports ${target}`,
  ];
}

/** Step 4: show the plan and get the admin's word before anything changes. */
export async function confirmPlan(deps: WizardDeps, steps: Steps, picture: ServerPicture, decision: TargetDecision, dryRun: boolean): Promise<boolean> {
  await steps.start('confirm');
  const answer = await deps.ask({
    id: 'confirm',
    text: `${dryRun ? 'Dry run: show' : 'Upgrade'} Synapse ${picture.install.installedVersion} → ${decision.target}${dryRun ? ' without changing anything?' : '?'}`,
    details: planLines(picture, decision.target),
    choices: [
      { value: 'yes', label: dryRun ? 'Walk through the plan' : 'Upgrade now' },
      { value: 'no', label: 'Stop and change nothing' },
    ],
    safeDefault: 'yes',
  });
  if (answer !== 'yes') {
    await steps.skip('confirm', 'stopped by the admin');
    return false;
  }
  await steps.done('confirm', 'plan accepted');
  return true;
}
