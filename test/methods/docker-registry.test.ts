import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { registryImageConfig, listRegistryTags } from '../../src/methods/docker-registry.js';
import { dockerMethod } from '../../src/methods/docker.js';
import type { DockerInstall } from '../../src/methods/types.js';

/** A plain-http registry on loopback serving one multi-platform image per tag (index → manifest → config blob). */
async function loopbackRegistry(images: Record<string, { Env: string[]; Labels: Record<string, string> }>) {
  const blobs = new Map<string, string>();
  const manifests = new Map<string, { type: string; body: string }>();
  const digest = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;
  for (const [tag, config] of Object.entries(images)) {
    const blob = JSON.stringify({ architecture: 'amd64', os: 'linux', config });
    blobs.set(digest(blob), blob);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { digest: digest(blob), size: blob.length },
      layers: [],
    });
    manifests.set(digest(manifest), { type: 'application/vnd.oci.image.manifest.v1+json', body: manifest });
    const index = JSON.stringify({
      schemaVersion: 2,
      manifests: [
        { digest: 'sha256:' + '0'.repeat(64), platform: { os: 'linux', architecture: 's390x' } },
        { digest: digest(manifest), platform: { os: 'linux', architecture: process.arch === 'arm64' ? 'arm64' : 'amd64' } },
      ],
    });
    manifests.set(tag, { type: 'application/vnd.oci.image.index.v1+json', body: index });
  }
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const m = /^\/v2\/matrixdotorg\/synapse\/(manifests|blobs|tags)\/(.+)$/.exec(req.url ?? '');
    if (m?.[1] === 'tags') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ tags: Object.keys(images) }));
    if (m?.[1] === 'manifests' && manifests.has(m[2] as string)) {
      const found = manifests.get(m[2] as string)!;
      return void res.writeHead(200, { 'content-type': found.type }).end(found.body);
    }
    if (m?.[1] === 'blobs' && blobs.has(m[2] as string)) return void res.writeHead(200).end(blobs.get(m[2] as string));
    res.writeHead(404).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

test('a registry on loopback without TLS: https is tried, then plain http (as Docker does for loopback); tags and image config read', async () => {
  const registry = await loopbackRegistry({
    'v1.46.0': { Env: ['PATH=/usr/local/bin:/usr/bin', 'PYTHON_VERSION=3.9.18'], Labels: {} },
    'v1.47.0': { Env: ['PYTHON_VERSION=3.11.2'], Labels: { 'org.opencontainers.image.version': '1.47.0' } },
  });
  const image = `${registry.host}/matrixdotorg/synapse`;
  assert.deepEqual(await listRegistryTags(image, {}), ['v1.46.0', 'v1.47.0']);
  const config = await registryImageConfig(`${image}:v1.47.0`, {});
  assert.deepEqual(config?.Labels, { 'org.opencontainers.image.version': '1.47.0' });
  assert.ok(
    registry.requests.some((r) => r.startsWith('GET /v2/matrixdotorg/synapse/blobs/sha256:')),
    registry.requests.join('\n'),
  );
  assert.ok(!registry.requests.some((r) => r.includes('0000000000')), 'the other platform is not fetched');
});

test("Docker's Python floor is the target image's Python (PYTHON_VERSION from its registry); unknown is a reason, not a refusal", async () => {
  const registry = await loopbackRegistry({ 'v1.47.0': { Env: ['PYTHON_VERSION=3.11.2'], Labels: {} }, 'v1.48.0': { Env: ['PATH=/usr/bin'], Labels: {} } });
  const install = {
    method: 'docker',
    imageRepo: `${registry.host}/matrixdotorg/synapse`,
    image: `${registry.host}/matrixdotorg/synapse:v1.46.0`,
    container: 'hs',
  } as unknown as DockerInstall;
  const env = { PATH: '/nonexistent' }; // no docker here: nothing pulled, so the registry answers
  assert.deepEqual(await dockerMethod.targetPython!(install, '1.47.0', env), {
    python: '3.11.2',
    source: `PYTHON_VERSION of the image ${registry.host}/matrixdotorg/synapse:v1.47.0 in its registry`,
  });
  const unknown = await dockerMethod.targetPython!(install, '1.48.0', env);
  assert.ok('why' in unknown && /brings its own Python with the image .*:v1\.48\.0/.test(unknown.why), JSON.stringify(unknown));
});
