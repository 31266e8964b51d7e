import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  classifyImage,
  fromLineFor,
  homeserverCommand,
  splitImageRef,
  synapseFromLine,
  synapseLabelEvidence,
  synapseRepoOf,
} from '../../src/methods/docker-image.js';
import { composeBuildOf } from '../../src/methods/docker-recognize.js';
import { customImageError, customImageRepo } from '../../src/methods/docker-custom.js';
import type { DockerInstall } from '../../src/methods/types.js';

const OLD_LABELS = {
  'org.opencontainers.image.source': 'https://github.com/matrix-org/synapse.git',
  'org.opencontainers.image.url': 'https://matrix.org/docs/projects/server/synapse',
};
const NEW_LABELS = { 'org.opencontainers.image.source': 'https://github.com/element-hq/synapse.git', 'org.opencontainers.image.version': '1.157.1' };

test('image references: registry host (with port), path, tag and digest', () => {
  assert.deepEqual(splitImageRef('127.0.0.1:5000/matrixdotorg/synapse:v1.46.0'), {
    host: '127.0.0.1:5000',
    path: 'matrixdotorg/synapse',
    tag: 'v1.46.0',
    digest: undefined,
    written: '127.0.0.1:5000/matrixdotorg/synapse',
  });
  assert.deepEqual(splitImageRef('registry.example.org/ops/synapse@sha256:abc'), {
    host: 'registry.example.org',
    path: 'ops/synapse',
    tag: undefined,
    digest: 'sha256:abc',
    written: 'registry.example.org/ops/synapse',
  });
  assert.deepEqual(splitImageRef('localhost/synapse:1'), { host: 'localhost', path: 'synapse', tag: '1', digest: undefined, written: 'localhost/synapse' });
  assert.equal(splitImageRef('matrixdotorg/synapse').host, undefined);
});

test("Synapse's repository under any registry or mirror path; look-alike names are not it", () => {
  for (const image of [
    'matrixdotorg/synapse:v1.46.0',
    '127.0.0.1:5000/matrixdotorg/synapse:v1.46.0',
    'registry.example.org/matrixdotorg/synapse:v1.46.0',
    'registry.example.org/mirror/docker.io/matrixdotorg/synapse',
    'ghcr.io/element-hq/synapse:v1.157.1',
    'docker.io/matrixdotorg/synapse',
  ]) {
    assert.ok(synapseRepoOf(image), image);
  }
  for (const image of [
    'matrixdotorg/synapse-admin:latest',
    'awesometechnologies/synapse-admin',
    'example/matrixdotorg-synapse',
    'registry.example.org/ops/synapse:1.46.0',
    'postgres:16',
  ]) {
    assert.equal(synapseRepoOf(image), undefined, image);
  }
});

test("OCI labels of Synapse's images, old and new; other projects' labels are not", () => {
  assert.match(synapseLabelEvidence(OLD_LABELS) ?? '', /image\.source=https:\/\/github\.com\/matrix-org\/synapse\.git/);
  assert.match(synapseLabelEvidence(NEW_LABELS) ?? '', /element-hq\/synapse\.git/);
  assert.match(synapseLabelEvidence({ 'org.opencontainers.image.url': 'https://github.com/element-hq/synapse' }) ?? '', /image\.url/);
  assert.equal(synapseLabelEvidence({ 'org.opencontainers.image.source': 'https://github.com/element-hq/synapse-admin.git' }), undefined);
  assert.equal(synapseLabelEvidence({ 'org.opencontainers.image.source': 'https://evil.example/github.com/element-hq/synapse.git' }), undefined);
  assert.equal(synapseLabelEvidence(null), undefined);
});

test('the homeserver process among command lines (docker top rows, a PID 1 cmdline)', () => {
  assert.equal(
    homeserverCommand(['root 1 0 0 10:00 ? 00:00:01 /usr/local/bin/python -m synapse.app.homeserver --config-path /data/homeserver.yaml']),
    'root 1 0 0 10:00 ? 00:00:01 /usr/local/bin/python -m synapse.app.homeserver --config-path /data/homeserver.yaml',
  );
  assert.ok(homeserverCommand(['python3 -m synapse.app.generic_worker -c /data/w1.yaml']));
  assert.equal(homeserverCommand(['nginx: master process', 'python3 -m http.server', 'cat synapse.log']), undefined);
});

test('classification: a mirror is the published image; another name or a compose build is custom; the rest is not Synapse', () => {
  const base = { commandLines: [] as string[], composeBuild: false, named: false };
  const mirror = classifyImage({ ...base, image: '127.0.0.1:5000/matrixdotorg/synapse:v1.46.0', labels: OLD_LABELS });
  assert.equal(mirror.kind, 'published');
  assert.match(mirror.evidence[0] ?? '', /is matrixdotorg\/synapse from the registry 127\.0\.0\.1:5000/);
  const custom = classifyImage({ ...base, image: 'registry.example.org/ops/synapse-with-modules:3', labels: OLD_LABELS });
  assert.equal(custom.kind, 'custom');
  assert.match(custom.evidence.join('\n'), /not one Synapse is published under/);
  assert.equal(classifyImage({ ...base, image: 'matrixdotorg/synapse:v1.46.0', labels: OLD_LABELS, composeBuild: true }).kind, 'custom');
  const byProcess = classifyImage({
    ...base,
    image: 'sha256:deadbeef',
    labels: {},
    commandLines: ['python -m synapse.app.homeserver -c /data/homeserver.yaml'],
  });
  assert.equal(byProcess.kind, 'custom');
  assert.match(byProcess.evidence[0] ?? '', /runs python -m synapse\.app\.homeserver/);
  assert.equal(
    classifyImage({ ...base, image: 'postgres:16', labels: { 'org.opencontainers.image.source': 'https://github.com/docker-library/postgres' } }).kind,
    'not-synapse',
  );
  assert.equal(classifyImage({ ...base, image: 'postgres:16', labels: {}, named: true }).kind, 'custom');
});

