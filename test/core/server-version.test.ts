import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseServerHeader, parseServerVersionBody } from '../../src/core/server-version.js';

test('reads the newer shape', () => {
  assert.deepEqual(parseServerVersionBody(200, 'application/json', '{"server_version":"1.157.1"}'), { version: '1.157.1', raw: '1.157.1', python: undefined });
});

test('reads the older shape with python_version', () => {
  const answer = parseServerVersionBody(200, 'application/json', '{"server_version":"1.46.0","python_version":"3.9.2"}');
  assert.equal(answer.version, '1.46.0');
  assert.equal(answer.python, '3.9.2');
});

test('reads a git checkout version string', () => {
  const answer = parseServerVersionBody(200, 'application/json', '{"server_version":"1.47.0 (b=master,t=v1.47.0,2b5a062)"}');
  assert.equal(answer.version, '1.47.0');
  assert.equal(answer.raw, '1.47.0 (b=master,t=v1.47.0,2b5a062)');
});

test('an HTML page, garbage, a 500 or a missing key are clear errors', () => {
  assert.throws(() => parseServerVersionBody(200, 'text/html', '<html><body>Welcome to nginx</body></html>'), /an HTML page/);
  assert.throws(() => parseServerVersionBody(200, 'text/plain', 'garbage'), /not JSON/);
  assert.throws(() => parseServerVersionBody(500, 'application/json', '{"errcode":"M_UNKNOWN"}'), /HTTP 500/);
  assert.throws(() => parseServerVersionBody(200, 'application/json', '{"version":"1"}'), /without "server_version"/);
  assert.throws(() => parseServerVersionBody(200, 'application/json', '{"server_version":"soon"}'), /cannot read/);
});

test("a worker's version from its Server header (Synapse/X); anything else is no answer", () => {
  assert.deepEqual(parseServerHeader('Synapse/1.161.0'), { version: '1.161.0', raw: '1.161.0', python: undefined });
  assert.equal(parseServerHeader('nginx/1.22.1'), undefined);
  assert.equal(parseServerHeader('Synapse/not-a-version'), undefined);
  assert.equal(parseServerHeader(undefined), undefined);
});
