import { capText, SHOWN_LIMITS } from './screen-text.js';
import { parseVersion } from './version.js';

export interface ServerVersionAnswer {
  /** The plain version, e.g. `1.47.0`. */
  version: string;
  /** The full string the server reported, e.g. `1.47.0 (b=master,t=v1.47.0,abc123)`, cut at SHOWN_LIMITS.version. */
  raw: string;
  python: string | undefined;
}

/**
 * Reads the body of GET /_synapse/admin/v1/server_version. Accepts both shapes:
 * `{"server_version": …}` (1.94+) and `{"server_version": …, "python_version": …}` (older).
 * Throws an Error worded for the admin for anything else.
 */
export function parseServerVersionBody(status: number, contentType: string, body: string): ServerVersionAnswer {
  if (status !== 200) {
    throw new Error(`the version endpoint answered HTTP ${status} instead of 200${snippet(body)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    const kind = /html/i.test(contentType) || /^\s*</.test(body) ? 'an HTML page' : 'something that is not JSON';
    throw new Error(`the version endpoint answered ${kind}${snippet(body)}; is a proxy or another program on that port?`);
  }
  const raw = (data as { server_version?: unknown } | null)?.server_version;
  if (typeof raw !== 'string') throw new Error(`the version endpoint answered JSON without "server_version"${snippet(body)}`);
  const version = parseVersion(raw);
  if (!version) throw new Error(`the server reported a version the wizard cannot read: "${capText(raw, SHOWN_LIMITS.version)}"`);
  const python = (data as { python_version?: unknown }).python_version;
  return {
    version: version.text,
    raw: capText(raw, SHOWN_LIMITS.version),
    python: typeof python === 'string' ? capText(python, SHOWN_LIMITS.version) : undefined,
  };
}

/** The start of an error body, on one line, at most SHOWN_LIMITS.snippet characters. */
function snippet(body: string): string {
  const text = capText(
    body
      .slice(0, SHOWN_LIMITS.snippet * 4)
      .replace(/\s+/g, ' ')
      .trim(),
    SHOWN_LIMITS.snippet,
  );
  return text ? ` ("${text}")` : '';
}

/**
 * The version in Synapse's `Server` header (`Synapse/1.161.0`), which every HTTP listener of every Synapse
 * process sends. A worker answers /_synapse/admin/v1/server_version with 404 M_UNRECOGNIZED (the version
 * servlet is registered on the main process only), so a worker's version is read here.
 */
export function parseServerHeader(header: string | null | undefined): ServerVersionAnswer | undefined {
  const raw = /^Synapse\/(\S+)$/.exec((header ?? '').trim())?.[1];
  const version = raw ? parseVersion(raw) : undefined;
  return raw && version ? { version: version.text, raw: capText(raw, SHOWN_LIMITS.version), python: undefined } : undefined;
}
