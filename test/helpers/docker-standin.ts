import { copyFile, chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { renderHomeserverYaml, renderLogConfig, standinPaths, standinSourceDir } from '../../src/demo/standin.js';

const STANDIN = fileURLToPath(new URL('../fixtures/docker/docker-standin.py', import.meta.url));

export interface DockerStandin {
  /** Put first on PATH: holds the stand-in `docker`. */
  bin: string;
  root: string;
  /** Environment the stand-in needs (its state folder, the wheelhouse its "registry" pulls from). */
  env: Record<string, string>;
  docker(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  /** Every docker call so far, as argv arrays. */
  calls(): Promise<string[][]>;
}

export async function dockerStandin(root: string, wheelhouse: string): Promise<DockerStandin> {
  const bin = join(root, 'bin');
  const state = join(root, 'docker');
  await mkdir(bin, { recursive: true });
  await mkdir(state, { recursive: true });
  await copyFile(STANDIN, join(bin, 'docker'));
  await chmod(join(bin, 'docker'), 0o755);
  await writeFile(join(state, 'docker.sock'), '');
  const env = { STANDIN_DOCKER_ROOT: state, STANDIN_DOCKER_WHEELHOUSE: wheelhouse, STANDIN_DOCKER_YAML_PATH: standinSourceDir() };
  return {
    bin,
    root: state,
    env,
    async docker(args) {
      const r = await execa(join(bin, 'docker'), args, { env: { ...process.env, ...env }, reject: false });
      return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
    },
    async calls() {
      const text = await readFile(join(state, 'calls.jsonl'), 'utf8').catch(() => '');
      return text
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as string[]);
    },
  };
}

/** A /data folder for a Synapse container: the stand-in's homeserver.yaml and log config (host paths inside). */
export async function dataDir(dir: string, port: number, serverName = 'docker.test'): Promise<string> {
  await mkdir(dir, { recursive: true });
  const paths = standinPaths(dir, serverName);
  await writeFile(paths.configPath, renderHomeserverYaml({ root: dir, serverName, port, bindAddresses: ['127.0.0.1'] }));
  await writeFile(paths.logConfigPath, renderLogConfig(paths.logPath));
  return paths.configPath;
}

/**
 * A registry answering the v2 tags API the way Docker Hub does: 401 with a Bearer challenge, a token
 * endpoint, then the tags in pages linked by `Link: <…>; rel="next"`.
 */
export async function registryStub(tags: string[], pageSize = 3): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}${req.headers.authorization ? ' (authorized)' : ''}`);
    const url = new URL(req.url ?? '/', 'http://registry');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (url.pathname === '/token') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 'standin-token' }));
      return;
    }
    const m = /^\/v2\/(.+)\/tags\/list$/.exec(url.pathname);
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    if (req.headers.authorization !== 'Bearer standin-token') {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="${base}/token",service="standin-registry",scope="repository:${m[1]}:pull"` }).end('{}');
      return;
    }
    const last = url.searchParams.get('last');
    const start = last ? tags.indexOf(last) + 1 : 0;
    const page = tags.slice(start, start + pageSize);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (start + pageSize < tags.length) headers.link = `</v2/${m[1]}/tags/list?n=${pageSize}&last=${page.at(-1)}>; rel="next"`;
    res.writeHead(200, headers).end(JSON.stringify({ name: m[1], tags: page }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
