import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareDotted, floorsFor, newestRunnableOn, platformProblems, rustMsrvFor } from '../../src/core/platform.js';
import { loadReleaseData } from '../../src/system/release-data.js';

const { platform } = await loadReleaseData();

test('compareDotted compares numerically', () => {
  assert.equal(compareDotted('3.10.12', '3.9'), 1);
  assert.equal(compareDotted('3.7', '3.7.0'), 0);
  assert.equal(compareDotted('3.37.2', '3.40.0'), -1);
  assert.equal(compareDotted('16beta1', '14'), 1);
  assert.equal(compareDotted('x', '1'), undefined);
});

test('floorsFor: the floors of a release, enforced or documented', () => {
  const f = floorsFor(platform, '1.143.0');
  assert.deepEqual([f.python?.min, f.postgresql?.min, f.sqlite?.min], ['3.10', '14', '3.37.2']);
  assert.equal(floorsFor(platform, '1.51.0').python?.enforced, false, '1.50/1.51 only documented Python 3.7');
  assert.equal(floorsFor(platform, '1.52.0').python?.enforced, true);
  assert.equal(floorsFor(platform, '1.68.0rc1').sqlite?.min, '3.27.0');
  assert.deepEqual(floorsFor(platform, '1.0.0'), {});
});

test('platformProblems names the floor and the release that set it', () => {
  assert.deepEqual(platformProblems(platform, '1.157.1', { python: '3.9.2', postgresql: '13.4', sqlite: '3.40.1' }), [
    'python 3.9.2 is below 3.10, required from 1.142.0',
    'postgresql 13.4 is below 14, required from 1.143.0',
  ]);
  assert.deepEqual(platformProblems(platform, '1.50.0', { python: '3.6.9' }), [], 'documented-only floors are not problems');
  assert.equal(platformProblems(platform, '1.50.0', { python: '3.6.9' }, true).length, 1);
});

test('newestRunnableOn: the last release an old platform can run', () => {
  assert.deepEqual(newestRunnableOn(platform, { python: '3.9.2' }).last, '1.141.0');
  assert.deepEqual(newestRunnableOn(platform, { python: '3.8.10', postgresql: '12.1' }).last, '1.118.0');
  assert.deepEqual(newestRunnableOn(platform, { postgresql: '13.4' }), {
    last: '1.142.1',
    before: '1.143.0',
    reasons: ['postgresql 13.4 is below 14: the last release for it is 1.142.1'],
  });
  assert.deepEqual(newestRunnableOn(platform, { sqlite: '3.31.1' }).last, '1.141.0');
  assert.deepEqual(newestRunnableOn(platform, { python: '3.12.3', postgresql: '16.2', sqlite: '3.45.1' }), { reasons: [] });
  const old37 = newestRunnableOn(platform, { python: '3.7.0' });
  assert.equal(old37.before, '1.59.0', 'Python 3.7.0 is below the ^3.7.1 floor of 1.59.0');
  assert.equal(old37.last, undefined, '1.87.0 is not reachable on 3.7.0');
});

test('rustMsrvFor: Rust only from 1.68.0', () => {
  assert.equal(rustMsrvFor(platform, '1.67.0'), undefined);
  assert.equal(rustMsrvFor(platform, '1.68.0'), '1.58.1');
  assert.equal(rustMsrvFor(platform, '1.157.1'), '1.82.0');
});
