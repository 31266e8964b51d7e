// Docker, for real: Podman's Docker API on a socket of this test's own, the machine's docker client, Debian's
// docker-registry on loopback holding Synapse images (official layout) built from real Synapse 1.46.0 and
// 1.47.0, real containers created from the old tag. The wizard finds the container with no flags (the image
// is named after the loopback registry, so only what the image is tells it is Synapse), lists the
// registry's tags, pulls, recreates the container as it was created, verifies; then rollback, docker-compose 1.29 with the pinned tag changed after a shown diff, and a custom image
// built FROM Synapse's refused with its rebuild path.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { freePort } from '../../src/demo/standin.js';
import { dockerEngineMissing, REPO, startDockerEngine, type DockerEngine } from '../helpers/docker-engine.js';
import { missingTool } from '../helpers/tools.js';
import { cacheRoot, lockedBuild } from './helpers/cache.js';
import { waitFor } from './helpers/homeserver.js';
import { openPidNamespace, type PidNamespace } from './helpers/pidns.js';
import { realWizardEnv } from './helpers/tier.js';
import { VERSIONS } from './helpers/versions.js';
import { journalOf, runWizard, stepList } from './helpers/wizard.js';

const { from: FROM, to: TO } = VERSIONS.scenarios['first-hand-test'] as { from: string; to: string };
let root = '';
let engine: DockerEngine | undefined;
let ns: PidNamespace | undefined;
const why: string | undefined = dockerEngineMissing();

before(
  async () => {
    if (why) return;
    root = await mkdtemp(join(tmpdir(), 'su-docker-engine-'));
    engine = await startDockerEngine(root, [FROM, TO]);
    ns = await openPidNamespace();
  },
  { timeout: 30 * 60_000 },
);

