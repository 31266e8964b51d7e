import { boundedText } from '../system/http.js';
import { splitImageRef } from './docker-image.js';

/** Registry answers are small (a tags page, a manifest, an image config); anything larger is refused. */
const MAX_ANSWER = 4 * 1024 * 1024;
const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/;

export interface RegistryPlace {
  /** Base URLs to try in order: https first; plain http only for a registry on this machine's loopback (as Docker does). */
  bases: string[];
  /** The repository path in that registry. */
  path: string;
}

/**
 * Where a repository's registry API is: the registry the image came from (Docker Hub when the
 * reference names none, `library/` for official images), or `$SYNAPSE_UPGRADE_REGISTRY_MIRROR`.
 */
export function registryFor(image: string, env: NodeJS.ProcessEnv = process.env): RegistryPlace {
  const ref = splitImageRef(image);
  const hub = !ref.host || /^(docker\.io|index\.docker\.io|registry-1\.docker\.io)$/.test(ref.host);
  const path = hub && !ref.path.includes('/') ? `library/${ref.path}` : ref.path;
  const mirror = env.SYNAPSE_UPGRADE_REGISTRY_MIRROR?.replace(/\/$/, '');
  if (mirror) return { bases: [mirror], path };
  if (hub) return { bases: ['https://registry-1.docker.io'], path };
  const host = ref.host as string;
  return { bases: LOOPBACK.test(host) ? [`https://${host}`, `http://${host}`] : [`https://${host}`], path };
}

/** Reads a `WWW-Authenticate: Bearer realm=…,service=…,scope=…` challenge. */
export function parseChallenge(header: string): Record<string, string> | undefined {
  if (!/^Bearer\s/i.test(header)) return undefined;
  const out: Record<string, string> = {};
  for (const m of header.matchAll(/(\w+)="([^"]*)"/g)) if (m[1] && m[2] !== undefined) out[m[1]] = m[2];
  return out;
}

/** A read-only client of one repository in a registry: anonymous token auth, http fallback on loopback only. */
export class RegistryClient {
  private token: string | undefined;
  private base: string | undefined;

  constructor(
    private readonly place: RegistryPlace,
    private readonly fetcher: typeof fetch = fetch,
  ) {}

  get where(): string {
    return this.base ?? this.place.bases[0] ?? '';
  }

  /** GET a path of the v2 API (`/v2/<path>/tags/list`); follows the Bearer challenge once. */
  async get(pathAndQuery: string, accept?: string): Promise<Response> {
    let lastError: unknown;
    for (const base of this.base ? [this.base] : this.place.bases) {
      try {
        const response = await this.getFrom(base, pathAndQuery, accept);
        this.base = base;
        return response;
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError instanceof Error ? lastError : new Error(String(lastError));
  }

  private async getFrom(base: string, pathAndQuery: string, accept: string | undefined): Promise<Response> {
    const url = new URL(pathAndQuery, base);
    const headers = (): Record<string, string> => ({ ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}), ...(accept ? { Accept: accept } : {}) });
    let response = await this.fetcher(url, { headers: headers(), signal: AbortSignal.timeout(30_000) });
    if (response.status === 401 && !this.token) {
      const challenge = parseChallenge(response.headers.get('www-authenticate') ?? '');
      if (!challenge?.realm) throw new Error(`the registry at ${base} asks for credentials`);
      const tokenUrl = new URL(challenge.realm);
      if (challenge.service) tokenUrl.searchParams.set('service', challenge.service);
      tokenUrl.searchParams.set('scope', challenge.scope ?? `repository:${this.place.path}:pull`);
      const t = JSON.parse(await boundedText(await this.fetcher(tokenUrl, { signal: AbortSignal.timeout(30_000) }), MAX_ANSWER)) as {
        token?: string;
        access_token?: string;
      };
      this.token = t.token ?? t.access_token;
      response = await this.fetcher(url, { headers: headers(), signal: AbortSignal.timeout(30_000) });
    }
    if (!response.ok) throw new Error(`${url.origin}${url.pathname} answered HTTP ${response.status}`);
    return response;
  }

  async json<T>(pathAndQuery: string, accept?: string): Promise<{ body: T; response: Response }> {
    const response = await this.get(pathAndQuery, accept);
    return { body: JSON.parse(await boundedText(response, MAX_ANSWER)) as T, response };
  }
}

/** Every tag of a repository through the registry API (token auth, `Link` pagination). */
export async function listRegistryTags(image: string, env: NodeJS.ProcessEnv = process.env, fetcher: typeof fetch = fetch): Promise<string[]> {
  const place = registryFor(image, env);
  const client = new RegistryClient(place, fetcher);
  let next: string | undefined = `/v2/${place.path}/tags/list?n=1000`;
  const tags: string[] = [];
  for (let page = 0; next && page < 50; page++) {
    const { body, response }: { body: { tags?: string[] | null }; response: Response } = await client.json<{ tags?: string[] | null }>(next);
    tags.push(...(body.tags ?? []).filter((t) => typeof t === 'string'));
    next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
  }
  return tags;
}

const MANIFESTS = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export interface RemoteImageConfig {
  Env?: string[] | null;
  Labels?: Record<string, string> | null;
}

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' };

/**
 * An image's config (Env, Labels) read from its registry without pulling it: the manifest (this
 * machine's platform from a multi-platform index), then the config blob it names.
 */
export async function registryImageConfig(
  image: string,
  env: NodeJS.ProcessEnv = process.env,
  fetcher: typeof fetch = fetch,
): Promise<RemoteImageConfig | undefined> {
  const ref = splitImageRef(image);
  const place = registryFor(image, env);
  const client = new RegistryClient(place, fetcher);
  type Manifest = { manifests?: { digest: string; platform?: { os?: string; architecture?: string } }[]; config?: { digest?: string } };
  let { body: manifest } = await client.json<Manifest>(`/v2/${place.path}/manifests/${ref.digest ?? ref.tag ?? 'latest'}`, MANIFESTS);
  if (manifest.manifests) {
    const arch = ARCH[process.arch] ?? process.arch;
    const pick = manifest.manifests.find((m) => m.platform?.os === 'linux' && m.platform.architecture === arch);
    if (!pick) return undefined;
    ({ body: manifest } = await client.json<Manifest>(`/v2/${place.path}/manifests/${pick.digest}`, MANIFESTS));
  }
  const digest = manifest.config?.digest;
  if (!digest || !/^sha256:[0-9a-f]{64}$/.test(digest)) return undefined;
  const { body } = await client.json<{ config?: RemoteImageConfig }>(`/v2/${place.path}/blobs/${digest}`);
  return body.config;
}
