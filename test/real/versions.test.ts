import assert from 'node:assert/strict';
import { test } from 'node:test';
import { constraintsFor, minorsBack, releasesOnly, resolveVersion } from './helpers/versions.js';

const listed = ['1.163.2', '1.163.1', '1.163.0', '1.162.0', '1.161.0', '1.161.1rc1', '1.160.0', '1.47.1', '1.47.0', '1.46.0', '0.99.5.2'];

test('the tier resolves version words against the index list: newest, two minors back, a pinned version', () => {
  assert.deepEqual(releasesOnly(listed).slice(0, 3), ['1.163.2', '1.163.1', '1.163.0']);
  assert.equal(resolveVersion('newest', listed), '1.163.2');
  assert.equal(minorsBack(listed, 2), '1.161.0', 'a release candidate is never picked');
  assert.equal(resolveVersion('newest-2-minors', ['1.10.0', '1.9.3', '1.9.2', '1.8.1']), '1.8.1');
  assert.equal(resolveVersion('1.46.0', listed), '1.46.0');
  assert.throws(() => resolveVersion('newest-9-minors', ['1.2.0', '1.1.0']), /lists no release of 1\.-7|lists no release/);
  assert.throws(() => resolveVersion('latest-ish', listed), /neither a version nor a known word/);
});

test('old releases get the dependency pins of versions.json, new ones none', () => {
  assert.ok(constraintsFor('1.46.0').some((pin) => /^Jinja2<3\.1$/i.test(pin)));
  assert.deepEqual(constraintsFor('1.161.0'), []);
  assert.deepEqual(constraintsFor('1.161.0', ['postgres', 'redis']), ['txredisapi<1.6'], 'an extra-scoped pin applies with that extra only');
  assert.deepEqual(constraintsFor('1.163.0', ['redis']), []);
});