test('the FROM line naming Synapse (last stage wins, --platform and AS kept) and how it reads for the target', () => {
  const dockerfile =
    'ARG X=1\nFROM --platform=linux/amd64 python:3.11 AS wheels\nRUN pip wheel foo\nFROM matrixdotorg/synapse:v1.46.0 AS final\nCOPY --from=wheels /w /w\n';
  const from = synapseFromLine('/srv/Dockerfile', dockerfile);
  assert.deepEqual(from, { file: '/srv/Dockerfile', line: 4, text: 'FROM matrixdotorg/synapse:v1.46.0 AS final', image: 'matrixdotorg/synapse:v1.46.0' });
  assert.equal(fromLineFor(from!, '1.47.0'), 'FROM matrixdotorg/synapse:v1.47.0 AS final');
  assert.equal(synapseFromLine('/srv/Dockerfile', 'FROM 127.0.0.1:5000/matrixdotorg/synapse:v1.46.0\n')?.image, '127.0.0.1:5000/matrixdotorg/synapse:v1.46.0');
  assert.equal(synapseFromLine('/srv/Dockerfile', 'FROM debian:bookworm\nRUN true\n'), undefined);
});

test('a compose build: context and Dockerfile found (string and map forms); the rebuild path names the line and the commands', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'su-custom-'));
  try {
    await mkdir(join(dir, 'synapse-image'));
    await writeFile(
      join(dir, 'synapse-image', 'Containerfile'),
      '# modules\nFROM 127.0.0.1:5000/matrixdotorg/synapse:v1.46.0\nRUN pip install synapse-s3-storage-provider\n',
    );
    const composeFile = join(dir, 'compose.yml');
    await writeFile(
      composeFile,
      'services:\n  synapse:\n    build:\n      context: ./synapse-image\n      dockerfile: Containerfile\n    image: chat/synapse:custom\n',
    );
    const build = await composeBuildOf([composeFile], 'synapse', dir);
    assert.equal(build?.context, join(dir, 'synapse-image'));
    assert.equal(build?.dockerfile, join(dir, 'synapse-image', 'Containerfile'));
    assert.equal(build?.from?.line, 2);
    await writeFile(composeFile, 'services:\n  synapse:\n    build: ./synapse-image\n');
    assert.equal((await composeBuildOf([composeFile], 'synapse', dir))?.dockerfile, join(dir, 'synapse-image', 'Dockerfile'));
    assert.equal(await composeBuildOf([composeFile], 'db', dir), undefined);

    const install = {
      method: 'docker',
      container: 'chat_synapse_1',
      image: 'chat/synapse:custom',
      installedVersion: '1.46.0',
      runArgs: [],
      runCommand: [],
      compose: { project: 'chat', service: 'synapse', workingDir: dir, files: [composeFile], v1: true },
      custom: { evidence: ['its compose service builds the image (build:)'], build: { ...build!, file: composeFile } },
    } as unknown as DockerInstall;
    assert.equal(customImageRepo(install), '127.0.0.1:5000/matrixdotorg/synapse');
    const error = customImageError(install, '1.47.0');
    assert.equal(error.exitCode, 4);
    assert.match(
      error.message,
      /runs chat\/synapse:custom, an image built on Synapse's own .*Pulling 127\.0\.0\.1:5000\/matrixdotorg\/synapse:v1\.47\.0 would replace it/,
    );
    assert.match(error.serverState ?? '', /nothing was changed; Synapse 1\.46\.0 keeps serving/);
    assert.match(
      error.nextStep ?? '',
      /Containerfile, line 2, change\n {4}FROM 127\.0\.0\.1:5000\/matrixdotorg\/synapse:v1\.46\.0\n {2}to\n {4}FROM 127\.0\.0\.1:5000\/matrixdotorg\/synapse:v1\.47\.0/,
    );
    assert.match(error.nextStep ?? '', new RegExp(`docker-compose -p chat -f ${composeFile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} build --pull synapse`));
    assert.match(error.nextStep ?? '', /up -d --no-deps synapse/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a custom image without compose: the rebuild path keeps the container settings', () => {
  const install = {
    method: 'docker',
    container: 'hs',
    image: 'registry.example.org/ops/synapse:3',
    installedVersion: '1.46.0',
    runArgs: ['-v', '/srv/hs:/data', '--restart', 'always'],
    runCommand: [],
    compose: undefined,
    custom: { evidence: ['image label x'] },
  } as unknown as DockerInstall;
  assert.equal(customImageRepo(install), 'matrixdotorg/synapse');
  const error = customImageError(install, '1.47.0');
  assert.match(error.nextStep ?? '', /FROM line changed to matrixdotorg\/synapse:v1\.47\.0/);
  assert.match(error.nextStep ?? '', /docker run -d --name hs -v \/srv\/hs:\/data --restart always NEW-TAG/);
});