after(async () => {
  await ns?.close();
  await engine?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

const ready = (t: TestContext): DockerEngine | undefined => (missingTool(t, why) ? undefined : engine);

const serverVersion = async (port: number): Promise<string | undefined> => {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/_synapse/admin/v1/server_version`, { signal: AbortSignal.timeout(2000) });
    return ((await res.json()) as { server_version?: string }).server_version;
  } catch {
    return undefined;
  }
};

const waitVersion = (port: number, version: string) =>
  waitFor(async () => (await serverVersion(port)) === version, 180_000, `Synapse ${version} answering on ${port}`, 500);

/** Background updates still to run in a /data folder's SQLite database (read from this host). */
async function pendingUpdates(dir: string): Promise<number> {
  const { execa } = await import('execa');
  const r = await execa(
    'python3',
    [
      '-c',
      'import sqlite3,sys; print(sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True).execute("SELECT count(*) FROM background_updates").fetchone()[0])',
      join(dir, 'homeserver.db'),
    ],
    { reject: false },
  );
  return r.exitCode === 0 ? Number(r.stdout.trim()) : -1;
}

/**
 * A /data folder made by the old image itself (`--generate-config`, the listener moved to 0.0.0.0:8008
 * inside), started once until its background updates are done (the wizard refuses pending ones under --yes,
 * as it should), then copied for each test. Made once per content (the images' key, the version and this
 * recipe) into $SYNAPSE_UPGRADE_TEST_CACHE/docker-data/: warm runs copy it.
 */
async function buildDataTemplate(e: DockerEngine, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const image = `${e.registry}/${REPO}:v${FROM}`;
  const gen = await e.docker([
    'run',
    '--rm',
    '--network',
    'none',
    '-v',
    `${dir}:/data`,
    '-w',
    '/data',
    '--entrypoint',
    'python',
    image,
    '-m',
    'synapse.app.homeserver',
    '--server-name',
    'docker.test',
    '--report-stats=no',
    '--config-path',
    '/data/homeserver.yaml',
    '--data-directory',
    '/data',
    '--generate-config',
  ]);
  assert.equal(gen.exitCode, 0, gen.stderr);
  const config = join(dir, 'homeserver.yaml');
  const text = await readFile(config, 'utf8');
  const moved = text.replace(/^(\s*(?:- )?bind_addresses:\s*)\['::1', '127\.0\.0\.1'\][ \t]*$/m, "$1['0.0.0.0']");
  assert.notEqual(moved, text, 'the generated listener binds ::1 and 127.0.0.1');
  await writeFile(config, moved);
  const name = `su-hs-template-${process.pid}`;
  const run = await e.docker(['run', '-d', '--name', name, '--network', 'none', '-v', `${dir}:/data`, '--label', `synapse-upgrade-test=${root}`, image]);
  assert.equal(run.exitCode, 0, run.stderr);
  try {
    await waitFor(async () => (await pendingUpdates(dir)) === 0, 300_000, "the template database's background updates", 1000);
  } finally {
    await e.docker(['rm', '-f', name]);
  }
}

let template: Promise<string> | undefined;
function dataTemplate(e: DockerEngine): Promise<string> {
  const key = createHash('sha256')
    .update(JSON.stringify([e.imagesKey, FROM, buildDataTemplate.toString()]))
    .digest('hex')
    .slice(0, 12);
  template ??= lockedBuild(join(cacheRoot(), 'docker-data', key), (tmp) => buildDataTemplate(e, join(tmp, 'data'))).then((dir) => join(dir, 'data'));
  return template;
}

async function dataFolder(e: DockerEngine, dir: string): Promise<string> {
  const { execa } = await import('execa');
  await mkdir(dirname(dir), { recursive: true });
  await execa('cp', ['-a', await dataTemplate(e), dir]);
  return join(dir, 'homeserver.yaml');
}

const inspect = async (e: DockerEngine, name: string) => {
  const r = await e.docker(['container', 'inspect', name]);
  return r.exitCode === 0 ? JSON.parse(r.stdout)[0] : undefined;
};

/** Each test leaves no Synapse container behind: the next one's wizard, with no flags, must see only its own. */
const removeAfter = (t: TestContext, e: DockerEngine, names: string[]) =>
  t.after(async () => {
    // A rollback sets the container it replaces aside as NAME-failed-<time>.
    const failed = (await e.docker(['ps', '-a', '--format', '{{.Names}}'])).stdout.split('\n').filter((n) => names.some((m) => n.startsWith(`${m}-failed-`)));
    for (const n of [...names, ...failed]) await e.docker(['rm', '-f', n]);
  });

/** The admin's container: the old tag, with a volume, env, a published port, a restart policy and labels. */
async function startOld(e: DockerEngine, name: string, data: string, port: number): Promise<void> {
  const run = await e.docker([
    'run',
    '-d',
    '--name',
    name,
    '-v',
    `${data}:/data`,
    '-e',
    'SYNAPSE_CONFIG_PATH=/data/homeserver.yaml',
    '-e',
    'TZ=UTC',
    '-p',
    `127.0.0.1:${port}:8008`,
    '--restart',
    'unless-stopped',
    '--label',
    `synapse-upgrade-test=${root}`,
    '--label',
    'admin.note=keep',
    `${e.registry}/${REPO}:v${FROM}`,
  ]);
  assert.equal(run.exitCode, 0, run.stderr);
  await waitVersion(port, FROM);
}

const wizardEnv = (e: DockerEngine, name: string) => ({ ...realWizardEnv(join(root, `state-${name}`)), ...e.env });

test(
  "real engine: a container of a loopback registry's image, found with no flags, upgraded from that registry, recreated as created; then rolled back",
  { timeout: 20 * 60_000 },
  async (t) => {
    const e = ready(t);
    if (!e || !ns) return;
    const name = `su-hs-${process.pid}`;
    removeAfter(t, e, [name, `${name}-synapse-${FROM}`]);
    const data = join(root, name);
    await dataFolder(e, data);
    const port = await freePort();
    const image = `${e.registry}/${REPO}:v${FROM}`;
    await startOld(e, name, data, port);

    // No flags but --yes, in a pid namespace of its own: only the Docker API shows this homeserver.
    const env = wizardEnv(e, name);
    const upgrade = await runWizard(['--yes'], env, { ns, timeoutMs: 15 * 60_000 });
    const out = upgrade.stdout + upgrade.stderr;
    assert.equal(upgrade.exitCode, 0, out);
    assert.equal(await serverVersion(port), TO);
    assert.match(
      out,
      new RegExp(
        `image label org\\.opencontainers\\.image\\.source=https://github\\.com/matrix-org/synapse\\.git|is matrixdotorg/synapse from the registry ${e.registry.replace(/\./g, '\\.')}`,
      ),
    );
    assert.match(
      out,
      new RegExp(`PYTHON_VERSION of the image ${e.registry.replace(/\./g, '\\.')}/matrixdotorg/synapse:v${TO.replace(/\./g, '\\.')} in its registry`),
    );
    assert.match(out, new RegExp(`\\[ok\\] config-check: ${TO.replace(/\./g, '\\.')} accepts the config`));
    const now = await inspect(e, name);
    assert.equal(now.Config.Image, `${e.registry}/${REPO}:v${TO}`);
    assert.ok(now.State.Running);
    assert.ok(now.Config.Env.includes('SYNAPSE_CONFIG_PATH=/data/homeserver.yaml') && now.Config.Env.includes('TZ=UTC'), now.Config.Env.join(' '));
    assert.deepEqual(now.HostConfig.PortBindings['8008/tcp'], [{ HostIp: '127.0.0.1', HostPort: String(port) }]);
    assert.equal(now.HostConfig.RestartPolicy.Name, 'unless-stopped');
    assert.equal(now.Config.Labels['admin.note'], 'keep');
    assert.ok(now.Mounts.some((m: { Source: string; Destination: string }) => m.Source === data && m.Destination === '/data'));
    const kept = await inspect(e, `${name}-synapse-${FROM}`);
    assert.equal(kept?.Config.Image, image);
    assert.equal(kept?.State.Running, false);

    const back = await runWizard(['rollback', '--yes'], env, { ns, timeoutMs: 10 * 60_000 });
    assert.equal(back.exitCode, 0, back.stdout + back.stderr);
    assert.equal(await serverVersion(port), FROM);
    assert.equal((await inspect(e, name))?.Config.Image, image);
  },
);

