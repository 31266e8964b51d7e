import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseVersion } from '../core/version.js';
import { readOnly } from './probe.js';
import { readTarGzMember } from './sdist-file.js';

/**
 * Reads docs/upgrade.md out of a release's sdist on the package index: read-only (two GETs), every answer
 * bounded in size and time, the archive checked against the index's sha256, and the file cached so the next
 * run reads it from disk. The text is outside text: callers strip and cap it (src/core/notes/coverage.ts).
 */
export type UpstreamUpgradeMd = { ok: true; text: string; source: string; cached: boolean } | { ok: false; reason: string };

export interface UpstreamOptions {
  version: string;
  /** Where read files are kept; default cacheDir(). */
  cacheDir?: string;
  /** The simple index (PEP 503/691); default: the machine's pip index-url, else PyPI. */
  indexUrl?: string;
  timeoutMs?: number;
}

export const FETCH_LIMITS = { indexPage: 32 * 1024 * 1024, sdist: 128 * 1024 * 1024 } as const;
const PYPI = 'https://pypi.org/simple/';

/** $SYNAPSE_UPGRADE_CACHE_DIR, else $XDG_CACHE_HOME/synapse-upgrade, else ~/.cache/synapse-upgrade. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SYNAPSE_UPGRADE_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'synapse-upgrade');
}

const YES = /^(1|true|yes|on)$/i;

/**
 * The index pip would use: $PIP_INDEX_URL, else index-url from `pip config list`, else PyPI; undefined when
 * pip is set to use no index at all ($PIP_NO_INDEX or no-index in its config).
 */
export async function pipIndexUrl(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (YES.test(env.PIP_NO_INDEX ?? '')) return undefined;
  if (env.PIP_INDEX_URL) return env.PIP_INDEX_URL;
  const probe = await readOnly(['python3', '-m', 'pip', 'config', 'list', '--disable-pip-version-check'], { timeoutMs: 15_000 }).catch(() => undefined);
  const setting = (key: string): string | undefined => {
    for (const scope of [':env:', 'download', 'install', 'global']) {
      const match = new RegExp(`^${scope.replace(/[.:]/g, '\\$&')}\\.${key}='([^']*)'`, 'm').exec(probe?.stdout ?? '');
      if (match?.[1]) return match[1];
    }
    return undefined;
  };
  if (YES.test(setting('no-index') ?? '')) return undefined;
  return setting('index-url') ?? PYPI;
}

/** GET with a time limit and a size limit; the body as bytes. */
export async function boundedGet(url: string, maxBytes: number, timeoutMs: number, accept?: string): Promise<{ body: Buffer; type: string; url: string }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: accept ? { accept } : {} });
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > maxBytes) throw new Error(`${url} is ${declared} bytes, more than the ${maxBytes} allowed`);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response.body ?? []) {
    total += (chunk as Uint8Array).length;
    if (total > maxBytes) throw new Error(`${url} sent more than the ${maxBytes} bytes allowed`);
    chunks.push(Buffer.from(chunk as Uint8Array));
  }
  return { body: Buffer.concat(chunks), type: response.headers.get('content-type') ?? '', url: response.url || url };
}

/** The sdist of `version` on an index page (JSON per PEP 691, or HTML per PEP 503), with its sha256 when given. */
export function findSdist(page: string, type: string, pageUrl: string, version: string): { url: string; sha256: string | undefined } | undefined {
  const names = new Set([`matrix_synapse-${version}.tar.gz`, `matrix-synapse-${version}.tar.gz`]);
  if (/json/.test(type)) {
    const data = JSON.parse(page) as { files?: { filename?: unknown; url?: unknown; hashes?: { sha256?: unknown } }[] };
    const file = (data.files ?? []).find((f) => typeof f.filename === 'string' && names.has(f.filename) && typeof f.url === 'string');
    if (!file) return undefined;
    return { url: new URL(file.url as string, pageUrl).href, sha256: typeof file.hashes?.sha256 === 'string' ? file.hashes.sha256 : undefined };
  }
  for (const match of page.matchAll(/<a\s[^>]*href="([^"]+)"[^>]*>([^<]*)<\/a>/gi)) {
    if (!names.has((match[2] ?? '').trim())) continue;
    const href = (match[1] as string).replace(/&amp;/g, '&');
    const url = new URL(href, pageUrl);
    const sha256 = /sha256=([0-9a-f]{64})/i.exec(url.hash)?.[1];
    url.hash = '';
    return { url: url.href, sha256 };
  }
  return undefined;
}

const isUpgradeMd = (path: string): boolean => /^[^/]+\/docs\/upgrade\.md$/.test(path);

/** docs/upgrade.md of matrix-synapse `version`'s sdist, from the cache or the index. Never throws. */
export async function readUpstreamUpgradeMd(opts: UpstreamOptions): Promise<UpstreamUpgradeMd> {
  const version = parseVersion(opts.version)?.text;
  if (!version) return { ok: false, reason: `"${opts.version}" is not a Synapse version` };
  const dir = join(opts.cacheDir ?? cacheDir(), 'upgrade-notes');
  const cached = join(dir, `${version}.md`);
  try {
    const meta = JSON.parse(await readFile(`${cached}.json`, 'utf8')) as { source?: string };
    return { ok: true, text: await readFile(cached, 'utf8'), source: meta.source ?? `matrix-synapse ${version} sdist`, cached: true };
  } catch {
    // not cached yet
  }
  const timeoutMs = opts.timeoutMs ?? 60_000;
  try {
    const configured = opts.indexUrl ?? (await pipIndexUrl());
    if (configured === undefined) return { ok: false, reason: 'pip is set to use no package index (PIP_NO_INDEX or no-index)' };
    const index = configured.replace(/\/?$/, '/');
    if (!/^https?:\/\//.test(index)) return { ok: false, reason: `the package index ${index} is not an http(s) URL` };
    const page = await boundedGet(`${index}matrix-synapse/`, FETCH_LIMITS.indexPage, timeoutMs, 'application/vnd.pypi.simple.v1+json, text/html;q=0.1');
    const sdist = findSdist(page.body.toString('utf8'), page.type, page.url, version);
    if (!sdist) return { ok: false, reason: `the package index ${index} has no sdist of matrix-synapse ${version}` };
    const archive = await boundedGet(sdist.url, FETCH_LIMITS.sdist, timeoutMs);
    const digest = createHash('sha256').update(archive.body).digest('hex');
    if (sdist.sha256 && digest !== sdist.sha256.toLowerCase()) return { ok: false, reason: `${sdist.url} does not match the sha256 the index gives` };
    const member = readTarGzMember(archive.body, isUpgradeMd);
    if (!member) return { ok: false, reason: `the matrix-synapse ${version} sdist holds no docs/upgrade.md` };
    const text = member.toString('utf8');
    const source = `docs/upgrade.md in ${sdist.url.split('/').pop() ?? 'the sdist'}`;
    await mkdir(dir, { recursive: true, mode: 0o700 })
      .then(async () => {
        await writeFile(`${cached}.tmp`, text, { mode: 0o600 });
        await rename(`${cached}.tmp`, cached);
        await writeFile(`${cached}.json`, JSON.stringify({ source, url: sdist.url, sha256: digest }), { mode: 0o600 });
      })
      .catch(() => undefined);
    return { ok: true, text, source, cached: false };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { ok: false, reason: `${(error as Error).name === 'TimeoutError' ? 'no answer in time' : (error as Error).message}${cause ? ` (${cause})` : ''}` };
  }
}
