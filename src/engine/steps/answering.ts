import { AdminError, ExitCode } from '../../core/errors.js';
import type { WizardDeps } from '../context.js';
import type { ServerPicture } from '../inspect.js';

/**
 * Before anything changes: a server that answers but not as Synapse is a wrong URL (exit 2);
 * a server that does not answer at all may be upgraded on the admin's word.
 */
export async function checkAnswering(picture: ServerPicture, deps: WizardDeps): Promise<void> {
  if (picture.running.ok) return;
  if (picture.running.reachable) {
    throw new AdminError(`Something answers at ${picture.url}, but not as Synapse: ${picture.running.reason}.`, {
      exitCode: ExitCode.usage,
      serverState: 'nothing was changed',
      nextStep: `Check ${picture.urlEvidence}, or pass --url with the address of Synapse's client listener.`,
    });
  }
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
  if (answer === 'stop') throw new AdminError('Stopped before any change.', { exitCode: ExitCode.failed, code: 'stopped', serverState: 'nothing was changed' });
}