test(
  'real engine: docker-compose 1.29 project: the pinned tag changes after the diff is shown, the service is recreated',
  { timeout: 20 * 60_000 },
  async (t) => {
    const e = ready(t);
    if (!e || !ns) return;
    const project = join(root, 'compose');
    const data = join(project, 'data');
    await dataFolder(e, data);
    const port = await freePort();
    const file = join(project, 'docker-compose.yml');
    const original = [
      '# Synapse, as the admin wrote it',
      "version: '3'",
      'services:',
      '  synapse:',
      `    image: "${e.registry}/${REPO}:v${FROM}"`,
      '    restart: unless-stopped',
      '    environment:',
      '      - SYNAPSE_CONFIG_PATH=/data/homeserver.yaml',
      '    volumes:',
      `      - ${data}:/data`,
      '    ports:',
      `      - "127.0.0.1:${port}:8008"`,
      '    labels:',
      `      synapse-upgrade-test: "${root}"`,
      '',
    ].join('\n');
    await writeFile(file, original);
    const compose = e.env;
    const { execa } = await import('execa');
    t.after(() =>
      execa('docker-compose', ['-p', `suchat${process.pid}`, '-f', file, 'down'], {
        env: compose,
        extendEnv: false,
        reject: false,
        cwd: project,
        stdin: 'ignore',
      }),
    );
    const up = await execa('docker-compose', ['-p', `suchat${process.pid}`, '-f', file, 'up', '-d'], {
      env: compose,
      extendEnv: false,
      reject: false,
      cwd: project,
      all: true,
      stdin: 'ignore',
    });
    assert.equal(up.exitCode, 0, String(up.all));
    await waitVersion(port, FROM);

    const upgrade = await runWizard(['--yes'], wizardEnv(e, 'compose'), { ns, timeoutMs: 15 * 60_000 });
    const out = upgrade.stdout + upgrade.stderr;
    assert.equal(upgrade.exitCode, 0, out);
    assert.match(out, /made by docker-compose 1\.x/);
    assert.match(
      out,
      new RegExp(
        `-\\s+image: "${e.registry.replace(/\./g, '\\.')}/matrixdotorg/synapse:v${FROM.replace(/\./g, '\\.')}"\\n.*\\+\\s+image: "${e.registry.replace(/\./g, '\\.')}/matrixdotorg/synapse:v${TO.replace(/\./g, '\\.')}"`,
        's',
      ),
    );
    assert.equal(await readFile(file, 'utf8'), original.replace(`:v${FROM}"`, `:v${TO}"`));
    await waitVersion(port, TO);
  },
);

