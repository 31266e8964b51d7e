import assert from 'node:assert/strict';
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkRust, gitMethod, sourceRequirement, versionsFromTags } from '../../src/methods/git.js';
import type { Question } from '../../src/core/events.js';
import type { GitInstall, PlanContext } from '../../src/methods/types.js';
import { loadReleaseData } from '../../src/system/release-data.js';
import { git } from '../helpers/git-standin.js';
import { needTools, which } from '../helpers/tools.js';
import { tempDir } from '../helpers/temp-dir.js';

test('release tags from git tag and git ls-remote: releases and rcs, newest first; peeled refs and other tags ignored', () => {
  const remote =
    'abc\trefs/tags/v1.46.0\nabd\trefs/tags/v1.46.0^{}\nabe\trefs/tags/v1.47.0rc1\nabf\trefs/tags/v1.47.0\nab0\trefs/tags/v1.9.0\nab1\trefs/tags/test-tag\n';
  assert.deepEqual(versionsFromTags(remote), ['1.47.0', '1.47.0rc1', '1.46.0', '1.9.0']);
  assert.deepEqual(versionsFromTags('v1.68.0\nv1.67.0\n'), ['1.68.0', '1.67.0']);
});

test('pip keeps the extras and the editable mode of a checkout install', () => {
  assert.deepEqual(sourceRequirement({ extras: ['postgres', 'redis'], editable: false }), ['.[postgres,redis]']);
  assert.deepEqual(sourceRequirement({ extras: [], editable: true }), ['-e', '.']);
});

async function toolDir(root: string, rust?: { rustc?: string; cargo?: string }): Promise<string> {
  const bin = join(root, 'bin');
  await mkdir(bin, { recursive: true });
  for (const [tool, version] of Object.entries(rust ?? {})) {
    await writeFile(join(bin, tool), `#!/bin/sh\necho "${tool} ${version} (stand-in)"\n`);
    await chmod(join(bin, tool), 0o755);
  }
  const gitPath = which('git');
  if (gitPath) await symlink(gitPath, join(bin, 'git'));
  return bin;
}

test('Rust from 1.68: the MSRV of the target from steps/platform.yaml; missing, too old, fine; not needed before 1.68', async () => {
  const platform = (await loadReleaseData()).platform;
  const root = await tempDir('su-rust-');
  const none = await toolDir(join(root, 'none'));
  assert.deepEqual(await checkRust('1.67.0', platform, { PATH: none }), {
    needed: false,
    msrv: undefined,
    rustc: undefined,
    cargo: undefined,
    problem: undefined,
  });
  assert.match((await checkRust('1.68.0', platform, { PATH: none })).problem ?? '', /needs Rust 1\.58\.1 or later, and rustc and cargo are not on PATH/);
  const noCargo = await toolDir(join(root, 'nocargo'), { rustc: '1.90.0' });
  assert.match((await checkRust('1.157.1', platform, { PATH: noCargo })).problem ?? '', /needs Rust 1\.82\.0 or later, and cargo is not on PATH/);
  const old = await toolDir(join(root, 'old'), { rustc: '1.81.0', cargo: '1.81.0' });
  assert.match((await checkRust('1.136.0', platform, { PATH: old })).problem ?? '', /needs Rust 1\.82\.0 or later; rustc on PATH is 1\.81\.0/);
  const ok = await checkRust('1.136.0', platform, { PATH: await toolDir(join(root, 'ok'), { rustc: '1.82.0', cargo: '1.82.0' }) });
  assert.deepEqual([ok.needed, ok.msrv, ok.rustc, ok.problem], [true, '1.82.0', '1.82.0', undefined]);
});

test('a dirty work tree: the admin may stash (the plan starts with git stash push) or stop (exit 2, nothing changed)', async (t) => {
  if (!needTools(t, ['git'])) return;
  const repo = await tempDir('su-gitplan-');
  await git(repo, 'init', '-q', '-b', 'master');
  await writeFile(join(repo, 'README'), 'synapse\n');
  await git(repo, 'add', '-A');
  await git(repo, 'commit', '-q', '-m', 'one');
  await git(repo, 'tag', 'v1.46.0');
  await writeFile(join(repo, 'README'), 'synapse, patched\n');
  await writeFile(join(repo, 'untracked.yaml'), 'not a change that matters\n');
  const install: GitInstall = {
    method: 'git',
    evidence: [],
    confidence: 'high',
    venv: join(repo, 'env'),
    python: join(repo, 'env/bin/python'),
    repo,
    editable: false,
    remote: undefined,
    configPaths: [join(repo, 'homeserver.yaml')],
    installedVersion: '1.46.0',
    extras: [],
    pythonVersion: undefined,
    sqliteVersion: undefined,
    restart: { kind: 'synctl', synctl: join(repo, 'env/bin/synctl'), config: join(repo, 'homeserver.yaml'), workersDir: undefined },
    workers: [],
  };
  const asked: string[] = [];
  const ctx = (answer: string): PlanContext => ({
    ask: async <T extends string>(q: Question<T>) => (asked.push(q.id), answer as T),
    emit: () => {},
    sessionDir: repo,
    dryRun: false,
    from: '1.46.0',
    env: process.env,
  });
  const plan = await gitMethod.plan!(install, '1.47.0', ctx('stash'));
  assert.deepEqual(asked, ['git-dirty']);
  assert.deepEqual(
    plan.before.map((c) => c.argv.slice(3, 5)),
    [['stash', 'push']],
  );
  assert.deepEqual(
    plan.install.map((c) => c.argv.at(-1)),
    ['v1.47.0', '.'],
  );
  await assert.rejects(
    gitMethod.plan!(install, '1.47.0', ctx('stop')),
    (e: Error & { exitCode?: number }) => e.exitCode === 2 && /has local changes \(README\)/.test(e.message),
  );
});
