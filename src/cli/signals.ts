import type { SessionControl } from '../engine/control.js';

const ignore = (): void => {};

/**
 * SIGHUP (the SSH link dropped, the terminal closed) and SIGTERM detach the session: the wizard records
 * that it left and exits 3, while the command it was running carries on (it runs in a session of its own).
 * So does SIGINT when there is no screen to ask on. Returns a function that removes the handlers.
 */
export function detachOnSignals(control: SessionControl, opts: { sigint: boolean }): () => void {
  // A terminal that hung up, or a pipe whose reader left, must not crash the wizard while it writes the journal.
  for (const stream of [process.stdout, process.stderr, process.stdin]) stream.on('error', ignore);
  const signals: NodeJS.Signals[] = ['SIGHUP', 'SIGTERM', ...(opts.sigint ? (['SIGINT'] as const) : [])];
  const handler = (signal: NodeJS.Signals): void => control.detach(signal);
  for (const signal of signals) process.on(signal, handler);
  return () => {
    for (const signal of signals) process.off(signal, handler);
  };
}
