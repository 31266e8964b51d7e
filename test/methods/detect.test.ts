import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createStandinInstall, freePort, type StandinInstall } from '../../src/demo/standin.js';
import { AdminError } from '../../src/core/errors.js';
import { detectInstall } from '../../src/methods/detect.js';
import { dataDir, dockerStandin } from '../helpers/docker-standin.js';
import { needTools, which } from '../helpers/tools.js';
import { tempDir } from '../helpers/temp-dir.js';

// Layouts built in temporary folders: a detection root standing for `/`, a home folder, a fake /proc,
// and a PATH holding only the tools a layout needs (so the machine's own installs never count).
let base: string;
let pip: StandinInstall;
before(async () => {
  base = await tempDir('su-detect-');
  pip = await createStandinInstall({ root: join(base, 'home', 'synapse'), version: '1.46.0', port: await freePort() });
});

const emptyProc = async (): Promise<string> => {
  const dir = await mkdtemp(join(base, 'proc-'));
  return dir;
};

async function pathWith(tools: string[]): Promise<string> {
  const bin = await mkdtemp(join(base, 'bin-'));
  for (const tool of tools) {
    const full = which(tool);
    if (full) await symlink(full, join(bin, tool));
  }
  return bin;
}

async function debianRoot(): Promise<string> {
  const root = await mkdtemp(join(base, 'root-'));
  await mkdir(join(root, 'var/lib/dpkg/info'), { recursive: true });
  await mkdir(join(root, 'var/lib/dpkg/updates'), { recursive: true });
  await writeFile(
    join(root, 'var/lib/dpkg/status'),
    'Package: matrix-synapse-py3\nStatus: install ok installed\nPriority: optional\nSection: net\nMaintainer: t <t@example.test>\nArchitecture: amd64\nVersion: 1.46.0+bookworm1\nDescription: stand-in\n\n',
  );
  await mkdir(join(root, 'etc/matrix-synapse/conf.d'), { recursive: true });
  await writeFile(join(root, 'etc/matrix-synapse/homeserver.yaml'), 'server_name: debian.test\n');
  await mkdir(join(root, 'lib/systemd/system'), { recursive: true });
  await writeFile(
    join(root, 'lib/systemd/system/matrix-synapse.service'),
    '[Service]\nExecStart=/opt/venvs/matrix-synapse/bin/python -m synapse.app.homeserver --config-path=/etc/matrix-synapse/homeserver.yaml --config-path=/etc/matrix-synapse/conf.d/\nRestart=always\n',
  );
  return root;
}

/** A fake /proc entry: a homeserver started with `argv`. */
async function fakeProcess(procRoot: string, pid: number, argv: string[]): Promise<void> {
  await mkdir(join(procRoot, String(pid)), { recursive: true });
  await writeFile(join(procRoot, String(pid), 'cmdline'), `${argv.join('\0')}\0`);
  await symlink('/', join(procRoot, String(pid), 'cwd'));
}

test('pip layout at the usual place (~/synapse/env): pip, medium confidence, evidence says where', async () => {
  const found = await detectInstall({ root: await debianRootless(), home: join(base, 'home'), procRoot: await emptyProc(), env: { PATH: await pathWith([]) } });
  assert.equal(found.install.method, 'pip');
  assert.equal(found.install.confidence, 'medium');
  assert.equal(found.ambiguous, false);
  assert.ok(found.install.evidence.includes(`virtualenv found at the usual place ${pip.venv}`));
  assert.deepEqual(found.install.configPaths, [pip.configPath]);
});

async function debianRootless(): Promise<string> {
  return mkdtemp(join(base, 'empty-root-'));
}

