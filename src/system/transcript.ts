import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The append-only record of every command: argv, cwd, exit code, duration and all output.
 * Lines are buffered by the stream, so a flood of output costs little; `flush()` waits until everything
 * written so far has reached the file (the runner calls it before starting a command).
 */
export interface Transcript {
  path: string;
  write(line: string): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function openTranscript(path: string): Transcript {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const stream: WriteStream = createWriteStream(path, { flags: 'a', mode: 0o600 });
  // A full or failing disk must not crash the wizard from a stream event; the journal write reports it.
  let failed: Error | undefined;
  stream.on('error', (error) => {
    failed = error;
  });
  return {
    path,
    write: (line) => {
      if (!failed && !stream.destroyed) stream.write(`${line}\n`);
    },
    flush: () =>
      new Promise((resolve) => {
        if (failed || stream.destroyed) return resolve();
        stream.write('', () => resolve());
      }),
    close: () => new Promise((resolve) => (failed || stream.destroyed ? resolve() : stream.end(resolve))),
  };
}

/** A transcript that keeps nothing (used by read-only commands such as `detect`). */
export const nullTranscript: Transcript = { path: '', write: () => {}, flush: async () => {}, close: async () => {} };
