import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { execa } from 'execa';
import { buildWheelhouse, freePort } from '../../src/demo/standin.js';
import { BIN, runCli, wizardEnv } from '../helpers/cli.js';
import { dataDir, dockerStandin, registryStub, type DockerStandin } from '../helpers/docker-standin.js';
import { needPrivateRoot } from '../helpers/private-root.js';
import { needTools, which } from '../helpers/tools.js';
import { tempDir } from '../helpers/temp-dir.js';

const stops: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const stop of stops) await stop().catch(() => {});
});

const TAGS = ['develop', 'latest', 'sha-5b3c2a1', 'v1.46.0', 'v1.47.0', 'v1.48.0', 'v1.49.0rc1', 'v1.49.0'];

async function setup() {
  const root = await tempDir('su-docker-');
  const wheels = await buildWheelhouse();
  const docker = await dockerStandin(root, wheels);
  const registry = await registryStub(TAGS);
  stops.push(() => registry.close());
  const port = await freePort();
  const env = {
    ...wizardEnv(wheels, join(root, 'state')),
    ...docker.env,
    PATH: `${docker.bin}:${process.env.PATH}`,
    SYNAPSE_UPGRADE_REGISTRY_MIRROR: registry.url,
  };
  return { root, docker, registry, port, env };
}

const serverVersion = async (port: number): Promise<string> => {
  const res = await fetch(`http://127.0.0.1:${port}/_synapse/admin/v1/server_version`, { signal: AbortSignal.timeout(3000) });
  return ((await res.json()) as { server_version: string }).server_version;
};

const stopAll = (docker: DockerStandin, names: string[]) => async () => {
  for (const name of names) await docker.docker(['rm', '-f', name]);
};

test('stand-in docker: a plain container is pulled to the target tag and recreated with the same settings; the old one kept', async () => {
  const { root, docker, registry, port, env } = await setup();
  const data = join(root, 'data');
  await dataDir(data, port);
  const run = await docker.docker(['run', '-d', '--name', 'synapse', '-e', 'SYNAPSE_REPORT_STATS=no', '-v', `${data}:/data`, '-p', `127.0.0.1:${port}:${port}`, '--restart', 'unless-stopped', '--label', 'admin.note=keep', 'matrixdotorg/synapse:v1.46.0']);
  assert.equal(run.exitCode, 0, run.stderr);
  stops.push(stopAll(docker, ['synapse', 'synapse-synapse-1.46.0']));
  assert.equal(await serverVersion(port), '1.46.0');

  const detect = await runCli(['detect', '--json', '--method', 'docker'], env);
  assert.equal(detect.exitCode, 0, detect.stderr);
  const report = JSON.parse(detect.stdout);
  assert.equal(report.method, 'docker');
  assert.equal(report.confidence, 'high');
  assert.equal(report.container, 'synapse');
  assert.equal(report.image, 'matrixdotorg/synapse:v1.46.0');
  assert.equal(report.installedVersion, '1.46.0');
  assert.equal(report.restart, 'docker');
  assert.deepEqual(report.configPaths, [join(data, 'homeserver.yaml')]);
  assert.equal(report.url, `http://127.0.0.1:${port}`);
  assert.ok(report.evidence.some((e: string) => e === 'synapse.__version__ inside the container is 1.46.0'), report.evidence.join('\n'));

  const upgrade = await runCli(['--method', 'docker', '--target', '1.47.0', '--yes'], env);
  assert.equal(upgrade.exitCode, 0, upgrade.stdout + upgrade.stderr);
  assert.equal(await serverVersion(port), '1.47.0');
  assert.match(upgrade.stdout, /The previous container is kept, stopped, as synapse-synapse-1\.46\.0/);
  // The new image checked the config before the switch, in a throw-away container with the same mounts.
  assert.match(upgrade.stdout, /\[ok\] config-check: 1\.47\.0 accepts the config \(Config parses OK!\)/);
  const calls = (await docker.calls()).map((c) => c.join(' '));
  assert.ok(calls.includes('pull matrixdotorg/synapse:v1.47.0'), calls.join('\n'));
  const stop = calls.indexOf('stop synapse');
  assert.ok(stop > calls.indexOf('pull matrixdotorg/synapse:v1.47.0'));
  assert.equal(calls[stop + 1], 'rename synapse synapse-synapse-1.46.0');
  assert.equal(calls[stop + 2], `run -d --name synapse -e SYNAPSE_REPORT_STATS=no -v ${data}:/data -p 127.0.0.1:${port}:${port} --restart unless-stopped --label admin.note=keep matrixdotorg/synapse:v1.47.0`);
  // The registry was asked the way Docker Hub is (challenge, token, paged tags).
  assert.ok(registry.requests.some((r) => r.startsWith('GET /token')));
  assert.ok(registry.requests.filter((r) => r.includes('tags/list') && r.endsWith('(authorized)')).length >= 3, registry.requests.join('\n'));
  const kept = JSON.parse((await docker.docker(['container', 'inspect', 'synapse-synapse-1.46.0'])).stdout)[0];
  assert.equal(kept.Config.Image, 'matrixdotorg/synapse:v1.46.0');
  assert.equal(kept.State.Running, false);

  // The rollback swaps the kept container back in (no pull, its settings untouched).
  const back = await runCli(['rollback', '--method', 'docker', '--yes'], env);
  assert.equal(back.exitCode, 0, back.stdout + back.stderr);
  assert.equal(await serverVersion(port), '1.46.0');
  const restored = JSON.parse((await docker.docker(['container', 'inspect', 'synapse'])).stdout)[0];
  assert.equal(restored.Config.Image, 'matrixdotorg/synapse:v1.46.0');
  assert.ok((await docker.calls()).some((c) => c.join(' ') === 'rename synapse-synapse-1.46.0 synapse'));
});

