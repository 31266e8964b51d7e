// pip's own temporary folders (pip-*) stay behind when pip is killed. The pip commands the wizard runs get a
// TMPDIR of the session's own (<session>/tmp, 0700), emptied when the command ends and when a session resumes.
// Real processes through the real runner and supervisor (needs `npm run build` first), and a real pip.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { SessionContext } from '../../src/engine/context.js';
import type { ResumeState } from '../../src/engine/resume.js';
import { runFlow } from '../../src/engine/run-flow.js';
import { pipMethod } from '../../src/methods/pip.js';
import type { Install } from '../../src/methods/types.js';
import { clearSessionTmp, sessionTmpDir } from '../../src/system/session-tmp.js';
import { createRunner } from '../../src/system/runner.js';
import { openTranscript } from '../../src/system/transcript.js';
import { needTools } from '../helpers/tools.js';

const dirs: string[] = [];
after(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true, maxRetries: 3 })));
});
async function session() {
  const dir = await mkdtemp(join(tmpdir(), 'su-session-tmp-'));
  dirs.push(dir);
  const transcript = openTranscript(join(dir, 'transcript.log'));
  const runner = createRunner({ dryRun: false, transcript, emit: () => {}, sessionDir: dir, session: 'test', step: () => 'install' });
  return { dir, runner, transcript };
}

test('a command that asks for the session temp folder runs with TMPDIR=<session>/tmp (0700), emptied after it is killed', async () => {
  const { dir, runner, transcript } = await session();
  const tmp = sessionTmpDir(dir);
  // What a killed run left (a pip-* folder) is gone before the command starts: nothing of another run reaches it.
  await mkdir(join(tmp, 'pip-install-left-by-a-killed-run'), { recursive: true });
  // Python's tempfile, as pip uses it: a pip-* folder under TMPDIR, then the process dies by SIGKILL (no clean-up).
  const script = [
    'import os, signal, tempfile',
    "d = tempfile.mkdtemp(prefix='pip-unpack-')",
    "open(os.path.join(d, 'part'), 'w').write('x')",
    "print(os.environ['TMPDIR'], flush=True)",
    "print(sorted(os.listdir(os.environ['TMPDIR'])), flush=True)",
    'os.kill(os.getpid(), signal.SIGKILL)',
  ].join('\n');
  const lines: string[] = [];
  const result = await runner.run({ argv: ['python3', '-c', script], tempDir: 'session' }, (line) => lines.push(line));
  await transcript.close();
  assert.notEqual(result.exitCode, 0);
  assert.equal(lines[0], tmp);
  assert.match(lines[1] ?? '', /^\['pip-unpack-\w+'\]$/, 'the leftover of the earlier run was removed before the command started');
  assert.equal((await stat(tmp)).mode & 0o777, 0o700);
  assert.deepEqual(await readdir(tmp), [], 'emptied once the command ended');
});

test('real pip, killed while it installs, leaves its pip-* folders in the session folder; they are removed; resuming empties it', async (t) => {
  if (!needTools(t, ['python3'])) return;
  const { dir, runner, transcript } = await session();
  const tmp = sessionTmpDir(dir);
  const venv = join(dir, 'env');
  execFileSync('python3', ['-m', 'venv', venv]);
  // A package whose build waits for a file that never comes: pip is killed while its pip-* folders exist.
  const pkg = join(dir, 'slowpkg');
  await mkdir(pkg);
  await writeFile(join(pkg, 'setup.py'), "import time\ntime.sleep(60)\nfrom setuptools import setup\nsetup(name='slowpkg', version='1.0')\n");
  const install = { method: 'pip', venv, python: join(venv, 'bin', 'python'), extras: [], configPaths: [] } as unknown as Install;
  const spec = { ...pipMethod.installCommand(install, '1.47.0'), argv: [join(venv, 'bin', 'pip'), 'install', '--no-index', '--no-build-isolation', pkg] };
  assert.equal(pipMethod.installCommand(install, '1.47.0').tempDir, 'session', "the pip method's install asks for the session temp folder");
  const seen = new Set<string>();
  const watch = setInterval(() => {
    void readdir(tmp)
      .then((names) => {
        for (const n of names) seen.add(n);
        if (names.some((n) => n.startsWith('pip-'))) runner.stop();
      })
      .catch(() => {});
  }, 50);
  t.after(() => clearInterval(watch));
  const result = await runner.run(spec);
  clearInterval(watch);
  await transcript.close();
  assert.notEqual(result.exitCode, 0, 'pip was stopped');
  assert.ok(
    [...seen].some((n) => n.startsWith('pip-')),
    `pip made its temp folders under the session's TMPDIR: ${[...seen].join(', ')}`,
  );
  assert.deepEqual(await readdir(tmp), [], 'the runner emptied it once pip ended');
});

test('resuming a session whose commands all ended empties what a killed pip left in its temporary folder', async () => {
  const { dir, transcript } = await session();
  await transcript.close();
  const tmp = sessionTmpDir(dir);
  await mkdir(join(tmp, 'pip-req-build-x', 'src'), { recursive: true, mode: 0o700 });
  await writeFile(join(tmp, 'pip-req-build-x', 'src', 'setup.py'), '');
  // The journal of a session killed during the install: its job's folder has no start record, so nothing runs.
  const journal = {
    from: '1.46.0',
    steps: [{ id: 'install', status: 'running', jobs: [{ dir: 'jobs/001', argv: ['pip', 'install'] }] }],
    acknowledgedNotes: [],
  };
  const ctx = {
    sessionDir: dir,
    deps: { emit: () => {} },
    decision: { target: '1.47.0' },
    picture: { install: { installedVersion: '1.46.0' }, running: { ok: false }, logFile: undefined, url: 'http://127.0.0.1:9' },
    summary: [],
  } as unknown as SessionContext;
  await runFlow([], ctx, { journal } as unknown as ResumeState);
  assert.deepEqual(await readdir(tmp), []);
  assert.deepEqual(await clearSessionTmp(dir), [], 'nothing left to remove');
});
