// Times in Synapse's own log: its lines start with the server's local time, `2026-12-01 03:14:23,378 - …`.
// A resumed wizard reads from them when the listener closed (the old process stopping) and opened again
// (the new one listening), for the part of an outage it did not see itself. Pure functions over lines.

const STAMP = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)[,.](\d{3}) - /;

/** The time a log line was written (local time, as Synapse writes it), or undefined for other lines. */
export function logLineTime(line: string): number | undefined {
  const m = STAMP.exec(line);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s, ms] = m.slice(1).map(Number) as [number, number, number, number, number, number, number];
  const at = new Date(y, mo - 1, d, h, mi, s, ms).getTime();
  return Number.isFinite(at) ? at : undefined;
}

export interface ListenerTimes {
  /** `Synapse now listening on TCP port N` */
  opened: number[];
  /** Twisted's `(TCP Port N Closed)` */
  closed: number[];
  /** `garbage collector: Freezing all allocated objects…`: the last thing Synapse's start() logs (newer releases). */
  started: number[];
}

/** When the log says the listener on `port` opened and closed, in the order written. */
export function listenerTimes(lines: readonly string[], port: number): ListenerTimes {
  const found: ListenerTimes = { opened: [], closed: [], started: [] };
  const opened = new RegExp(` - Synapse now listening on TCP port ${port}\\s*$`);
  const closed = new RegExp(` - \\(TCP Port ${port} Closed\\)\\s*$`);
  const started = / - garbage collector: Freezing all allocated objects/;
  for (const line of lines) {
    const list = opened.test(line) ? found.opened : closed.test(line) ? found.closed : started.test(line) ? found.started : undefined;
    const at = list ? logLineTime(line) : undefined;
    if (list && at !== undefined) list.push(at);
  }
  return found;
}

/**
 * The part of an outage the wizard did not see, bounded by what it knows: the listener closing at or after
 * `after` (the restart's start), and it opening again after that and no later than `before` (when the wizard
 * saw it answer); Synapse serves once its start() is through, so the end of start() counts when the log
 * shows it. Times outside those bounds (another clock, an older log) are not used.
 */
export function outageFromLog(times: ListenerTimes, after: number, before: number): { closedAt?: number; openedAt?: number } {
  const closedAt = times.closed.find((t) => t >= after && t <= before);
  const listening = times.opened.find((t) => t >= (closedAt ?? after) && t <= before);
  const through = listening === undefined ? undefined : times.started.find((t) => t >= listening && t <= before);
  const openedAt = through ?? listening;
  return { ...(closedAt !== undefined ? { closedAt } : {}), ...(openedAt !== undefined ? { openedAt } : {}) };
}
