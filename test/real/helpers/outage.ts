// An external watch on a homeserver, as its users see it: GET server_version every 50 ms (each request waits
// at most 1 s), from the test process, independent of the wizard. The outages it saw are what the downtime
// the wizard reports is compared with, on the same run.
export interface Sample {
  /** When the request was sent, and when its answer (or failure) came back (ms since the epoch). */
  sentAt: number;
  doneAt: number;
  ok: boolean;
}

export interface Outage {
  /** The first unanswered request's send time. */
  from: number;
  /** When the first answered request after it came back. */
  to: number;
  ms: number;
}

export interface ServerWatch {
  samples: Sample[];
  /** Whether the newest sample went unanswered. */
  down(): boolean;
  stop(): Promise<void>;
}

export function watchServer(url: string, everyMs = 50): ServerWatch {
  const samples: Sample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const sentAt = Date.now();
      let ok: boolean;
      try {
        const res = await fetch(`${url}/_synapse/admin/v1/server_version`, { signal: AbortSignal.timeout(1000) });
        ok = res.ok && typeof ((await res.json()) as { server_version?: unknown }).server_version === 'string';
      } catch {
        ok = false;
      }
      samples.push({ sentAt, doneAt: Date.now(), ok });
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    samples,
    down: () => samples.at(-1)?.ok === false,
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** The outages in a watch: each run of unanswered requests ended by an answered one. */
export function outagesOf(samples: Sample[]): Outage[] {
  const found: Outage[] = [];
  let from: number | undefined;
  for (const s of samples) {
    if (!s.ok) from ??= s.sentAt;
    else if (from !== undefined) {
      found.push({ from, to: s.doneAt, ms: s.doneAt - from });
      from = undefined;
    }
  }
  return found;
}
