import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile, readFile, lstat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { AdminError } from '../../src/core/errors.js';
import { createPrivateFile, openAppendNoFollow } from '../../src/system/no-follow.js';
import { readJournal } from '../../src/system/journal.js';
import { ancestorProblem, ensureTrustedFolder, privateFolderProblem } from '../../src/system/trusted-dir.js';
import { main } from '../../src/cli/main.js';

const dirs: string[] = [];
after(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
const name = (uid: number) => `u${uid}`;

test('a folder of the wizard must be a real folder, ours, and writable by no one else; folders above may be sticky', () => {
  const dir = { uid: 0, mode: 0o40700, isLink: false, isDirectory: true };
  assert.equal(privateFolderProblem(dir, 0, name), undefined);
  assert.match(privateFolderProblem({ ...dir, uid: 65534 }, 0, name) ?? '', /owned by u65534, not by u0.*mode 0700/);
  assert.match(privateFolderProblem({ ...dir, mode: 0o40777 }, 0, name) ?? '', /every user.*mode 0777/);
  assert.match(privateFolderProblem({ ...dir, mode: 0o40770 }, 0, name) ?? '', /its group/);
  assert.match(privateFolderProblem({ ...dir, isLink: true }, 0, name) ?? '', /symbolic link/);
  assert.equal(ancestorProblem({ ...dir, mode: 0o41777 }, 0, name), undefined);
  assert.match(ancestorProblem({ ...dir, mode: 0o40777 }, 0, name) ?? '', /no sticky bit/);
  assert.match(ancestorProblem({ ...dir, uid: 1000 }, 0, name) ?? '', /owned by u1000/);
});

test(
  'planted by another user (runuser -u nobody) in a 1777 root: the session folder is refused (exit 2), naming owner and mode',
  { skip: process.geteuid?.() !== 0 && 'needs root' },
  async () => {
    const root = await mkdtemp(join(tmpdir(), 'su-trust-'));
    dirs.push(root);
    await chmod(root, 0o1777);
    const planted = join(root, 'example.test-12345678');
    execFileSync('runuser', ['-u', 'nobody', '--', 'mkdir', '-m', '777', planted]);
    const victim = join(root, 'victim');
    await writeFile(victim, 'root only\n', { mode: 0o600 });
    execFileSync('runuser', ['-u', 'nobody', '--', 'ln', '-s', victim, join(planted, 'transcript.log')]);
    await assert.rejects(
      ensureTrustedFolder(planted, 'state folder', '--state-dir'),
      (error: unknown) => error instanceof AdminError && error.exitCode === 2 && /owned by nobody \(uid \d+\).*mode 0777/.test(error.message),
    );
    // Ours but writable by others: refused too. Ours and private: accepted.
    const open = join(root, 'open');
    await mkdir(open, { mode: 0o777 });
    await chmod(open, 0o777);
    await assert.rejects(ensureTrustedFolder(open, 'state folder', '--state-dir'), /every user/);
    await ensureTrustedFolder(join(root, 'mine'), 'state folder', '--state-dir');
    assert.equal((await lstat(join(root, 'mine'))).mode & 0o777, 0o700);
    // A link among the files is never followed: appending, reading a journal, creating a backup file.
    assert.throws(() => openAppendNoFollow(join(planted, 'transcript.log')), { code: 'ELOOP' });
    await symlink(victim, join(root, 'mine', 'journal.json'));
    await assert.rejects(readJournal(join(root, 'mine')), /symbolic link/);
    await symlink(victim, join(root, 'mine', 'backup.db'));
    await assert.rejects(createPrivateFile(join(root, 'mine', 'backup.db')), { code: 'ELOOP' });
    assert.equal(await readFile(victim, 'utf8'), 'root only\n');
    await createPrivateFile(join(root, 'mine', 'new.db'));
    assert.equal((await lstat(join(root, 'mine', 'new.db'))).mode & 0o777, 0o600);
  },
);

test('plan --script FILE refuses a link or a FIFO there (exit 2) and leaves the target as it was', async () => {
  const root = await mkdtemp(join(tmpdir(), 'su-plan-link-'));
  dirs.push(root);
  const victim = join(root, 'victim');
  await writeFile(victim, 'keep\n');
  await symlink(victim, join(root, 'plan.sh'));
  execFileSync('mkfifo', [join(root, 'fifo')]);
  for (const file of ['plan.sh', 'fifo']) {
    const err: string[] = [];
    const code = await main(['plan', '--script', join(root, file), '--venv', '/nonexistent'], { stdout: () => {}, stderr: (s) => err.push(s) });
    assert.equal(code, 2, err.join('\n'));
    assert.match(err.join('\n'), file === 'fifo' ? /not a regular file/ : /symbolic link/);
  }
  assert.equal(await readFile(victim, 'utf8'), 'keep\n');
});
