import { open } from 'node:fs/promises';
import { listenerTimes, outageFromLog, type ListenerTimes } from '../core/log-times.js';

/** At most this much of the log's end is read (a restart's lines are well within it). */
const MAX_BYTES = 4 * 1024 * 1024;

/** When Synapse's log (its last 4 MiB) says the listener on `port` opened and closed; empty when unreadable. */
export async function readListenerTimes(logFile: string, port: number): Promise<ListenerTimes> {
  try {
    const handle = await open(logFile, 'r');
    try {
      const { size } = await handle.stat();
      const start = Math.max(0, size - MAX_BYTES);
      const buffer = Buffer.alloc(size - start);
      await handle.read(buffer, 0, buffer.length, start);
      return listenerTimes(buffer.toString('utf8').split('\n'), port);
    } finally {
      await handle.close();
    }
  } catch {
    return { opened: [], closed: [], started: [] };
  }
}

/** What Synapse's log says of an outage between `after` and `before` on the listener of `url` (see outageFromLog). */
export async function outageInLog(logFile: string | undefined, url: string, after: number, before: number): Promise<{ closedAt?: number; openedAt?: number }> {
  if (!logFile) return {};
  const u = new URL(url);
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  return outageFromLog(await readListenerTimes(logFile, port), after, before);
}
