import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The append-only record of every command: argv, cwd, exit code, duration and all output.
 * Lines are buffered by the stream, so a flood of output costs little.
 */
export interface Transcript {
  path: string;
  write(line: string): void;
  close(): Promise<void>;
}

export function openTranscript(path: string): Transcript {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const stream: WriteStream = createWriteStream(path, { flags: 'a', mode: 0o600 });
  return {
    path,
    write: (line) => void stream.write(`${line}\n`),
    close: () => new Promise((resolve) => stream.end(resolve)),
  };
}

/** A transcript that keeps nothing (used by read-only commands such as `detect`). */
export const nullTranscript: Transcript = { path: '', write: () => {}, close: async () => {} };
