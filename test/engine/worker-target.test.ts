import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdminError } from '../../src/core/errors.js';
import type { ServerPicture } from '../../src/engine/inspect.js';
import { StepTracker } from '../../src/engine/step-tracker.js';
import { chooseWorkersTarget } from '../../src/engine/worker-host.js';

const picture = (installed: string, main: string): ServerPicture =>
  ({
    install: { method: 'pip', installedVersion: installed, workers: [], venv: '/env', python: '/env/bin/python', restart: { kind: 'synctl' } },
    url: 'http://10.0.0.1:8008',
    running: { ok: true, answer: { version: main, raw: main }, serverHeader: undefined },
  }) as unknown as ServerPicture;

test('a workers-only host is never ahead of its main process: a different --target is a usage error, a host already ahead is refused', async () => {
  const tracker = new StepTracker(() => {});
  const opts = { yes: true, dryRun: false, pre: false };
  await assert.rejects(
    chooseWorkersTarget({ ...opts, target: '1.49.0' }, tracker, picture('1.46.0', '1.47.0')),
    (e: AdminError) =>
      e.exitCode === 2 && /--target 1\.49\.0 is not the main process's version: the main process answers 1\.47\.0 at http:\/\/10\.0\.0\.1:8008/.test(e.message),
  );
  await assert.rejects(
    chooseWorkersTarget(opts, tracker, picture('1.48.0', '1.47.0')),
    (e: AdminError) =>
      e.exitCode === 4 &&
      /This host's code \(matrix-synapse 1\.48\.0\) is ahead of its main process/.test(e.message) &&
      e.serverState === 'nothing was changed',
  );
  // The main's own version as --target is the same as none.
  assert.deepEqual(await chooseWorkersTarget({ ...opts, target: '1.47.0' }, tracker, picture('1.47.0', '1.47.0')), {
    kind: 'already-current',
    target: '1.47.0',
  });
});
