import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareVersions, inRange, nearestVersions, parseVersion, sortNewestFirst } from '../../src/core/version.js';

test('parseVersion understands the forms seen in the wild', () => {
  assert.equal(parseVersion('1.47.0')?.text, '1.47.0');
  assert.equal(parseVersion('v1.47.0')?.text, '1.47.0');
  assert.equal(parseVersion('1.47.0+bookworm1')?.text, '1.47.0');
  assert.equal(parseVersion('1.157.0~rc1+bookworm1')?.text, '1.157.0rc1');
  assert.equal(parseVersion('1.47.0rc1')?.semver, '1.47.0-rc.1');
  assert.equal(parseVersion('1.47.0 (b=master,t=v1.47.0,abc123)')?.text, '1.47.0');
  assert.equal(parseVersion('1.0')?.text, '1.0.0');
  assert.equal(parseVersion('banana'), undefined);
  assert.equal(parseVersion(''), undefined);
});

test('compareVersions orders releases, patches and release candidates', () => {
  assert.ok(compareVersions('1.47.0', '1.46.0') > 0);
  assert.ok(compareVersions('1.100.0', '1.99.9') > 0);
  assert.ok(compareVersions('1.47.0rc1', '1.47.0') < 0);
  assert.ok(compareVersions('1.47.0rc2', '1.47.0rc1') > 0);
  assert.equal(compareVersions('v1.47.0', '1.47.0+bookworm1'), 0);
  assert.throws(() => compareVersions('x', '1.0.0'), /not a Synapse version/);
});

test('inRange is half-open: (from, to]', () => {
  assert.equal(inRange('1.47.0', '1.46.0', '1.47.0'), true);
  assert.equal(inRange('1.46.0', '1.46.0', '1.47.0'), false);
  assert.equal(inRange('1.48.0', '1.46.0', '1.47.0'), false);
});

test('sortNewestFirst drops junk and duplicates', () => {
  assert.deepEqual(sortNewestFirst(['1.46.0', 'junk', '1.47.0', 'v1.47.0', '1.47.0rc1']), ['1.47.0', '1.47.0rc1', '1.46.0']);
});

test('nearestVersions names the closest available releases', () => {
  assert.deepEqual(nearestVersions('1.47.5', ['1.45.0', '1.46.0', '1.47.0', '1.47.1', '1.50.0'], 2), ['1.47.1', '1.47.0']);
});

test('a 100,000-digit number, or any very long text, is not a version (and parsing it is quick)', () => {
  const started = performance.now();
  assert.equal(parseVersion('9'.repeat(100_000)), undefined);
  assert.equal(parseVersion(`1.${'9'.repeat(100_000)}.0`), undefined);
  assert.equal(parseVersion(`${'1'.repeat(100_000)}.2.3`), undefined);
  assert.equal(parseVersion(`1.47.0 ${'x'.repeat(100_000)}`), undefined);
  assert.deepEqual(parseVersion('1.47.0rc1'.padEnd(300, ' ')), parseVersion('1.47.0rc1'));
  assert.equal(parseVersion('999999999.0.0')?.text, '999999999.0.0');
  assert.ok(performance.now() - started < 200);
});