test('stand-in docker compose: the pinned tag changes only after the diff is shown and a copy kept; the service is recreated', async () => {
  const { root, docker, port, env } = await setup();
  const project = join(root, 'project');
  const data = join(project, 'data');
  await dataDir(data, port);
  const compose = join(project, 'docker-compose.yml');
  const original = `# Synapse, as the admin wrote it\nservices:\n  synapse:\n    image: "matrixdotorg/synapse:v1.46.0"\n    restart: unless-stopped\n    environment:\n      - SYNAPSE_REPORT_STATS=no\n    volumes:\n      - ${data}:/data\n    ports:\n      - "127.0.0.1:${port}:${port}"\n`;
  await writeFile(compose, original);
  const up = await execa(join(docker.bin, 'docker'), ['compose', '-p', 'chat', '-f', compose, 'up', '-d', 'synapse'], { env: { ...process.env, ...docker.env }, reject: false, all: true });
  assert.equal(up.exitCode, 0, up.all);
  stops.push(stopAll(docker, ['chat-synapse-1']));
  assert.equal(await serverVersion(port), '1.46.0');

  const detect = JSON.parse((await runCli(['detect', '--json', '--method', 'docker'], env)).stdout);
  assert.deepEqual(detect.compose, { project: 'chat', service: 'synapse', workingDir: project, files: [compose] });

  const upgrade = await runCli(['--method', 'docker', '--target', '1.47.0', '--yes'], env);
  assert.equal(upgrade.exitCode, 0, upgrade.stdout + upgrade.stderr);
  assert.match(upgrade.stdout, /-\s+image: "matrixdotorg\/synapse:v1\.46\.0"\n.*\+\s+image: "matrixdotorg\/synapse:v1\.47\.0"/s);
  const after = await readFile(compose, 'utf8');
  assert.equal(after, original.replace('v1.46.0', 'v1.47.0'));
  const [folder] = await readdir(join(root, 'state'));
  assert.equal(await readFile(join(root, 'state', folder as string, 'compose', 'docker-compose.yml.before-v1.47.0'), 'utf8'), original);
  const calls = (await docker.calls()).map((c) => c.join(' '));
  const copy = calls.findIndex((c) => c.startsWith('compose -p chat') && c.endsWith('pull synapse'));
  assert.ok(copy >= 0, calls.join('\n'));
  assert.ok(calls.includes(`compose -p chat -f ${compose} up -d --no-deps synapse`), calls.join('\n'));
  assert.equal(await serverVersion(port), '1.47.0');
  void dirname;
});

test('Docker daemon not reachable: a clear sentence naming the socket, exit 2, nothing changed (stand-in docker, and the real docker CLI when installed)', async (t) => {
  const { docker, env } = await setup();
  const down = { ...env, DOCKER_HOST: 'unix:///nonexistent/docker.sock' };
  const r = await runCli(['--method', 'docker', '--target', '1.47.0', '--yes'], down);
  assert.equal(r.exitCode, 2, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, /The Docker daemon is not reachable: Cannot connect to the Docker daemon at unix:\/\/\/nonexistent\/docker\.sock\. Is the docker daemon running\?/);
  assert.match(r.stdout + r.stderr, /Start Docker \(systemctl start docker\), or point DOCKER_HOST at the right socket/);
  assert.deepEqual((await docker.calls()).map((c) => c[0]), ['ps']);
  const real = which('docker', process.env.PATH);
  if (!real) {
    t.diagnostic('no real docker CLI on PATH: only the stand-in was tried');
    return;
  }
  const withReal = await execa(process.execPath, [BIN, 'detect', '--method', 'docker'], { env: { ...env, PATH: `${dirname(real)}:/usr/bin:/bin`, DOCKER_HOST: 'unix:///nonexistent/docker.sock' }, extendEnv: false, reject: false });
  assert.equal(withReal.exitCode, 2, withReal.stdout + withReal.stderr);
  assert.match(withReal.stderr, /The Docker daemon is not reachable: .*Cannot connect to the Docker daemon at unix:\/\/\/nonexistent\/docker\.sock/);
});

test('auto-detection finds the container in a private pid namespace (no other homeserver visible); --yes with no --method', async (t) => {
  if (!needTools(t, ['unshare'], { root: true }) || !(await needPrivateRoot(t))) return;
  const { root, docker, port, env } = await setup();
  const data = join(root, 'data');
  await dataDir(data, port);
  assert.equal((await docker.docker(['run', '-d', '--name', 'hs', '-v', `${data}:/data`, '-p', `${port}:${port}`, 'ghcr.io/element-hq/synapse:v1.46.0'])).exitCode, 0);
  stops.push(stopAll(docker, ['hs']));
  const r = await execa('unshare', ['-m', '-p', '-f', '--mount-proc', process.execPath, BIN, 'detect', '--json'], { env: { ...env, HOME: root }, extendEnv: false, reject: false });
  assert.equal(r.exitCode, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.method, 'docker');
  assert.equal(report.container, 'hs');
  assert.equal(report.imageRepo, 'ghcr.io/element-hq/synapse');
  assert.equal(report.ambiguous, false);
});
