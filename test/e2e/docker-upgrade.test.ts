import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { execa } from 'execa';
import { buildWheelhouse, freePort } from '../../src/demo/standin.js';
import { BIN, runCli, wizardEnv } from '../helpers/cli.js';
import { dataDir, dockerStandin, registryStub, type DockerStandin } from '../helpers/docker-standin.js';
import { which } from '../helpers/tools.js';
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

// A plain container, docker-compose 1.x, rollback, resume and detection with no flags run on a real engine
// (test/real/docker-engine.test.ts); the stand-in stays for `docker compose` v2, which these machines lack.
test('stand-in docker compose v2 (not on these machines): the pinned tag changes only after the diff is shown and a copy kept; the service is recreated', async () => {
  const { root, docker, port, env } = await setup();
  const project = join(root, 'project');
  const data = join(project, 'data');
  await dataDir(data, port);
  const compose = join(project, 'docker-compose.yml');
  const original = `# Synapse, as the admin wrote it\nservices:\n  synapse:\n    image: "matrixdotorg/synapse:v1.46.0"\n    restart: unless-stopped\n    environment:\n      - SYNAPSE_REPORT_STATS=no\n    volumes:\n      - ${data}:/data\n    ports:\n      - "127.0.0.1:${port}:${port}"\n`;
  await writeFile(compose, original);
  const up = await execa(join(docker.bin, 'docker'), ['compose', '-p', 'chat', '-f', compose, 'up', '-d', 'synapse'], {
    env: { ...process.env, ...docker.env },
    reject: false,
    all: true,
  });
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
  assert.match(
    r.stdout + r.stderr,
    /The Docker daemon is not reachable: Cannot connect to the Docker daemon at unix:\/\/\/nonexistent\/docker\.sock\. Is the docker daemon running\?/,
  );
  assert.match(r.stdout + r.stderr, /Start Docker \(systemctl start docker\), or point DOCKER_HOST at the right socket/);
  assert.deepEqual(
    (await docker.calls()).map((c) => c[0]),
    ['ps'],
  );
  const real = which('docker', process.env.PATH);
  if (!real) {
    t.diagnostic('no real docker CLI on PATH: only the stand-in was tried');
    return;
  }
  const withReal = await execa(process.execPath, [BIN, 'detect', '--method', 'docker'], {
    env: { ...env, PATH: `${dirname(real)}:/usr/bin:/bin`, DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    extendEnv: false,
    reject: false,
  });
  assert.equal(withReal.exitCode, 2, withReal.stdout + withReal.stderr);
  assert.match(withReal.stderr, /The Docker daemon is not reachable: .*Cannot connect to the Docker daemon at unix:\/\/\/nonexistent\/docker\.sock/);
});
