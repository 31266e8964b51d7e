import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { holdState, policyRcdHold, POLICY_RC_D } from '../../src/methods/debian-hold.js';

/** A root with /usr/sbin and a session folder, in a temporary folder. */
async function layout(t: { after: (fn: () => Promise<void>) => void }) {
  const dir = await mkdtemp(join(tmpdir(), 'su-hold-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const root = join(dir, 'root');
  const session = join(dir, 'session');
  await mkdir(join(root, 'usr/sbin'), { recursive: true });
  await mkdir(session);
  return { root, session, target: join(root, POLICY_RC_D) };
}

/** Plays a command list the way the runner would (cp, install, rm only). */
async function play(commands: { argv: readonly string[] }[]): Promise<void> {
  const { cp, rm: remove } = await import('node:fs/promises');
  for (const { argv } of commands) {
    if (argv[0] === 'cp') await cp(argv.at(-2)!, argv.at(-1)!);
    else if (argv[0] === 'install') await cp(argv.at(-2)!, argv.at(-1)!);
    else if (argv[0] === 'rm') await remove(argv.at(-1)!, { force: true });
    else throw new Error(`unexpected ${argv.join(' ')}`);
  }
}

test('restart hold without a policy-rc.d: one written that answers 101, removed on release; release is a no-op after', async (t) => {
  const { root, session, target } = await layout(t);
  const hold = policyRcdHold(root, session, false);
  assert.deepEqual(await hold.release(), []);
  const commands = await hold.hold();
  assert.deepEqual(
    commands.map((c) => c.argv[0]),
    ['install'],
  );
  await play(commands);
  assert.equal(await holdState(root), 'ours');
  const release = await hold.release();
  assert.deepEqual(
    release.map((c) => c.argv),
    [['rm', '-f', target]],
  );
  await play(release);
  assert.equal(await holdState(root), undefined);
  assert.deepEqual(await hold.release(), []);
  assert.deepEqual(await readdir(session), []);
});

test("restart hold with the admin's policy-rc.d: kept, put back on release; a resumed run finding the hold in place keeps it as it is", async (t) => {
  const { root, session, target } = await layout(t);
  await writeFile(target, '#!/bin/sh\nexit 0\n');
  const hold = policyRcdHold(root, session, false);
  const first = await hold.hold();
  assert.deepEqual(
    first.map((c) => c.argv[0]),
    ['cp', 'install'],
  );
  await play(first);
  const held = await readFile(target, 'utf8');
  // A resumed run whose interrupted apt still runs finds the hold in place: nothing to run (its commands are then the
  // interrupted run's, so it follows that apt), and our own file is never kept as the admin's.
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(await hold.hold(), []);
  assert.equal(await readFile(target, 'utf8'), held);
  const release = await hold.release();
  assert.deepEqual(
    release.map((c) => c.argv[0]),
    ['cp', 'rm'],
  );
  await play(release);
  assert.equal(await readFile(target, 'utf8'), '#!/bin/sh\nexit 0\n');
  assert.deepEqual(await readdir(session), []);
});

test("release leaves a policy-rc.d that is not the hold's alone", async (t) => {
  const { root, session, target } = await layout(t);
  await writeFile(target, '#!/bin/sh\nexit 101\n');
  assert.deepEqual(await policyRcdHold(root, session, false).release(), []);
  assert.equal(await holdState(root), 'other');
});
