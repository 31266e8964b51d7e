import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  hostDatabaseValues,
  hostPath,
  parseImageRef,
  publishedUrl,
  recreateArgs,
  recreateCommand,
  type ContainerInspect,
  type ImageInspect,
} from '../../src/methods/docker-detect.js';
import { editComposeImage, listRegistryTags, registryFor, versionsFromImageTags } from '../../src/methods/docker.js';
import type { DockerInstall } from '../../src/methods/types.js';

test('image references: registry prefixes, tags and digests', () => {
  assert.deepEqual(parseImageRef('matrixdotorg/synapse:v1.47.0'), { repo: 'matrixdotorg/synapse', tag: 'v1.47.0', written: 'matrixdotorg/synapse' });
  assert.deepEqual(parseImageRef('docker.io/matrixdotorg/synapse'), {
    repo: 'matrixdotorg/synapse',
    tag: undefined,
    written: 'docker.io/matrixdotorg/synapse',
  });
  assert.equal(parseImageRef('ghcr.io/element-hq/synapse:v1.157.1@sha256:abc').tag, 'v1.157.1');
  assert.equal(parseImageRef('localhost:5000/synapse').tag, undefined);
});

test('recreate arguments: only what differs from the image (env less what the engine adds, binds, named volumes, ports, network, restart, labels, user)', () => {
  const image: ImageInspect = {
    Config: {
      Env: ['PATH=/usr/bin', 'PYTHONUNBUFFERED=1'],
      Labels: { 'org.opencontainers.image.version': '1.157.1' },
      Entrypoint: ['/start.py'],
      Cmd: null,
      User: '',
    },
  };
  const container: ContainerInspect = {
    Id: 'abc',
    Name: '/synapse',
    Image: 'sha256:1',
    Config: {
      Image: 'matrixdotorg/synapse:v1.157.1',
      Env: ['PATH=/usr/bin', 'PYTHONUNBUFFERED=1', 'SYNAPSE_SERVER_NAME=example.org', 'TERM=xterm', 'container=podman', 'HOME=/root', 'HOSTNAME=d7aacb749eff'],
      Labels: { 'org.opencontainers.image.version': '1.157.1', traefik: 'on' },
      Entrypoint: ['/start.py'],
      Cmd: null,
      User: '991:991',
    },
    HostConfig: {
      Binds: ['/srv/synapse:/data'],
      PortBindings: { '8008/tcp': [{ HostIp: '127.0.0.1', HostPort: '8008' }], '8448/tcp': [{ HostIp: '', HostPort: '8448' }] },
      NetworkMode: 'matrix',
      RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 5 },
    },
    Mounts: [
      { Type: 'bind', Source: '/srv/synapse', Destination: '/data', RW: true },
      { Type: 'volume', Source: '/var/lib/docker/volumes/media/_data', Destination: '/media', RW: true, Name: 'media' },
    ],
  };
  assert.deepEqual(recreateArgs(container, image), [
    '-e',
    'SYNAPSE_SERVER_NAME=example.org',
    '-v',
    '/srv/synapse:/data',
    '-v',
    'media:/media',
    '-p',
    '127.0.0.1:8008:8008',
    '-p',
    '8448:8448',
    '--network',
    'matrix',
    '--restart',
    'on-failure:5',
    '--label',
    'traefik=on',
    '--user',
    '991:991',
  ]);
  assert.deepEqual(recreateCommand(container, image), []);
  assert.deepEqual(recreateCommand({ ...container, Config: { ...container.Config, Cmd: ['run'] } }, image), ['run']);
});

test('container paths through the mounts; listener URLs through the published ports; SQLite path mapped', () => {
  const mounts = [{ source: '/srv/synapse', destination: '/data', type: 'bind', name: undefined, rw: true }];
  assert.equal(hostPath(mounts, '/data/homeserver.yaml'), '/srv/synapse/homeserver.yaml');
  assert.equal(hostPath(mounts, '/var/run/synapse.pid'), undefined);
  assert.equal(
    publishedUrl({ HostConfig: { PortBindings: { '8008/tcp': [{ HostIp: '', HostPort: '18008' }] } } }, 'http://127.0.0.1:8008'),
    'http://127.0.0.1:18008',
  );
  const install = { method: 'docker', mounts } as unknown as DockerInstall;
  assert.deepEqual(hostDatabaseValues(install, { database: { name: 'sqlite3', args: { database: '/data/homeserver.db' } } }), {
    database: { name: 'sqlite3', args: { database: '/srv/synapse/homeserver.db' } },
  });
});