test('the running homeserver decides: a pip venv it runs from is high confidence', async () => {
  const proc = await emptyProc();
  await fakeProcess(proc, 4242, [join(pip.venv, 'bin', 'python'), '-m', 'synapse.app.homeserver', '-c', pip.configPath]);
  const found = await detectInstall({ root: await debianRootless(), home: join(base, 'nohome'), procRoot: proc, env: { PATH: await pathWith([]) } });
  assert.equal(found.install.method, 'pip');
  assert.equal(found.install.confidence, 'high');
  assert.ok(found.install.evidence.some((e) => e.startsWith('virtualenv of the running homeserver (pid 4242)')));
});

test('a homeserver that stops while detection looks (its config gone) is set aside, not chosen; alone, it is reported', async () => {
  const proc = await emptyProc();
  const gone = join(base, 'vanished', 'homeserver.yaml');
  await fakeProcess(proc, 4300, [join(pip.venv, 'bin', 'python'), '-m', 'synapse.app.homeserver', '-c', gone]);
  await fakeProcess(proc, 4301, [join(pip.venv, 'bin', 'python'), '-m', 'synapse.app.homeserver', '-c', pip.configPath]);
  const found = await detectInstall({ root: await debianRootless(), home: join(base, 'nohome'), procRoot: proc, env: { PATH: await pathWith([]) } });
  assert.deepEqual(found.install.configPaths, [pip.configPath]);
  assert.deepEqual(
    found.candidates.map((c) => c.configPaths[0]),
    [pip.configPath],
  );
  assert.ok(
    found.looked.some((l) => l === `${gone} (a homeserver's config that no longer exists)`),
    found.looked.join('; '),
  );

  const alone = await emptyProc();
  await fakeProcess(alone, 4302, [join(pip.venv, 'bin', 'python'), '-m', 'synapse.app.homeserver', '-c', gone]);
  const single = await detectInstall({ root: await debianRootless(), home: join(base, 'nohome'), procRoot: alone, env: { PATH: await pathWith([]) } });
  assert.deepEqual(single.install.configPaths, [gone], 'a single candidate is kept: reading its config then says it is missing');
});

test('Debian layout in a temporary root (real dpkg-query --admindir): package version, config + conf.d, systemd', async (t) => {
  if (!needTools(t, ['dpkg-query'])) return;
  const root = await debianRoot();
  const found = await detectInstall({ root, home: join(base, 'nohome'), procRoot: await emptyProc(), env: { PATH: await pathWith(['dpkg-query']) } });
  const install = found.install;
  assert.equal(install.method, 'debian');
  assert.equal(install.installedVersion, '1.46.0');
  assert.equal(install.method === 'debian' && install.packageVersion, '1.46.0+bookworm1');
  assert.deepEqual(install.configPaths, [join(root, 'etc/matrix-synapse/homeserver.yaml'), join(root, 'etc/matrix-synapse/conf.d')]);
  assert.equal(install.restart.kind, 'systemd');
  assert.equal(found.ambiguous, false);
});

test('ambiguous: a Debian package next to a stray venv — both medium, so the wizard asks; a running package process settles it', async (t) => {
  if (!needTools(t, ['dpkg-query'])) return;
  const root = await debianRoot();
  const env = { PATH: await pathWith(['dpkg-query']) };
  const plain = await detectInstall({ root, home: join(base, 'home'), procRoot: await emptyProc(), env });
  assert.equal(plain.ambiguous, true);
  assert.deepEqual(plain.candidates.map((c) => c.method).sort(), ['debian', 'pip']);
  let offered: string[] = [];
  const chosen = await detectInstall({
    root,
    home: join(base, 'home'),
    procRoot: await emptyProc(),
    env,
    choose: async (c) => ((offered = c.map((x) => x.method)), c.find((x) => x.method === 'pip')!),
  });
  assert.deepEqual(offered.sort(), ['debian', 'pip']);
  assert.equal(chosen.install.method, 'pip');
  const proc = await emptyProc();
  await fakeProcess(proc, 77, [
    join(root, 'opt/venvs/matrix-synapse/bin/python'),
    '-m',
    'synapse.app.homeserver',
    '--config-path=/etc/matrix-synapse/homeserver.yaml',
  ]);
  const running = await detectInstall({ root, home: join(base, 'home'), procRoot: proc, env });
  assert.equal(running.install.method, 'debian');
  assert.equal(running.install.confidence, 'high');
  assert.equal(running.ambiguous, false);
  const forced = await detectInstall({ root, home: join(base, 'home'), procRoot: await emptyProc(), env, method: 'pip' });
  assert.equal(forced.install.method, 'pip');
});

