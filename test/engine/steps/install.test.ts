import assert from 'node:assert/strict';
import { test } from 'node:test';
import { installStep } from '../../../src/engine/steps/install.js';
import { adminError, fakeMethod, fakeSession } from '../../helpers/step-fakes.js';

test('install: the plan runs through the runner and the target is installed afterwards', async () => {
  const s = fakeSession();
  await installStep.run(s.ctx);
  assert.deepEqual(
    s.runner.ran.map((c) => c.argv),
    [['pip', 'install', 'matrix-synapse==1.47.0']],
  );
  assert.deepEqual(s.finished(), ['install:done matrix-synapse 1.47.0 installed']);
});

test("install: the command fails: pip's ERROR lines first, the old version keeps serving, the transcript named", async () => {
  const s = fakeSession({
    runner: { result: () => ({ exitCode: 1, tail: ['Collecting matrix-synapse', 'ERROR: No matching distribution found for matrix-synapse==1.47.0'] }) },
  });
  s.ctx.runner = {
    ...s.runner,
    run: async (spec, onLine) => {
      onLine?.('ERROR: No matching distribution found for matrix-synapse==1.47.0');
      return s.runner.run(spec);
    },
  };
  const error = await adminError(installStep.run(s.ctx));
  assert.match(error.message, /^The install command failed \(exit 1\) while installing 1\.47\.0 \(Install matrix-synapse 1\.47\.0\)\. Its errors first, then its last lines:\n/);
  assert.equal(error.message.match(/No matching distribution/g)?.length, 1, 'the error line is quoted once');
  assert.equal(error.serverState, 'nothing was restarted; Synapse 1.46.0 keeps serving');
  assert.equal(error.nextStep, 'Read the full output in /nonexistent/session/transcript.log, fix the cause, then run synapse-upgrade again.');
});

test("install: a later command fails after one succeeded: the method's undo runs and the state says so", async () => {
  const s = fakeSession({
    runner: { result: (spec) => ({ exitCode: spec.argv[0] === 'pip' ? 1 : 0 }) },
    method: fakeMethod({
      plan: async () => ({
        before: [{ argv: ['git', 'checkout', 'v1.47.0'] }],
        install: [{ argv: ['pip', 'install', '-e', '.'] }],
        restart: [{ argv: ['synctl', 'restart'] }],
        checks: [],
        details: [],
        rollback: [],
        undoInstall: { commands: [{ argv: ['git', 'checkout', 'v1.46.0'] }], describe: 'the checkout is back at v1.46.0' },
      }),
    }),
  });
  const error = await adminError(installStep.run(s.ctx));
  assert.deepEqual(
    s.runner.ran.map((c) => c.argv.join(' ')),
    ['git checkout v1.47.0', 'pip install -e .', 'git checkout v1.46.0'],
  );
  assert.equal(error.serverState, 'nothing was restarted; Synapse 1.46.0 keeps serving; the checkout is back at v1.46.0');
});

test('install: another version is installed afterwards: an error naming both', async () => {
  const s = fakeSession({ method: fakeMethod({ installedVersion: async () => '1.46.0' }) });
  const error = await adminError(installStep.run(s.ctx));
  assert.equal(error.message, 'After the install finished, matrix-synapse 1.46.0 is installed, not 1.47.0.');
  assert.equal(error.serverState, 'nothing was restarted; Synapse 1.46.0 keeps serving');
});

test("install: a dry run runs the method's read-only check; a failing one says the install would fail", async () => {
  const check = { argv: ['pip', 'install', '--dry-run', 'matrix-synapse==1.47.0'], title: 'Would pip install it?' };
  const ok = fakeSession({
    runner: { dryRun: true },
    method: fakeMethod({ dryRunCheck: () => check }),
    system: { readOnly: async () => ({ exitCode: 0, stdout: 'Would install matrix-synapse-1.47.0', stderr: '' }) },
  });
  await installStep.run(ok.ctx);
  assert.deepEqual(ok.finished(), ['install:done not run (dry run)']);
  assert.ok(ok.events.some((e) => e.type === 'check' && e.status === 'pass' && e.evidence === 'Would install matrix-synapse-1.47.0'));

  const bad = fakeSession({
    runner: { dryRun: true },
    method: fakeMethod({ dryRunCheck: () => check }),
    system: { readOnly: async () => ({ exitCode: 1, stdout: '', stderr: 'ERROR: Could not find a version that satisfies the requirement' }) },
  });
  const error = await adminError(installStep.run(bad.ctx));
  assert.equal(error.message, 'The dry run found that the install would fail: ERROR: Could not find a version that satisfies the requirement');
  assert.equal(error.serverState, 'nothing was changed (dry run)');
});
