import { open } from 'node:fs/promises';

/**
 * The last `count` lines of a file written after byte `fromOffset` (reads at most the last 64 KiB);
 * empty when unreadable. A file that shrank (rotated) is read from its start.
 */
export async function lastLines(path: string, count: number, fromOffset = 0): Promise<string[]> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return [];
  }
  try {
    const { size } = await handle.stat();
    const start = Math.max(fromOffset <= size ? fromOffset : 0, size - 64 * 1024);
    const length = size - start;
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, start);
    const lines = buffer.toString('utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    if (start > fromOffset) lines.shift();
    return lines.slice(-count);
  } finally {
    await handle.close();
  }
}
