import { ExitCode, AdminError } from '../../core/errors.js';
import { resolveTarget, upgradeChoices, type TargetDecision } from '../../core/target.js';
import { methodFor } from '../../methods/registry.js';
import type { InstallMethod } from '../../methods/types.js';
import type { WizardDeps, WizardOptions } from '../context.js';
import type { StepTracker } from '../step-tracker.js';
import type { ServerPicture } from '../inspect.js';

/** Step 2: the version to upgrade to, from --target or the admin's pick among the available ones. */
export async function chooseTarget(input: {
  opts: WizardOptions;
  deps: WizardDeps;
  tracker: StepTracker;
  picture: ServerPicture;
  /** The install's method (a test's fake); by default the registry's. */
  method?: InstallMethod;
}): Promise<TargetDecision> {
  const { opts, deps, tracker, picture } = input;
  await tracker.start('target');
  const installed = picture.install.installedVersion;
  const running = picture.running.ok ? picture.running.answer.version : undefined;
  const method = input.method ?? methodFor(picture.install);
  const available = await method.availableVersions(picture.install, { pre: opts.pre });
  let wanted = opts.target;
  if (!wanted) {
    const choices = upgradeChoices(available, installed, opts.pre);
    if (choices.length === 0) {
      wanted = installed;
    } else {
      wanted = await deps.ask({
        id: 'target',
        text: `Synapse ${installed} is installed. Upgrade to which version?`,
        choices: choices.map((v, i) => ({ value: v, label: i === 0 ? `${v} (newest)` : v })),
        safeDefault: choices[0],
      });
    }
  }
  const decision = resolveTarget(wanted, available, installed, running);
  if (decision.kind === 'restart-only') {
    throw new AdminError(`${decision.target} is already installed but Synapse runs ${running}: it was installed and not restarted.`, {
      exitCode: ExitCode.usage,
      serverState: `${decision.target} is installed, ${running} is running`,
      nextStep: `Restart Synapse (${method.restartCommand(picture.install).argv.join(' ')}) or resume the interrupted session.`,
    });
  }
  await tracker.done('target', decision.kind === 'already-current' ? `already at ${decision.target}` : `${installed} → ${decision.target}`);
  return decision;
}
