import { readdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/**
 * A find-links page for pip over real HTTP, serving a wheelhouse, that can hold a wheel's download half-way:
 * pip is then in the middle of `pip install` for as long as the test wants (a slow mirror). It counts every
 * download, so a test can prove a wheel was fetched (installed) once.
 * Use with PIP_NO_INDEX=1, PIP_FIND_LINKS=<url>, PIP_TRUSTED_HOST=127.0.0.1, PIP_NO_CACHE_DIR=1.
 */
export interface SlowIndex {
  url: string;
  /** How many times each file was requested. */
  downloads: Map<string, number>;
  /** Downloads of files matching `pattern` stop half-way until `release()` (or `autoReleaseMs` after the request). */
  hold(pattern: RegExp, autoReleaseMs?: number): void;
  release(): void;
  /** Resolves when a held file has been requested (its download is now in progress). */
  held(): Promise<string>;
  close(): Promise<void>;
}

export async function startSlowIndex(wheelhouse: string): Promise<SlowIndex> {
  const downloads = new Map<string, number>();
  let pattern: RegExp | undefined;
  let autoMs: number | undefined;
  const releasers: (() => void)[] = [];
  const releaseAll = (): void => {
    for (const r of releasers.splice(0)) r();
  };
  let heldWaiters: ((name: string) => void)[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const name = decodeURIComponent((req.url ?? '/').split('?')[0]!.slice(1));
      if (name === '' || name.endsWith('/')) {
        const files = (await readdir(wheelhouse)).filter((f) => f.endsWith('.whl') || f.endsWith('.tar.gz'));
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(`<!DOCTYPE html><html><body>\n${files.map((f) => `<a href="${encodeURIComponent(f)}">${f}</a><br>`).join('\n')}\n</body></html>\n`);
        return;
      }
      if (name.includes('/') || name.startsWith('.')) {
        res.writeHead(404).end();
        return;
      }
      const data = await readFile(join(wheelhouse, name)).catch(() => undefined);
      if (!data) {
        res.writeHead(404).end();
        return;
      }
      downloads.set(name, (downloads.get(name) ?? 0) + 1);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(data.length) });
      if (!pattern?.test(name)) {
        res.end(data);
        return;
      }
      const half = Math.floor(data.length / 2);
      res.write(data.subarray(0, half));
      const waiters = heldWaiters;
      heldWaiters = [];
      for (const w of waiters) w(name);
      let sent = half;
      // Keep pip's read time-out (15 s) from firing: one real byte every 2 s while held.
      const trickle = setInterval(() => {
        if (sent < data.length - 1) res.write(data.subarray(sent, ++sent));
      }, 2000);
      let resolveThis!: () => void;
      const released = new Promise<void>((resolve) => {
        resolveThis = resolve;
        releasers.push(resolve);
      });
      const auto = autoMs === undefined ? undefined : setTimeout(() => resolveThis(), autoMs);
      await released;
      clearInterval(trickle);
      if (auto) clearTimeout(auto);
      res.end(data.subarray(sent));
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    downloads,
    hold(p, autoReleaseMs) {
      pattern = p;
      autoMs = autoReleaseMs;
    },
    release() {
      pattern = undefined;
      releaseAll();
    },
    held: () => new Promise((resolve) => heldWaiters.push(resolve)),
    close: () => {
      releaseAll();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** The environment that points pip at a SlowIndex instead of a local wheelhouse folder. */
export const slowIndexEnv = (index: SlowIndex): Record<string, string> => ({
  PIP_FIND_LINKS: index.url,
  PIP_TRUSTED_HOST: '127.0.0.1',
  PIP_NO_CACHE_DIR: '1',
});
