import { loadHomeserverConfig } from '../config/homeserver-config.js';
import { clientListenerUrl } from '../config/listener.js';
import { visibleUrl } from './docker-detect.js';
import type { Install } from './types.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1', '0.0.0.0', '[::]']);

function portOf(url: URL): string {
  return url.port || (url.protocol === 'https:' ? '443' : '80');
}

/** Whether `--url` names this listener: the same origin, or the same port on this host (loopback or wildcard). */
export function sameListener(listener: string, given: string): boolean {
  let a: URL;
  let b: URL;
  try {
    a = new URL(listener);
    b = new URL(given);
  } catch {
    return false;
  }
  if (a.origin === b.origin) return true;
  return LOOPBACK.has(a.hostname) && LOOPBACK.has(b.hostname) && portOf(a) === portOf(b);
}

/**
 * Among equally plausible installs, the ones whose client listener is the `--url` the admin gave
 * (several homeservers on one host differ by their listener). Unreadable configs do not match.
 */
export async function matchingUrl(candidates: Install[], url: string): Promise<Install[]> {
  const matches: Install[] = [];
  for (const candidate of candidates) {
    if (!candidate.configPaths.length) continue;
    const config = await loadHomeserverConfig(candidate.configPaths).catch(() => undefined);
    const listener = config ? clientListenerUrl(config) : undefined;
    if (listener && sameListener(visibleUrl(candidate, listener.url), url)) {
      candidate.evidence.push(`its client listener ${listener.url} is the --url ${url}`);
      matches.push(candidate);
    }
  }
  return matches;
}
