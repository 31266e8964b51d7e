import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdminError } from '../../src/core/errors.js';
import { resolveTarget, upgradeChoices } from '../../src/core/target.js';

const available = ['1.48.0rc1', '1.47.1', '1.47.0', '1.46.0', '1.45.0'];

test('latest is the newest stable release', () => {
  assert.deepEqual(resolveTarget('latest', available, '1.46.0', '1.46.0'), { kind: 'upgrade', target: '1.47.1' });
});

test('an explicit target is normalised', () => {
  assert.deepEqual(resolveTarget('v1.47.0', available, '1.46.0', '1.46.0'), { kind: 'upgrade', target: '1.47.0' });
});

test('an unknown target names the nearest available versions and exits 2', () => {
  assert.throws(
    () => resolveTarget('1.47.9', available, '1.46.0', undefined),
    (error: unknown) => error instanceof AdminError && error.exitCode === 2 && /1\.47\.1/.test(error.message) && /not available/.test(error.message),
  );
});

test('an unknown target suggests only newer versions: beyond every release, the newest ones, never a downgrade', () => {
  const many = ['1.163.2', '1.163.1', '1.162.0', '1.100.0', '1.48.0rc1', '1.47.1', '1.47.0', '1.46.0', '1.9.0', '1.8.0'];
  const message = (wanted: string, installed = '1.46.0'): string => {
    try {
      resolveTarget(wanted, many, installed, undefined);
    } catch (error) {
      assert.ok(error instanceof AdminError && error.exitCode === 2);
      return error.message;
    }
    assert.fail(`${wanted} was accepted`);
  };
  assert.match(message('9.9.9'), /the nearest available versions are 1\.163\.2, 1\.163\.1, 1\.162\.0\.$/);
  assert.match(message('1.47.5'), /are 1\.47\.1, 1\.47\.0, /);
  assert.doesNotMatch(message('1.10.0'), /1\.9\.0|1\.8\.0|1\.46\.0|rc1/);
  assert.match(message('1.200.0', '1.163.2'), /not available, and nothing newer than the installed 1\.163\.2 is\.$/);
});

test('a target below the installed version is a downgrade and is refused', () => {
  assert.throws(() => resolveTarget('1.45.0', available, '1.46.0', '1.46.0'), /downgrade/);
});

test('equal versions: already current, or installed but not restarted', () => {
  assert.equal(resolveTarget('1.46.0', available, '1.46.0', '1.46.0').kind, 'already-current');
  assert.equal(resolveTarget('1.47.0', available, '1.47.0', '1.46.0').kind, 'restart-only');
  assert.equal(resolveTarget('1.47.0', available, '1.47.0', undefined).kind, 'already-current');
});

test('upgradeChoices offers newer versions, pre-releases only when asked', () => {
  assert.deepEqual(upgradeChoices(available, '1.46.0', false), ['1.47.1', '1.47.0']);
  assert.deepEqual(upgradeChoices(available, '1.46.0', true), ['1.48.0rc1', '1.47.1', '1.47.0']);
  assert.deepEqual(upgradeChoices(available, '1.48.0', false), []);
});
