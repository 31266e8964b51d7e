// ansible/upgrade.yml with real Ansible (ansible-core from Debian) over real SSH to hosts made on this machine:
// each host is a network namespace with its own address, its own pid and mount namespace (its /proc shows only its
// own processes, so the wizard there finds its homeserver as on a separate machine) and its own sshd on port 22.
// Each runs a stand-in homeserver (a pip venv, real pip, HTTP on the host's address) from its own folder; the stand-in
// is what can crash on demand after migrating. The playbook copies dist/synapse-upgrade.mjs (npm run build first) to
// each host and runs it there. Also: ansible-lint on the playbook.
import assert from 'node:assert/strict';
import { copyFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { createStandinInstall, type StandinInstall } from '../../src/demo/standin.js';
import { buildWheelhouse } from '../../src/demo/wheelhouse.js';
import { createLan, missingForHosts, type Host, type Lan } from '../helpers/netns-hosts.js';
import { tempDir } from '../helpers/temp-dir.js';
import { writeWorkerConfig } from '../../src/demo/standin-workers.js';
import { missingTool, which } from '../helpers/tools.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const PLAYBOOK = join(REPO, 'ansible', 'upgrade.yml');
const lans: Lan[] = [];
after(async () => {
  for (const lan of lans) await lan.close().catch(() => {});
});
// A test that fails between creating hosts and after(): the namespaces still go when the process ends.
process.once('exit', () => {
  for (const lan of lans) void lan.close();
});

interface ReportRow {
  host: string;
  outcome: string;
  from: string | null;
  to: string | null;
  downtime_ms: number | null;
  rolled_back: boolean;
  notes_refused: string[];
}

function missing(t: TestContext): boolean {
  const tools = ['ansible-playbook', 'ansible-lint'].filter((tool) => !which(tool));
  return missingTool(t, missingForHosts() ?? (tools.length ? `needs ${tools.join(', ')} (apt-get install ansible-core ansible-lint)` : undefined));
}

interface Machine {
  host: Host;
  hs: StandinInstall;
  state: string;
}

/** A homeserver on `host`: a stand-in venv at `version` in the host's folder, started there (its pid 1 adopts it). */
async function homeserver(host: Host, version: string, wheelhouse: string, extraConfig?: Record<string, unknown>): Promise<Machine> {
  const hs = await createStandinInstall({
    root: join(host.dir, 'synapse'),
    version,
    port: 8008,
    bindAddresses: [host.address],
    serverName: `${host.name}.test`,
    wheelhouse,
    ...(extraConfig ? { extraConfig } : {}),
  });
  const started = await host.run([hs.bin('synctl'), 'start', hs.configPath], { PIP_CONFIG_FILE: '/dev/null' });
  assert.equal(started.exitCode, 0, `synctl start on ${host.name}: ${started.stdout}${started.stderr}\n${await hs.readLog()}`);
  const deadline = Date.now() + 30_000;
  while (Number((await hs.query('SELECT count(*) FROM background_updates'))[0]?.[0]) > 0) {
    if (Date.now() > deadline) throw new Error(`${host.name}: the stand-in's background updates did not finish`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { host, hs, state: join(host.dir, 'state') };
}

/** `count` hosts on a new LAN, each with a homeserver at `version` (`extra(i)` adds config to host i). */
async function fleet(count: number, version: string, extra: (index: number) => Record<string, unknown> | undefined = () => undefined) {
  const dir = await tempDir('su-ansible-');
  const lan = await createLan(dir);
  lans.push(lan);
  const wheelhouse = await buildWheelhouse();
  const hosts: Host[] = [];
  for (let i = 1; i <= count; i++) hosts.push(await lan.addHost(`host${i}`));
  const machines = await Promise.all(hosts.map((host, i) => homeserver(host, version, wheelhouse, extra(i + 1))));
  return { dir, lan, machines, wheelhouse };
}

/** Writes the inventory and ansible.cfg, runs ansible-playbook; returns its exit code, output and the report. */
async function playbook(
  fleetOf: Awaited<ReturnType<typeof fleet>>,
  groups: { main: Machine[]; workers?: Machine[] },
  hostVars: (m: Machine) => Record<string, unknown>,
  vars: Record<string, unknown>,
) {
  const { dir, lan, wheelhouse } = fleetOf;
  const report = join(dir, 'report.json');
  const hostsOf = (ms: Machine[]) =>
    Object.fromEntries(ms.map((m) => [m.host.name, { ansible_host: m.host.address, synapse_upgrade_install_dir: join(m.host.dir, 'bin'), ...hostVars(m) }]));
  const inventory = {
    all: {
      vars: {
        ansible_user: 'root',
        ansible_ssh_private_key_file: lan.key,
        ansible_python_interpreter: '/usr/bin/python3',
        ansible_async_dir: join(dir, 'ansible', 'async'),
        synapse_upgrade_node: process.execPath,
        synapse_upgrade_report: report,
        // pip on the hosts sees only the stand-in's wheels.
        synapse_upgrade_environment: { PIP_CONFIG_FILE: '/dev/null', PIP_NO_INDEX: '1', PIP_FIND_LINKS: wheelhouse, PIP_DISABLE_PIP_VERSION_CHECK: '1' },
        ...vars,
      },
      children: { synapse_main: { hosts: hostsOf(groups.main) }, ...(groups.workers ? { synapse_workers: { hosts: hostsOf(groups.workers) } } : {}) },
    },
  };
  await writeFile(join(dir, 'inventory.yml'), stringify(inventory));
  const cfg = [
    '[defaults]',
    'host_key_checking = False',
    `local_tmp = ${join(dir, 'ansible', 'local')}`,
    `remote_tmp = ${join(dir, 'ansible', 'remote')}`,
    'forks = 5',
    'retry_files_enabled = False',
    `log_path = ${join(dir, 'ansible.log')}`,
    '[ssh_connection]',
    `control_path_dir = ${join(dir, 'ansible', 'cp')}`,
    'ssh_args = -o ControlMaster=auto -o ControlPersist=30s -o UserKnownHostsFile=/dev/null -o ServerAliveInterval=5',
    'pipelining = True',
  ];
  await writeFile(join(dir, 'ansible.cfg'), `${cfg.join('\n')}\n`);
  const run = await execa('ansible-playbook', ['-i', join(dir, 'inventory.yml'), PLAYBOOK], {
    cwd: dir,
    env: { ANSIBLE_CONFIG: join(dir, 'ansible.cfg'), ANSIBLE_HOME: join(dir, 'ansible', 'home'), ANSIBLE_NOCOLOR: '1', ANSIBLE_FORCE_COLOR: '0' },
    reject: false,
    all: true,
    timeout: 600_000,
  });
  const text = await readFile(report, 'utf8').catch(() => undefined);
  return { exitCode: run.exitCode ?? -1, output: String(run.all), report: text === undefined ? undefined : (JSON.parse(text) as ReportRow[]) };
}

/** What a host's homeserver answers now, from this machine over the LAN. */
const serving = (m: Machine) => m.hs.serverVersion();
/** The version pip has in the host's venv. */
async function installed(m: Machine): Promise<string> {
  const { stdout } = await execa(m.hs.bin('python'), ['-c', "from importlib.metadata import version; print(version('matrix-synapse'))"]);
  return stdout.trim();
}
/** The homeserver's pid on its host (from its pid file); unchanged means it was never restarted. */
const pidOn = async (m: Machine) => (await readFile(m.hs.pidFile, 'utf8')).trim();

/** The journal of the last upgrade session on a host (a dry run keeps none), from its state folder. */
async function journal(m: Machine): Promise<{ outcome: string; dryRun: boolean; startedAt: string; updatedAt: string } | undefined> {
  const folders = await readdir(m.state).catch(() => [] as string[]);
  const found = await Promise.all(folders.map((folder) => readFile(join(m.state, folder, 'journal.json'), 'utf8').catch(() => undefined)));
  const journals = found.filter((text) => text !== undefined).map((text) => JSON.parse(text));
  assert.ok(journals.length <= 1, `one homeserver on ${m.host.name}: ${folders.join(', ')}`);
  return journals[0];
}

test('ansible-lint passes on the playbook (production profile)', async (t) => {
  if (missing(t)) return;
  const lint = await execa('ansible-lint', ['--offline', '--nocolor', '--profile', 'production', 'ansible/'], { cwd: REPO, reject: false, all: true });
  assert.equal(lint.exitCode, 0, String(lint.all));
  assert.match(String(lint.all), /Passed with production profile: 0 failure\(s\), 0 warning\(s\) on \d+ files/);
});

/**
 * Three hosts shared by the two tests below, in order (making a stand-in venv is the slow part): all at 1.46.0;
 * host2's stand-in crashes after migrating when it runs 1.47.1 (`x_standin.crash_after_migration`).
 */
let shared: ReturnType<typeof fleet> | undefined;
const threeHosts = () => (shared ??= fleet(3, '1.46.0', (i) => (i === 2 ? { x_standin: { crash_after_migration: ['1.47.1'] } } : undefined)));

test('rolling upgrade of three homeservers over SSH: each verified in turn, the report says so', async (t) => {
  if (missing(t)) return;
  const f = await threeHosts();
  const [one, two, three] = f.machines as [Machine, Machine, Machine];
  // host1 names its config and venv; host2 and host3 leave them to the wizard's detection (one homeserver per host).
  const run = await playbook(
    f,
    { main: f.machines },
    (m) => ({ synapse_upgrade_state_dir: m.state, ...(m === one ? { synapse_upgrade_config: m.hs.configPath, synapse_upgrade_venv: m.hs.venv } : {}) }),
    { synapse_upgrade_target: '1.47.0' },
  );
  assert.equal(run.exitCode, 0, run.output);
  for (const m of [one, two, three]) {
    assert.equal(await serving(m), '1.47.0', `${m.host.name} serves the new version`);
    assert.equal(await installed(m), '1.47.0');
  }
  assert.deepEqual(
    run.report?.map((r) => ({ ...r, downtime_ms: typeof r.downtime_ms })),
    ['host1', 'host2', 'host3'].map((host) => ({
      host,
      outcome: 'upgraded',
      from: '1.46.0',
      to: '1.47.0',
      downtime_ms: 'number',
      rolled_back: false,
      notes_refused: [],
    })),
  );
  // One at a time: each host's upgrade ended before the next one's began (their journals' times).
  const journals = await Promise.all([one, two, three].map(journal));
  assert.deepEqual(
    journals.map((j) => [j?.outcome, j?.dryRun]),
    [
      ['upgraded', false],
      ['upgraded', false],
      ['upgraded', false],
    ],
  );
  for (let i = 1; i < 3; i++) assert.ok(journals[i - 1]!.updatedAt <= journals[i]!.startedAt, `host${i} finished before host${i + 1} started`);
  // The plan (play 1) named the note of 1.47.0 on every host, then the summary table.
  assert.match(run.output, /host2: 1\.46\.0 -> 1\.47\.0, ready \(dry run: dry-run\)/);
  assert.match(run.output, /note v1-47-room-delete-admin-api-removed \(action, applies: unknown\)/);
  assert.match(run.output, /host1 +upgraded +1\.46\.0 +1\.47\.0 +\d+\.\d s +no/);
  assert.match(run.output, /host3 +upgraded +1\.46\.0 +1\.47\.0 +\d+\.\d s +no/);
});

test('the new version crashes on host 2 (stand-in): host 2 rolled back and serving, host 3 untouched, the playbook fails', async (t) => {
  if (missing(t)) return;
  const f = await threeHosts();
  const [one, two, three] = f.machines as [Machine, Machine, Machine];
  const pidBefore = await pidOn(three);
  const journalBefore = await journal(three);
  const run = await playbook(f, { main: f.machines }, (m) => ({ synapse_upgrade_state_dir: m.state }), { synapse_upgrade_target: '1.47.1' });
  assert.equal(run.exitCode, 2, run.output);
  assert.equal(await serving(one), '1.47.1');
  assert.equal(await serving(two), '1.47.0', 'host2 serves its old version again');
  assert.equal(await installed(two), '1.47.0');
  assert.equal(await serving(three), '1.47.0');
  assert.equal(await installed(three), '1.47.0');
  assert.equal(await pidOn(three), pidBefore, 'host3 was not restarted');
  assert.deepEqual(await journal(three), journalBefore, 'host3 saw only the dry run (no new upgrade session)');
  assert.deepEqual(
    run.report?.map((r) => [r.host, r.outcome, r.from, r.to, r.rolled_back]),
    [
      ['host1', 'upgraded', '1.47.0', '1.47.1', false],
      ['host2', 'failed', '1.47.0', '1.47.1', true],
      ['host3', 'untouched', '1.47.0', null, false],
    ],
  );
  assert.match(run.output, /host2 +failed +1\.47\.0 +1\.47\.1 +\S+(?: s)? +yes, back on 1\.47\.0/);
  assert.match(run.output, /host3 +untouched +1\.47\.0 +- +- +no/);
  assert.match(
    run.output,
    /host2: the upgrade did not succeed \(outcome: failed, rolled back by the wizard\)\. The rollout stops here: the hosts after it were not touched/,
  );
});

test('one main host and one worker host (stand-in workers): the workers follow the main, upgraded after it and verified', async (t) => {
  if (missing(t)) return;
  const f = await threeHosts();
  const main = f.machines[2]!; // host3: untouched by the tests above, at 1.47.0
  const from = await serving(main);
  // host4 holds only workers: its own venv at the main's version, a copy of the shared homeserver.yaml (same
  // database, as a network database would be), two workers listening on host4's address; no main process.
  const host = await f.lan.addHost('host4');
  const hs = await createStandinInstall({
    root: join(host.dir, 'synapse'),
    version: from,
    port: 8008,
    bindAddresses: [host.address],
    wheelhouse: f.wheelhouse,
  });
  await copyFile(main.hs.configPath, hs.configPath);
  const workersDir = join(host.dir, 'synapse', 'workers');
  for (const [name, port] of [
    ['client_reader', 8081],
    ['sync_worker', 8082],
  ] as const) {
    const file = await writeWorkerConfig(workersDir, name, port, join(host.dir, 'synapse'));
    await writeFile(file, (await readFile(file, 'utf8')).replace("bind_addresses: ['127.0.0.1']", `bind_addresses: ['${host.address}']`));
  }
  const started = await host.run([hs.bin('synctl'), 'start', hs.configPath, '-a', workersDir]);
  assert.equal(started.exitCode, 0, started.stdout + started.stderr);
  const workerVersions = () =>
    Promise.all(
      [8081, 8082].map(async (port) => {
        const res = await fetch(`http://${host.address}:${port}/_matrix/client/versions`, { signal: AbortSignal.timeout(5000) });
        await res.body?.cancel();
        return String(res.headers.get('server')).replace(/^Synapse\//, '');
      }),
    );
  assert.deepEqual(await workerVersions(), [from, from]);
  const workers: Machine = { host, hs, state: join(host.dir, 'state') };

  const run = await playbook(
    f,
    { main: [main], workers: [workers] },
    (m) => ({ synapse_upgrade_state_dir: m.state, ...(m === workers ? { synapse_upgrade_main_url: main.hs.url, synapse_upgrade_config: hs.configPath } : {}) }),
    { synapse_upgrade_target: '1.47.1' },
  );
  assert.equal(run.exitCode, 0, run.output);
  assert.equal(await serving(main), '1.47.1');
  assert.deepEqual(await workerVersions(), ['1.47.1', '1.47.1']);
  assert.equal(await installed(workers), '1.47.1');
  assert.deepEqual(
    run.report?.map((r) => [r.host, r.outcome, r.from, r.to, r.rolled_back]),
    [
      ['host3', 'upgraded', from, '1.47.1', false],
      ['host4', 'upgraded', from, '1.47.1', false],
    ],
  );
  // Never ahead of the main: the worker host's upgrade began after the main's had ended (their journals' times).
  const [mainJournal, workersJournal] = await Promise.all([journal(main), journal(workers)]);
  assert.equal(workersJournal?.outcome, 'upgraded');
  assert.ok(mainJournal!.updatedAt <= workersJournal!.startedAt, `main ${mainJournal!.updatedAt}, workers ${workersJournal!.startedAt}`);
});

test('a host the dry run refuses (a breaking note for its config): play 1 stops, no host changed, the report names the note', async (t) => {
  if (missing(t)) return;
  const f = await threeHosts();
  const [one, two] = f.machines as [Machine, Machine];
  // 1.48.0 stops at startup on a top-level trust_identity_server_for_password_resets: only host2's config has it.
  await two.hs.writeConfig({ extraConfig: { trust_identity_server_for_password_resets: true } });
  const before = await Promise.all([one, two].map(async (m) => [await pidOn(m), await serving(m), await installed(m), await journal(m)]));
  const run = await playbook(f, { main: [one, two] }, (m) => ({ synapse_upgrade_state_dir: m.state }), { synapse_upgrade_target: '1.48.0' });
  assert.notEqual(run.exitCode, 0, run.output);
  assert.match(run.output, /The dry run refused on host2 \(see the plan above\); nothing was changed on any host/);
  assert.doesNotMatch(run.output, /The dry run refused on host1/);
  const after = await Promise.all([one, two].map(async (m) => [await pidOn(m), await serving(m), await installed(m), await journal(m)]));
  assert.deepEqual(after, before, 'neither host was restarted, upgraded or given a new session');
  const row = run.report?.find((r) => r.host === 'host2');
  assert.deepEqual(row?.notes_refused, ['v1-48-top-level-trust-identity-server-error'], JSON.stringify(run.report));
  assert.deepEqual(run.report?.find((r) => r.host === 'host1')?.notes_refused, []);
});
