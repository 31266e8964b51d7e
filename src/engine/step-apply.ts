import { AdminError, ExitCode } from '../core/errors.js';
import type { TargetDecision } from '../core/target.js';
import { compareVersions } from '../core/version.js';
import { requirement } from '../methods/pip.js';
import type { InstallMethod } from '../methods/types.js';
import { probeHealth, probeServerVersion } from '../system/http.js';
import { lastLines } from '../system/log-tail.js';
import type { Runner } from '../system/runner.js';
import type { Steps, WizardDeps } from './context.js';
import type { ServerPicture } from './inspect.js';
import { waitUntilReady } from './wait-ready.js';

interface ApplyInput {
  deps: WizardDeps;
  steps: Steps;
  runner: Runner;
  picture: ServerPicture;
  decision: TargetDecision;
  method: InstallMethod;
  transcriptPath: string;
}

const tailText = (lines: string[], count = 8): string => lines.slice(-count).map((l) => `  ${l}`).join('\n');

/** Steps 5–8: install, restart, wait, verify. In a dry run the commands are shown, not run. */
export async function installAndRestart(input: ApplyInput): Promise<{ downtimeMs: number | undefined }> {
  const { deps, steps, runner, picture, decision, method } = input;
  const from = picture.install.installedVersion;
  const target = decision.target;
  const installSpec = method.installCommand(picture.install, target);
  await steps.start('install', installSpec);
  const installed = await runner.run(installSpec);
  if (installed.exitCode !== 0) {
    throw new AdminError(`pip failed (exit ${installed.exitCode}) while installing ${target}. Its last lines:\n${tailText(installed.tail)}`, {
      serverState: `nothing was restarted; Synapse ${from} keeps serving`,
      nextStep: `Read the full output in ${input.transcriptPath}, fix the cause, then run synapse-upgrade again.`,
    });
  }
  if (!runner.dryRun) {
    const now = await method.installedVersion(picture.install);
    if (compareVersions(now, target) !== 0) {
      throw new AdminError(`After pip finished, the virtualenv holds matrix-synapse ${now}, not ${target}.`, {
        serverState: `nothing was restarted; Synapse ${from} keeps serving`,
        nextStep: `Check pip's output in ${input.transcriptPath} (a constraint or the Python version may hold it back).`,
      });
    }
  }
  await steps.done('install', runner.dryRun ? 'not run (dry run)' : `matrix-synapse ${target} installed`, { exitCode: 0 });

  const restartSpec = method.restartCommand(picture.install);
  await steps.start('restart', restartSpec);
  const restartStarted = Date.now();
  let restartDone = false;
  const waiting = runner.dryRun
    ? undefined
    : waitUntilReady({
        url: picture.url,
        logFile: picture.logFile,
        pidFile: picture.pidFile,
        emit: deps.emit,
        ask: deps.ask,
        restartDone: () => restartDone,
        startedAt: restartStarted,
      });
  // Until the restart command returns, an answer may still come from the old process: keep it.
  const restarted = await runner.run(restartSpec);
  restartDone = true;
  if (runner.dryRun) {
    await steps.done('restart', 'not run (dry run)');
    await steps.skip('wait', 'assumed: how long the migration takes is only known by doing it');
    await steps.skip('verify', `assumed: Synapse would answer ${target}`);
    return { downtimeMs: undefined };
  }
  if (restarted.exitCode !== 0 && !(await probeServerVersion(picture.url, 2000)).ok) {
    const log = picture.logFile ? await lastLines(picture.logFile, 6) : [];
    throw new AdminError(`The restart failed (exit ${restarted.exitCode}):\n${tailText([...restarted.tail, ...log])}`, {
      exitCode: ExitCode.failed,
      serverState: `matrix-synapse ${target} is installed and Synapse is not running`,
      nextStep: `To go back: ${picture.install.venv}/bin/pip install '${requirement(picture.install.extras, from)}' then ${restartSpec.argv.join(' ')}`,
    });
  }
  await steps.done('restart', `restart command finished in ${(restarted.durationMs / 1000).toFixed(1)} s`, { exitCode: restarted.exitCode });

  await steps.start('wait');
  const ready = await (waiting ?? Promise.reject(new Error('not waiting')));
  await steps.done('wait', `answered after ${((ready.readyAt - restartStarted) / 1000).toFixed(1)} s`);

  await steps.start('verify');
  let answer = ready.answer;
  if (compareVersions(answer.version, target) !== 0) {
    // The first answer can still be the old process on its way out: ask once more.
    const again = await probeServerVersion(picture.url);
    if (again.ok) answer = again.answer;
  }
  if (compareVersions(answer.version, target) !== 0) {
    throw new AdminError(`Synapse answers ${answer.raw} at ${picture.url}, not ${target}.`, {
      serverState: `matrix-synapse ${target} is installed but the server answering is ${answer.version}`,
      nextStep: 'Check that no other Synapse process holds the port and that synctl restarted the right config.',
    });
  }
  if (!(await probeHealth(picture.url))) deps.emit({ type: 'message', level: 'warn', text: `${picture.url}/health did not answer OK.` });
  await steps.done('verify', `server_version says ${answer.raw}`);
  return { downtimeMs: ready.readyAt - restartStarted };
}
