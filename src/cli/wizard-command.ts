import type { WizardOptions } from '../engine/context.js';
import { SessionControl } from '../engine/control.js';
import { resolveStateRoot } from '../system/state-dir.js';
import type { Result } from '../core/events.js';
import { stepTitle, UPGRADE_STEP_IDS } from '../core/steps.js';
import { EventBus } from '../ui/event-bus.js';
import { ensureAnswerable } from './answerable.js';
import { firstFrameLines } from '../ui/first-frame.js';
import { colorEnabled, isInteractive } from '../ui/terminal.js';
import type { CliOptions } from './args.js';
import { wizardOptions } from './wizard-options.js';
import type { CliIO } from './output.js';
import { detachOnSignals } from './signals.js';

/**
 * The default command: picks the renderer (Ink, plain lines or JSON) and runs the wizard. The screen is up, with
 * the session's steps, before the engine loads (src/engine: the methods, the release data and their schemas,
 * execa): the admin sees the wizard at once.
 */
export async function runWizardCommand(given: CliOptions, io: CliIO): Promise<number> {
  const interactive = isInteractive();
  // A dry run changes nothing: where no one can answer, it takes the safe defaults without being told --yes.
  const unattendedDryRun = given.dryRun && !given.yes && (given.json || !interactive);
  const opts: CliOptions = unattendedDryRun ? { ...given, yes: true } : given;
  ensureAnswerable(opts, interactive, 'take the safe default at every question');
  const bus = new EventBus(opts.yes);
  if (unattendedDryRun)
    bus.emit({ type: 'message', level: 'info', text: 'No one to answer questions here: this dry run takes the safe default at each, as with --yes.' });
  let sandbox: { stop(): Promise<void>; root: string } | undefined;
  const startDemo = async (): Promise<Partial<WizardOptions>> => {
    const { startDemoSandbox } = await import('../demo/sandbox.js');
    const demo = await startDemoSandbox(bus.emit);
    sandbox = demo.sandbox;
    return demo.options;
  };
  const stopDemo = async (): Promise<void> => {
    if (!sandbox) return;
    await sandbox.stop().catch(() => {});
    // Nothing of the demo may outlive the wizard: a restart or pip it was running, a daemon started late.
    await (await import('../demo/sandbox.js')).endDemoProcesses(sandbox.root).catch(() => []);
    io.stderr(`The demo homeserver was stopped; its files stay in ${sandbox.root}.`);
  };
  const offerDemo = async (why: string): Promise<Partial<WizardOptions> | undefined> => {
    const answer = await bus.ask({
      id: 'demo',
      text: `${why} Try the wizard on a demo sandbox instead?`,
      choices: [
        { value: 'demo', label: 'Start a demo homeserver in a temporary folder and upgrade it' },
        { value: 'quit', label: 'Quit' },
      ],
    });
    return answer === 'demo' ? startDemo() : undefined;
  };
  let options: WizardOptions = { ...wizardOptions(opts), ...(opts.command === 'resume' ? { resume: 'only' as const } : {}) };
  // Without --venv/--config, an unfinished session in the state folder says which install it was.
  if (!opts.venv && !opts.configPaths.length && !opts.demo)
    options = { ...options, ...(await (await import('../engine/resume.js')).recordedInstall(resolveStateRoot(opts.stateDir), options.resume)) };
  // SIGHUP/SIGTERM (and SIGINT without a screen) detach: the journal records it, the command runs on, exit 3.
  const control = new SessionControl(bus.emit);
  detachOnSignals(control, { sigint: opts.json || !interactive });
  /** The session's result, or the interruption's; after an interruption nothing may linger (a wait loop). */
  const settle = async (running: Promise<Result>, beforeExit?: () => Promise<unknown>): Promise<number> => {
    const result = await Promise.race([running, control.ended]);
    if (result.outcome !== 'interrupted') return result.exitCode;
    await Promise.race([beforeExit?.(), new Promise((resolve) => setTimeout(resolve, 1000))]);
    await stopDemo();
    process.exit(result.exitCode);
  };
  if (opts.demo) options = { ...options, ...(await startDemo()) };
  // The step list on the terminal at once, while Ink loads (Ink's first frame takes its place).
  const initialSteps = UPGRADE_STEP_IDS.map((id) => ({ id, title: stepTitle(id) }));
  const firstFrame =
    interactive && !opts.json
      ? firstFrameLines(initialSteps, { columns: process.stdout.columns ?? 0, rows: process.stdout.rows ?? 0 }, colorEnabled())
      : undefined;
  if (firstFrame) process.stdout.write(`${firstFrame.join('\n')}\n`);
  const { showSession } = await import('./show-session.js');
  // Ctrl+C on the screen, then "leave it running" (or quit between commands): detach; "stop the command": SIGTERM to it.
  // While "Quit the wizard now?" is open, no next step or command starts (the control's hold).
  const screen = showSession(
    bus,
    {
      json: opts.json,
      interactive,
      onQuit: (how = 'leave') => {
        if (how === 'stop' && control.stopCommand()) return control.release();
        control.detach('quit at your request');
      },
      onHold: (held) => (held ? control.hold() : control.release()),
      initialSteps,
      ...(firstFrame ? { firstFrameLines: firstFrame.length } : {}),
    },
    io,
  );
  const { runWizard } = await import('../engine/wizard.js');
  const canOfferDemo = interactive && !opts.json;
  const code = await settle(runWizard(options, { emit: bus.emit, ask: bus.ask, control, ...(canOfferDemo ? { offerDemo } : {}) }), screen.closed);
  await screen.closed();
  await stopDemo();
  return code;
}