test('Docker layout (stand-in docker): a running Synapse container wins over a stray venv', async () => {
  const docker = await dockerStandin(await mkdtemp(join(base, 'docker-')), pip.wheelhouse);
  const port = await freePort();
  const data = join(base, 'docker-data');
  await dataDir(data, port);
  assert.equal(
    (await docker.docker(['run', '-d', '--name', 'synapse', '-v', `${data}:/data`, '-p', `${port}:${port}`, 'matrixdotorg/synapse:v1.47.0'])).exitCode,
    0,
  );
  after(() => docker.docker(['rm', '-f', 'synapse']));
  const found = await detectInstall({
    root: await debianRootless(),
    home: join(base, 'home'),
    procRoot: await emptyProc(),
    env: { PATH: docker.bin, ...docker.env },
  });
  assert.equal(found.install.method, 'docker');
  assert.equal(found.install.confidence, 'high');
  assert.equal(found.install.installedVersion, '1.47.0');
  assert.deepEqual(
    found.candidates.map((c) => c.method),
    ['docker', 'pip'],
  );
  assert.equal(found.ambiguous, false);
});

test('unknown layout: "No Synapse install found", listing everything looked at and how to point the wizard at it', async () => {
  const error = await detectInstall({
    root: await debianRootless(),
    home: join(base, 'nohome'),
    procRoot: await emptyProc(),
    env: { PATH: await pathWith([]) },
  }).catch((e: unknown) => e);
  assert.ok(error instanceof AdminError);
  assert.equal(error.exitCode, 2);
  assert.equal(error.code, 'no-install');
  assert.match(
    error.message,
    /^No Synapse install found\. Looked at: the Debian package matrix-synapse-py3 \(dpkg-query\): dpkg-query is not installed; running homeserver processes in \/proc; synctl on PATH; .*nohome\/synapse\/env; \/opt\/synapse\/env; Docker containers \(no docker command on PATH\)\.$/,
  );
  assert.match(error.nextStep ?? '', /--venv PATH and --config PATH .* --method debian .* --method docker/);
});

test('--method that does not match the layout, and a Docker daemon that does not answer: exit 2 with the reason', async () => {
  const gitErr = await detectInstall({
    root: await debianRootless(),
    home: join(base, 'home'),
    procRoot: await emptyProc(),
    env: { PATH: await pathWith([]) },
    method: 'git',
  }).catch((e: unknown) => e);
  assert.ok(gitErr instanceof AdminError);
  assert.match(
    gitErr.message,
    /--method git was given, but no git install of Synapse was found\. .*\(matrix-synapse in it was not installed from a git checkout\)/,
  );
  const docker = await dockerStandin(await mkdtemp(join(base, 'docker-down-')), pip.wheelhouse);
  const down = await detectInstall({
    root: await debianRootless(),
    home: join(base, 'nohome'),
    procRoot: await emptyProc(),
    env: { PATH: docker.bin, ...docker.env, DOCKER_HOST: 'unix:///nonexistent.sock' },
    method: 'docker',
  }).catch((e: unknown) => e);
  assert.ok(down instanceof AdminError);
  assert.equal(down.exitCode, 2);
  assert.match(down.message, /The Docker daemon is not reachable: Cannot connect to the Docker daemon at unix:\/\/\/nonexistent\.sock/);
});

