import { parseServerVersionBody, type ServerVersionAnswer } from '../core/server-version.js';

export type VersionProbe =
  | { ok: true; answer: ServerVersionAnswer; serverHeader: string | undefined }
  | { ok: false; reachable: boolean; reason: string };

const VERSION_PATH = '/_synapse/admin/v1/server_version';

/** One GET of the version endpoint. Never throws: an unreachable or lying server is data. */
export async function probeServerVersion(baseUrl: string, timeoutMs = 3000): Promise<VersionProbe> {
  let response: Response;
  try {
    response = await fetch(new URL(VERSION_PATH, baseUrl), { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    return { ok: false, reachable: false, reason: `nothing answered at ${baseUrl} (${cause})` };
  }
  const body = await response.text().catch(() => '');
  try {
    const answer = parseServerVersionBody(response.status, response.headers.get('content-type') ?? '', body);
    return { ok: true, answer, serverHeader: response.headers.get('server') ?? undefined };
  } catch (error) {
    return { ok: false, reachable: true, reason: (error as Error).message };
  }
}

/** GET /health: Synapse answers `OK` on every HTTP listener. */
export async function probeHealth(baseUrl: string, timeoutMs = 3000): Promise<boolean> {
  try {
    const response = await fetch(new URL('/health', baseUrl), { signal: AbortSignal.timeout(timeoutMs) });
    return response.status === 200 && (await response.text()).trim() === 'OK';
  } catch {
    return false;
  }
}