test(
  "real engine: a custom image built FROM Synapse's (compose build:) is not pulled over: the rebuild path is shown, nothing changes",
  { timeout: 20 * 60_000 },
  async (t) => {
    const e = ready(t);
    if (!e || !ns) return;
    const project = join(root, 'custom');
    const data = join(project, 'data');
    await dataFolder(e, data);
    await mkdir(join(project, 'image'));
    await writeFile(join(project, 'image', 'Dockerfile'), `FROM ${e.registry}/${REPO}:v${FROM}\nLABEL org.example.modules="s3-storage-provider"\n`);
    const port = await freePort();
    const file = join(project, 'docker-compose.yml');
    const text = `services:\n  synapse:\n    build: ./image\n    image: synapse-upgrade-docker-test/custom:${process.pid}\n    volumes:\n      - ${data}:/data\n    ports:\n      - "127.0.0.1:${port}:8008"\n    labels:\n      synapse-upgrade-test: "${root}"\n`;
    await writeFile(file, text);
    const { execa } = await import('execa');
    t.after(() =>
      execa('docker-compose', ['-p', `sucustom${process.pid}`, '-f', file, 'down'], {
        env: e.env,
        extendEnv: false,
        reject: false,
        cwd: project,
        stdin: 'ignore',
      }),
    );
    const up = await execa('docker-compose', ['-p', `sucustom${process.pid}`, '-f', file, 'up', '-d', '--build'], {
      env: e.env,
      extendEnv: false,
      reject: false,
      cwd: project,
      all: true,
      stdin: 'ignore',
    });
    assert.equal(up.exitCode, 0, String(up.all));
    await waitVersion(port, FROM);
    const r = await runWizard(['--yes', '--target', TO], wizardEnv(e, 'custom'), { ns, timeoutMs: 10 * 60_000 });
    const out = r.stdout + r.stderr;
    assert.equal(r.exitCode, 4, out);
    assert.match(out, /an image built on Synapse's own/);
    assert.match(
      out,
      new RegExp(
        `Dockerfile, line 1, change\\n\\s+FROM ${e.registry.replace(/\./g, '\\.')}/matrixdotorg/synapse:v${FROM.replace(/\./g, '\\.')}\\n\\s+to\\n\\s+FROM ${e.registry.replace(/\./g, '\\.')}/matrixdotorg/synapse:v${TO.replace(/\./g, '\\.')}`,
      ),
    );
    assert.match(out, /docker-compose -p sucustom\d+ -f \S+ build --pull synapse/);
    assert.equal(await serverVersion(port), FROM);
    assert.equal(await readFile(file, 'utf8'), text);
  },
);

test(
  'real engine: the wizard killed with SIGKILL between `docker rename` and `docker run`, then after `docker run` before verify: resume --yes finishes each upgrade',
  { timeout: 30 * 60_000 },
  async (t) => {
    const e = ready(t);
    if (!e || !ns) return;
    const name = `su-hs-kill-${process.pid}`;
    const kept = `${name}-synapse-${FROM}`;
    removeAfter(t, e, [name, kept]);
    const data = join(root, name);
    await dataFolder(e, data);
    const port = await freePort();
    await startOld(e, name, data, port);
    const env = wizardEnv(e, name);
    const killedAt = async (point: string): Promise<void> => {
      const killed = await runWizard(['--yes'], { ...env, SYNAPSE_UPGRADE_TEST_KILL_AT: point }, { ns, timeoutMs: 15 * 60_000 });
      assert.notEqual(killed.exitCode, 0, killed.stdout + killed.stderr);
      const left = await journalOf(env.SYNAPSE_UPGRADE_STATE_DIR!);
      assert.equal(left.outcome, undefined, `a killed wizard records no ending: ${killed.stdout}${killed.stderr}`);
      assert.equal(left.steps.find((s) => s.id === 'restart')?.status, 'running');
    };
    const resume = async (): Promise<void> => {
      const r = await runWizard(['resume', '--yes'], env, { ns, timeoutMs: 15 * 60_000 });
      const out = r.stdout + r.stderr;
      assert.equal(r.exitCode, 0, out);
      assert.equal(await serverVersion(port), TO);
      const now = await inspect(e, name);
      assert.equal(now?.Config.Image, `${e.registry}/${REPO}:v${TO}`);
      assert.ok(now?.State.Running);
      assert.deepEqual(now.HostConfig.PortBindings['8008/tcp'], [{ HostIp: '127.0.0.1', HostPort: String(port) }]);
      assert.equal(now.Config.Labels['admin.note'], 'keep');
      assert.ok(now.Mounts.some((m: { Source: string; Destination: string }) => m.Source === data && m.Destination === '/data'));
      const old = await inspect(e, kept);
      assert.equal(old?.Config.Image, `${e.registry}/${REPO}:v${FROM}`);
      assert.equal(old?.State.Running, false);
      const done = await journalOf(env.SYNAPSE_UPGRADE_STATE_DIR!);
      assert.equal(done.outcome, 'upgraded');
      assert.deepEqual(
        stepList(done).filter((s) => !s.endsWith(':done') && !s.endsWith(':skipped')),
        [],
        `every step ended: ${stepList(done).join(' ')}`,
      );
    };

    // 1. Killed as `docker rename` was launched: once it is through, the admin's name has no container.
    await killedAt('restart:spawned:docker rename');
    await waitFor(async () => (await inspect(e, kept)) !== undefined && (await inspect(e, name)) === undefined, 60_000, `${name} set aside as ${kept}`, 200);
    assert.equal((await inspect(e, kept))?.State.Running, false);
    // Without the journal (another state folder), detection still names the admin's container and says what happened
    // (--config: other runs' containers on this machine's engine are not this homeserver).
    const fresh = await runWizard(['detect', '--config', join(data, 'homeserver.yaml')], wizardEnv(e, `${name}-nojournal`), { ns, timeoutMs: 5 * 60_000 });
    const freshOut = fresh.stdout + fresh.stderr;
    assert.equal(fresh.exitCode, 0, freshOut);
    assert.match(freshOut, new RegExp(`no container is named ${name}: an upgrade stopped after setting it aside, stopped, as ${kept}`));
    assert.match(freshOut, new RegExp(`^Method: +docker, medium confidence \\(container ${name}\\)$`, 'm'));
    assert.match(freshOut, new RegExp(`^Installed: ${FROM.replace(/\\./g, '\\.')}`, 'm'));
    assert.equal(await inspect(e, name), undefined, 'detect changed nothing');
    await resume();
    // 1.47.0 schedules a background update (remove_deleted_devices_from_device_inbox) that 1.46.0 does not know: let it
    // finish before going back, as an admin would, or the next upgrade from 1.46.0 is refused over it.
    await waitFor(async () => (await pendingUpdates(data)) === 0, 300_000, "1.47.0's background updates", 500);

    // Back to the old version (the kept container), then 2. killed as `docker run` was launched.
    const back = await runWizard(['rollback', '--yes'], env, { ns, timeoutMs: 10 * 60_000 });
    assert.equal(back.exitCode, 0, back.stdout + back.stderr);
    assert.equal(await serverVersion(port), FROM);
    // The rollback left the 1.47.0 container as NAME-failed-<time>: the resume below must not take it for the homeserver.
    await killedAt('restart:spawned:docker run');
    await resume();
  },
);
