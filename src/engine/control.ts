import { AdminError, ExitCode } from '../core/errors.js';
import type { Emit, Result } from '../core/events.js';
import type { Runner, RunningCommand } from '../system/runner.js';

type DetachHandler = (reason: string, running: RunningCommand | undefined) => Promise<Result | undefined>;

/**
 * How the outside (signal handlers, the Ctrl+C question) reaches a running session.
 * `detach(reason)` ends the session at once with exit 3, "interrupted and resumable": the runner stops
 * following (the command, if one runs, carries on in the background), the session's handler records the
 * interruption in the journal, and `ended` resolves with the result. `stopCommand()` asks the running
 * command to stop instead; the step then fails as it would for any failing command.
 */
export class SessionControl {
  private runner: Runner | undefined;
  private handler: DetachHandler | undefined;
  private reasonText: string | undefined;
  private resolveEnded!: (result: Result) => void;
  /** Set while the admin is being asked whether to quit: the next step or command waits on it. */
  private held: { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } | undefined;
  /** Resolves only when the session was detached: the result to end with. */
  readonly ended: Promise<Result> = new Promise((resolve) => (this.resolveEnded = resolve));

  constructor(private readonly emit?: Emit) {}

  get reason(): string | undefined {
    return this.reasonText;
  }

  /** The session's runner: detaching stops it from following or starting anything. */
  attach(runner: Runner): void {
    this.runner = runner;
    if (this.reasonText !== undefined) runner.detach(this.interruption());
  }

  /** What the session does when detached (record it, close the transcript); undefined when it had already ended. */
  onDetach(handler: DetachHandler): void {
    this.handler = handler;
  }

  running(): RunningCommand | undefined {
    return this.runner?.current();
  }

  interruption(): AdminError {
    return new AdminError(`Interrupted (${this.reasonText ?? 'detached'}).`, { exitCode: ExitCode.interrupted, code: 'interrupted' });
  }

  /** The admin is being asked whether to quit: no next step or command starts until `release()` or `detach()`. */
  hold(): void {
    if (this.held || this.reasonText !== undefined) return;
    let resolve!: () => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => {}); // nobody may be waiting on it
    this.held = { promise, resolve, reject };
    this.emit?.({ type: 'message', level: 'info', text: 'Holding: no next step starts until you answer.' });
  }

  /** The admin chose to keep going (or to stop the command): whatever waits on the hold carries on. */
  release(): void {
    const held = this.held;
    this.held = undefined;
    held?.resolve();
  }

  /** Resolves at once unless held; a detach while held rejects it with the interruption. */
  gate(): Promise<void> {
    if (this.reasonText !== undefined) return Promise.reject(this.interruption());
    return this.held?.promise ?? Promise.resolve();
  }

  detach(reason: string): void {
    if (this.reasonText !== undefined) return;
    this.reasonText = reason;
    const held = this.held;
    this.held = undefined;
    held?.reject(this.interruption());
    const running = this.runner?.current(); // before detaching: following stops and forgets it
    this.runner?.detach(this.interruption());
    const handler = this.handler;
    void (async () => {
      if (handler) {
        const result = await handler(reason, running).catch(() => undefined);
        if (result) this.resolveEnded(result);
        return;
      }
      // Before any session was recorded: nothing changed and nothing runs.
      const result: Result = {
        outcome: 'interrupted',
        exitCode: ExitCode.interrupted,
        from: undefined,
        to: undefined,
        totalMs: 0,
        downtimeMs: undefined,
        rolledBack: false,
        notesRefused: [],
        lines: [`Interrupted (${reason}) before anything was changed.`],
      };
      this.emit?.({ type: 'result', result });
      this.resolveEnded(result);
    })();
  }

  stopCommand(): boolean {
    return this.runner?.stop() ?? false;
  }
}
