import { parseServerHeader, parseServerVersionBody, type ServerVersionAnswer } from '../core/server-version.js';
import { httpGet, type HttpAnswer } from './http-get.js';

export type VersionProbe = { ok: true; answer: ServerVersionAnswer; serverHeader: string | undefined } | { ok: false; reachable: boolean; reason: string };

const VERSION_PATH = '/_synapse/admin/v1/server_version';

/** At most this much of an answer is read (Synapse's are a few dozen bytes); the rest is never downloaded. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** The body's first MAX_BODY_BYTES as text; the connection is cancelled there, so a huge answer costs 1 MiB. */
export async function boundedText(response: Response, max = MAX_BODY_BYTES): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < max) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  if (size >= max) await reader.cancel().catch(() => {});
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}

/** One GET of the version endpoint. Never throws: an unreachable or lying server is data. */
export async function probeServerVersion(baseUrl: string, timeoutMs = 3000): Promise<VersionProbe> {
  let response: HttpAnswer;
  try {
    response = await httpGet(new URL(VERSION_PATH, baseUrl), { timeoutMs, maxBytes: MAX_BODY_BYTES });
  } catch (error) {
    return { ok: false, reachable: false, reason: `nothing answered at ${baseUrl} (${causeOf(error)})` };
  }
  try {
    const answer = parseServerVersionBody(response.status, response.headers['content-type'] ?? '', response.body);
    return { ok: true, answer, serverHeader: response.headers.server };
  } catch (error) {
    return { ok: false, reachable: true, reason: (error as Error).message };
  }
}

/** GET /health: Synapse answers `OK` on every HTTP listener. */
export async function probeHealth(baseUrl: string, timeoutMs = 3000): Promise<boolean> {
  try {
    const response = await httpGet(new URL('/health', baseUrl), { timeoutMs, maxBytes: MAX_BODY_BYTES });
    return response.status === 200 && response.body.trim() === 'OK';
  } catch {
    return false;
  }
}

/**
 * A worker's version: its version endpoint where it has one (the stand-in's, a future Synapse's), else the
 * `Server: Synapse/X` header of GET /_matrix/client/versions (real workers answer the version endpoint
 * with 404 M_UNRECOGNIZED). Never throws.
 */
export async function probeWorkerVersion(baseUrl: string, timeoutMs = 3000): Promise<VersionProbe> {
  const direct = await probeServerVersion(baseUrl, timeoutMs);
  if (direct.ok || !direct.reachable) return direct;
  try {
    const response = await httpGet(new URL('/_matrix/client/versions', baseUrl), { timeoutMs, maxBytes: 0 });
    const serverHeader = response.headers.server;
    const answer = response.status === 200 ? parseServerHeader(serverHeader) : undefined;
    if (answer) return { ok: true, answer, serverHeader };
    return {
      ok: false,
      reachable: true,
      reason: `${direct.reason}; /_matrix/client/versions answered HTTP ${response.status} with no "Server: Synapse/…" header`,
    };
  } catch (error) {
    return { ok: false, reachable: false, reason: `nothing answered at ${baseUrl} (${causeOf(error)})` };
  }
}

const causeOf = (error: unknown): string => (error as { code?: string }).code ?? (error as Error).name;