test('compose: only the image value changes (quotes kept); a variable is refused; already there is no edit', () => {
  const text =
    '# mine\nservices:\n  synapse:\n    image: "matrixdotorg/synapse:v1.46.0"   # pinned\n    restart: unless-stopped\n  db:\n    image: postgres:16\n';
  const edit = editComposeImage('/srv/compose.yml', text, 'synapse', 'matrixdotorg/synapse:v1.47.0');
  assert.equal(edit?.after, text.replace('v1.46.0', 'v1.47.0'));
  assert.deepEqual(edit?.diff.slice(2), [
    '@@ line 4 @@',
    '-    image: "matrixdotorg/synapse:v1.46.0"   # pinned',
    '+    image: "matrixdotorg/synapse:v1.47.0"   # pinned',
  ]);
  assert.equal(editComposeImage('/srv/compose.yml', edit!.after, 'synapse', 'matrixdotorg/synapse:v1.47.0'), undefined);
  assert.throws(
    () => editComposeImage('/srv/compose.yml', 'services:\n  synapse:\n    image: ${SYNAPSE_IMAGE}\n', 'synapse', 'x:v1'),
    /takes the image of synapse from a variable/,
  );
});

test('registry: Docker Hub and ghcr.io paths, a mirror override; release tags only', () => {
  assert.deepEqual(registryFor('matrixdotorg/synapse', {}), { bases: ['https://registry-1.docker.io'], path: 'matrixdotorg/synapse' });
  assert.deepEqual(registryFor('docker.io/library/python', {}), { bases: ['https://registry-1.docker.io'], path: 'library/python' });
  assert.deepEqual(registryFor('ghcr.io/element-hq/synapse', {}), { bases: ['https://ghcr.io'], path: 'element-hq/synapse' });
  assert.deepEqual(registryFor('127.0.0.1:5000/matrixdotorg/synapse', {}), {
    bases: ['https://127.0.0.1:5000', 'http://127.0.0.1:5000'],
    path: 'matrixdotorg/synapse',
  });
  assert.deepEqual(registryFor('registry.example.org/mirror/matrixdotorg/synapse', {}), {
    bases: ['https://registry.example.org'],
    path: 'mirror/matrixdotorg/synapse',
  });
  assert.deepEqual(registryFor('matrixdotorg/synapse', { SYNAPSE_UPGRADE_REGISTRY_MIRROR: 'http://mirror:5000/' }).bases, ['http://mirror:5000']);
  assert.deepEqual(versionsFromImageTags(['latest', 'develop', 'sha-abc', 'v1.47.0', 'v1.48.0rc1', 'v1.48.0', '1.49.0'], false), ['1.48.0', '1.47.0']);
  assert.deepEqual(versionsFromImageTags(['v1.48.0rc1', 'v1.47.0'], true), ['1.48.0rc1', '1.47.0']);
});

test('registry tags: the Bearer challenge, the token, then every page', async () => {
  const seen: string[] = [];
  const fetcher = (async (input: string | URL, init?: RequestInit) => {
    const url = String(input);
    const auth = (init?.headers as Record<string, string> | undefined)?.Authorization;
    seen.push(`${url}${auth ? ` ${auth}` : ''}`);
    if (url.startsWith('https://auth.example/token')) return Response.json({ token: 't' });
    if (!auth)
      return new Response('{}', {
        status: 401,
        headers: { 'www-authenticate': 'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:matrixdotorg/synapse:pull"' },
      });
    if (url.includes('last=v1.47.0')) return Response.json({ tags: ['v1.48.0'] });
    return Response.json({ tags: ['v1.46.0', 'v1.47.0'] }, { headers: { link: '</v2/matrixdotorg/synapse/tags/list?n=2&last=v1.47.0>; rel="next"' } });
  }) as typeof fetch;
  const tags = await listRegistryTags('matrixdotorg/synapse', { SYNAPSE_UPGRADE_REGISTRY_MIRROR: 'https://registry.example' }, fetcher);
  assert.deepEqual(tags, ['v1.46.0', 'v1.47.0', 'v1.48.0']);
  assert.match(seen[1] ?? '', /^https:\/\/auth\.example\/token\?service=registry\.example&scope=repository%3Amatrixdotorg%2Fsynapse%3Apull$/);
});
