import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { findSdist, readUpstreamUpgradeMd } from '../../src/system/upstream-notes.js';
import { readTarGzMember } from '../../src/system/sdist-file.js';

// A stand-in package index on loopback serving a real .tar.gz made with tar: the adapter's whole path
// (index page, download, sha256, unpacking, cache) without the network.
let root: string;
let server: Server;
let base: string;
let archive: Buffer;
const hits: string[] = [];
const UPGRADE_MD = '# Upgrading Synapse\n\n# Upgrading to v1.170.0\n\nStand-in section \x1b[2J for 1.170.\n';

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'su-upstream-'));
  const top = join(root, 'src', 'matrix_synapse-1.170.0');
  await mkdir(join(top, 'docs'), { recursive: true });
  await writeFile(join(top, 'docs', 'upgrade.md'), UPGRADE_MD);
  await writeFile(join(top, 'CHANGES.md'), '# Synapse 1.170.0\n');
  await execa('tar', ['-czf', join(root, 'sdist.tar.gz'), '-C', join(root, 'src'), 'matrix_synapse-1.170.0']);
  archive = await readFile(join(root, 'sdist.tar.gz'));
  const sha = createHash('sha256').update(archive).digest('hex');
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/json/matrix-synapse/') {
      res.setHeader('content-type', 'application/vnd.pypi.simple.v1+json');
      res.end(
        JSON.stringify({
          files: [
            { filename: 'matrix_synapse-1.170.0.tar.gz', url: '../../files/sdist.tar.gz', hashes: { sha256: sha } },
            { filename: 'matrix_synapse-1.171.0.tar.gz', url: '/files/sdist.tar.gz', hashes: { sha256: '0'.repeat(64) } },
          ],
        }),
      );
    } else if (req.url === '/html/matrix-synapse/') {
      res.setHeader('content-type', 'text/html');
      res.end(`<html><body><a href="/files/sdist.tar.gz#sha256=${sha}">matrix_synapse-1.170.0.tar.gz</a></body></html>`);
    } else if (req.url === '/files/sdist.tar.gz') {
      res.end(archive);
    } else {
      res.statusCode = 404;
      res.end('no');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server?.close();
  await rm(root, { recursive: true, force: true });
});

test('stand-in index (JSON): the sdist is found, checked, unpacked in memory, then read from the cache', async () => {
  const cacheDir = join(root, 'cache-json');
  const first = await readUpstreamUpgradeMd({ version: '1.170.0', cacheDir, indexUrl: `${base}/json/` });
  assert.ok(first.ok, JSON.stringify(first));
  assert.equal(first.text, UPGRADE_MD, 'the file exactly; stripping is the caller’s job');
  assert.equal(first.cached, false);
  assert.match(first.source, /docs\/upgrade\.md in sdist\.tar\.gz/);
  const before = hits.length;
  const second = await readUpstreamUpgradeMd({ version: '1.170.0', cacheDir, indexUrl: `${base}/json/` });
  assert.ok(second.ok && second.cached && second.text === UPGRADE_MD);
  assert.equal(hits.length, before, 'the cache answers without asking the index');
});

test('stand-in index (HTML): the link and its #sha256 fragment are used', async () => {
  const read = await readUpstreamUpgradeMd({ version: '1.170.0', cacheDir: join(root, 'cache-html'), indexUrl: `${base}/html/` });
  assert.ok(read.ok, JSON.stringify(read));
});

test('stand-in index: a wrong sha256, a missing release, no index and an unreachable index are reasons, not throws', async () => {
  const bad = await readUpstreamUpgradeMd({ version: '1.171.0', cacheDir: join(root, 'c1'), indexUrl: `${base}/json/` });
  assert.deepEqual(bad.ok, false);
  assert.match((bad as { reason: string }).reason, /does not match the sha256/);
  const missing = await readUpstreamUpgradeMd({ version: '1.999.0', cacheDir: join(root, 'c2'), indexUrl: `${base}/json/` });
  assert.match((missing as { reason: string }).reason, /has no sdist of matrix-synapse 1\.999\.0/);
  const gone = await readUpstreamUpgradeMd({ version: '1.170.0', cacheDir: join(root, 'c3'), indexUrl: `${base}/nothing/` });
  assert.match((gone as { reason: string }).reason, /answered HTTP 404/);
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  closed.close();
  const refused = await readUpstreamUpgradeMd({ version: '1.170.0', cacheDir: join(root, 'c4'), indexUrl: `http://127.0.0.1:${port}/` });
  assert.match((refused as { reason: string }).reason, /ECONNREFUSED/);
  const prev = process.env.PIP_NO_INDEX;
  process.env.PIP_NO_INDEX = '1';
  try {
    const none = await readUpstreamUpgradeMd({ version: '1.170.0', cacheDir: join(root, 'c5') });
    assert.match((none as { reason: string }).reason, /no package index/);
  } finally {
    if (prev === undefined) delete process.env.PIP_NO_INDEX;
    else process.env.PIP_NO_INDEX = prev;
  }
});

test('the tar reader is bounded: a member over the cap and a gzip bomb are refused', () => {
  assert.throws(() => readTarGzMember(archive, (p) => p.endsWith('docs/upgrade.md'), { maxUnpacked: 1 << 30, maxMember: 10 }), /larger than 10 bytes/);
  assert.throws(() => readTarGzMember(archive, () => true, { maxUnpacked: 1024, maxMember: 1 << 20 }), /could not be unpacked/);
  assert.equal(
    readTarGzMember(archive, (p) => p === 'nope'),
    undefined,
  );
  assert.throws(() => readTarGzMember(Buffer.from('not gzip'), () => true), /could not be unpacked/);
});

test('index pages: names must match exactly, relative URLs resolve against the page', () => {
  const page = JSON.stringify({
    files: [
      { filename: 'matrix_synapse-1.17.0.tar.gz', url: 'a' },
      { filename: 'matrix_synapse-1.170.0.tar.gz', url: '../f/x.tar.gz', hashes: {} },
    ],
  });
  assert.deepEqual(findSdist(page, 'application/vnd.pypi.simple.v1+json', 'https://i.example/simple/matrix-synapse/', '1.170.0'), {
    url: 'https://i.example/simple/f/x.tar.gz',
    sha256: undefined,
  });
  assert.equal(findSdist('<a href="x">matrix_synapse-1.170.0.tar.gz.evil</a>', 'text/html', 'https://i.example/', '1.170.0'), undefined);
});