// pip at work in the given virtualenv (here: its matrix-synapse metadata moved aside, as pip's uninstall leaves it, and
// a process in a fake /proc whose command line is that venv's pip): detection waits until no pip runs there, then reads.
test('a given virtualenv while its pip is installing: detection waits for pip, then reads the version; a pip that never ends is named', async () => {
  const site = join(
    pip.venv,
    'lib',
    (await readdir(join(pip.venv, 'lib'))).find((d) => d.startsWith('python'))!,
    'site-packages',
  );
  const distInfo = join(site, 'matrix_synapse-1.46.0.dist-info');
  const aside = join(base, 'dist-info-aside');
  const proc = await emptyProc();
  const pipProcess = async (pid: number) => {
    await mkdir(join(proc, String(pid)), { recursive: true });
    await writeFile(
      join(proc, String(pid), 'cmdline'),
      [join(pip.venv, 'bin', 'python'), join(pip.venv, 'bin', 'pip'), 'install', '--upgrade', 'matrix-synapse==1.47.0', ''].join('\0'),
    );
  };
  const env = { PATH: await pathWith([]) };
  await rename(distInfo, aside);
  try {
    await pipProcess(4242);
    const started = Date.now();
    const finished = setTimeout(() => void rename(aside, distInfo).then(() => rm(join(proc, '4242'), { recursive: true })), 700);
    const found = await detectInstall({ root: await debianRootless(), home: join(base, 'nohome'), procRoot: proc, env, venv: pip.venv });
    clearTimeout(finished);
    assert.equal(found.install.installedVersion, '1.46.0');
    assert.ok(Date.now() - started >= 700, `waited for pip: ${Date.now() - started} ms`);

    await rename(distInfo, aside);
    await pipProcess(4343);
    const error = await detectInstall({ root: await debianRootless(), home: join(base, 'nohome'), procRoot: proc, env, venv: pip.venv, pipWaitMs: 300 }).then(
      () => assert.fail('detected while pip was at work'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof AdminError);
    assert.match(
      error.message,
      new RegExp(
        `^pip is still at work in the virtualenv ${pip.venv} \\(pid 4343: .*/bin/python .*/bin/pip install --upgrade matrix-synapse==1\\.47\\.0\\)\\.$`,
      ),
    );
    assert.match(error.nextStep ?? '', /Wait for that pip to finish/);
  } finally {
    await rename(aside, distInfo).catch(() => {});
  }
});

test('a pip still at work is named without the credentials of a URL on its command line', async () => {
  const site = join(
    pip.venv,
    'lib',
    (await readdir(join(pip.venv, 'lib'))).find((d) => d.startsWith('python'))!,
    'site-packages',
  );
  const distInfo = join(site, 'matrix_synapse-1.46.0.dist-info');
  const aside = join(base, 'dist-info-aside-2');
  const proc = await emptyProc();
  await mkdir(join(proc, '77'), { recursive: true });
  const argv = [join(pip.venv, 'bin', 'pip'), 'install', '--index-url', 'https://admin:s3cret@pypi.example.org/simple', 'matrix-synapse'];
  await writeFile(join(proc, '77', 'cmdline'), `${argv.join('\0')}\0`);
  await rename(distInfo, aside);
  try {
    const error = await detectInstall({
      root: await debianRootless(),
      home: join(base, 'nohome'),
      procRoot: proc,
      env: { PATH: await pathWith([]) },
      venv: pip.venv,
      pipWaitMs: 0,
    }).then(
      () => assert.fail('detected while pip was at work'),
      (e: unknown) => e as Error,
    );
    assert.match(error.message, /\(pid 77: .*--index-url https:\/\/admin:\*\*\*@pypi\.example\.org\/simple matrix-synapse\)\.$/);
    assert.doesNotMatch(error.message, /s3cret/);
  } finally {
    await rename(aside, distInfo).catch(() => {});
  }
});
