import { isIP } from 'node:net';
import { usageError } from '../core/errors.js';
import type { HomeserverConfig } from './homeserver-config.js';

export interface ListenerChoice {
  url: string;
  /** Where the listener is defined, for messages. */
  file: string;
  line: number | undefined;
}

const WILDCARD_V4 = new Set(['0.0.0.0', '']);
const WILDCARD_V6 = new Set(['::', '[::]']);

/** The host to dial for a bind address: wildcards become the matching loopback. */
export function dialHost(bind: string): string {
  if (WILDCARD_V4.has(bind)) return '127.0.0.1';
  if (WILDCARD_V6.has(bind)) return '[::1]';
  if (bind.includes(':')) return bind.startsWith('[') ? bind : `[${bind}]`;
  return bind;
}

function resourceNames(listener: Record<string, unknown>): string[] {
  const resources = Array.isArray(listener.resources) ? listener.resources : [];
  return resources.flatMap((resource) => {
    const names = (resource as { names?: unknown } | null)?.names;
    return Array.isArray(names) ? names.map(String) : [];
  });
}

/**
 * The URL of the first `http` listener whose resources include `client` (it also serves the
 * admin version endpoint). IPv4 loopback is preferred when a listener binds several addresses.
 */
export function clientListenerUrl(config: HomeserverConfig): ListenerChoice | undefined {
  const matches = config.find('listeners.*');
  for (const match of matches) {
    const listener = match.value as Record<string, unknown> | null;
    if (!listener || typeof listener !== 'object') continue;
    if ((listener.type ?? 'http') !== 'http' || typeof listener.port !== 'number') continue;
    if (!resourceNames(listener).includes('client')) continue;
    const binds = Array.isArray(listener.bind_addresses)
      ? listener.bind_addresses.map(String)
      : typeof listener.bind_address === 'string'
        ? [listener.bind_address]
        : ['::', '0.0.0.0'];
    const where = `${match.file}${match.line ? `:${match.line}` : ''}`;
    if (!Number.isInteger(listener.port) || listener.port < 1 || listener.port > 65535) {
      throw usageError(
        `${where}: the listener's port ${String(listener.port).slice(0, 40)} is not a port (1-65535).`,
        'Fix the listener in the config; nothing was changed.',
      );
    }
    for (const bind of binds) {
      const bare = bind.replace(/^\[(.*)\]$/, '$1');
      if (bare !== '' && !isIP(bare)) {
        throw usageError(
          `${where}: the listener's bind address ${JSON.stringify(bind.slice(0, 80))} is not an IP address.`,
          'Fix the listener in the config; nothing was changed.',
        );
      }
    }
    const hosts = binds.map(dialHost);
    const host = hosts.find((h) => !h.startsWith('[')) ?? hosts[0] ?? '127.0.0.1';
    const scheme = listener.tls === true ? 'https' : 'http';
    return { url: `${scheme}://${host}:${listener.port}`, file: match.file, line: match.line };
  }
  return undefined;
}
