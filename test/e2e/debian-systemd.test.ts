// The Debian package on real systemd: Debian bookworm with systemd as PID 1 in a Podman container; packages of
// real Synapse from PyPI built with Debian's debhelper at compat 10 (so the postinst is debhelper's, restarting
// the service on upgrade); a local apt repository that, like packages.matrix.org, lists only the newest; the
// admin's worker set-up copied from Synapse's docs/systemd-with-workers. The single file (under another name) and
// this machine's node are mounted in; the wizard runs inside with no flags beyond --yes. One container serves
// every subtest in order. Image, wheels and packages are cached in $SYNAPSE_UPGRADE_TEST_CACHE.
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { containerEngineMissing } from '../helpers/container-image.js';
import { DEB_FIXTURES, debName, ensureSynapseDeb } from '../helpers/synapse-debs.js';
import { startSystemdContainer, type SystemdContainer } from '../helpers/systemd-container.js';
import { missingTool, which } from '../helpers/tools.js';

const BUNDLE = fileURLToPath(new URL('../../dist/synapse-upgrade.mjs', import.meta.url));
/** The single file under another name, as a versioned download would be. */
const WIZARD = '/usr/local/lib/synapse-upgrade/su-0.1.0.mjs';
const OLD = '1.46.0';
const NEW = '1.49.0';
const PORT = 8008;
const WORKER_PORT = 8083;
/** 1.48 made the top-level `trust_identity_server_for_password_resets` an error; 1.46 loads it (with a delegate). */
const REJECTED_BY_NEW = 'trust_identity_server_for_password_resets: true\naccount_threepid_delegates:\n  email: https://id.example.org\n';
const REJECTED_NOTE = 'v1-48-top-level-trust-identity-server-error';

/** The admin's worker set-up, as docs/systemd-with-workers says: units in /etc/systemd/system, one generic worker. */
const WORKER_SETUP = `
cp /fixtures/workers/matrix-synapse.service /fixtures/workers/matrix-synapse-worker@.service /fixtures/workers/matrix-synapse.target /etc/systemd/system/
python3 - <<'PY'
p = '/etc/matrix-synapse/homeserver.yaml'
s = open(p).read()
extra = '  - port: 9092\\n    bind_addresses: [127.0.0.1]\\n    type: replication\\n  - port: 9093\\n    bind_addresses: [127.0.0.1]\\n    type: http\\n    resources:\\n      - names: [replication]\\n'
open(p, 'w').write(s.replace('listeners:\\n', 'listeners:\\n' + extra, 1))
PY
mkdir -p /etc/matrix-synapse/workers
cat > /etc/matrix-synapse/workers/client1.yaml <<'YAML'
worker_app: synapse.app.generic_worker
worker_name: client1
worker_replication_host: 127.0.0.1
worker_replication_port: 9092
worker_replication_http_port: 9093
worker_log_config: /etc/matrix-synapse/log.yaml
worker_listeners:
  - type: http
    port: ${WORKER_PORT}
    bind_addresses: [127.0.0.1]
    resources:
      - names: [client]
YAML
systemctl daemon-reload
systemctl disable -q matrix-synapse.service
systemctl enable -q matrix-synapse.service matrix-synapse-worker@client1.service matrix-synapse.target
systemctl restart matrix-synapse.target
`;

test(
  'Debian package on real systemd (PID 1 in a Podman container), real debhelper packages of real Synapse, real apt: detection, a rejected config costs no downtime, upgrade with the postinst restart held and the TimeoutStartSec drop-in read by systemd, target + worker, rollback with the old package gone from the repository, resume after kill -9',
  { timeout: 45 * 60_000 },
  async (t) => {
    const missing = containerEngineMissing() ?? ['dpkg-buildpackage', 'dh', 'dpkg-scanpackages'].filter((x) => !which(x)).map((x) => `needs ${x}`)[0];
    if (missingTool(t, missing)) return;
    const work = await mkdtemp(join(tmpdir(), 'su-systemd-'));
    const repo = join(work, 'repo');
    await mkdir(repo);
    const debs: Record<string, string> = { [OLD]: await ensureSynapseDeb(OLD, PORT), [NEW]: await ensureSynapseDeb(NEW, PORT) };
    /** The repository lists exactly these versions (its folder stays: it is mounted into the container). */
    const publish = async (...versions: string[]) => {
      for (const name of await readdir(repo)) await rm(join(repo, name), { force: true });
      for (const v of versions) await copyFile(debs[v] as string, join(repo, debName(v)));
      const scan = await execa('dpkg-scanpackages', ['--multiversion', '.', '/dev/null'], { cwd: repo, stderr: 'ignore' });
      await writeFile(join(repo, 'Packages'), `${scan.stdout}\n`);
    };
    await publish(OLD);
    const c: SystemdContainer = await startSystemdContainer(`su-systemd-${process.pid}`, [
      { host: repo, path: '/srv/repo', readOnly: true },
      { host: process.execPath, path: '/usr/local/bin/node', readOnly: true },
      { host: BUNDLE, path: WIZARD, readOnly: true },
      { host: DEB_FIXTURES, path: '/fixtures', readOnly: true },
    ]);
    t.after(async () => {
      await c.remove();
      await rm(work, { recursive: true, force: true });
    });
    const wizard = (args: string[]) => c.exec(['node', WIZARD, ...args], { env: { LANG: 'C.UTF-8' }, timeout: 15 * 60_000 });
    const versionAt = (port: number) =>
      c.sh(
        `python3 -c "import urllib.request as u; r = u.urlopen('http://127.0.0.1:${port}/_matrix/client/versions', timeout=5); print(r.headers['Server'].split('/')[1])"`,
      );
    const pkgVersion = () => c.sh("dpkg-query -W -f='${Version}' matrix-synapse-py3");
    const show = async (unit: string, prop: string) => c.sh(`systemctl show -p ${prop} --value ${unit}`);
    const mainStart = async () => ({
      pid: await show('matrix-synapse.service', 'MainPID'),
      since: await show('matrix-synapse.service', 'ActiveEnterTimestampMonotonic'),
    });
    const stateDir = '/root/.local/state/synapse-upgrade';
    const latestJournal = async () => {
      const folder = await c.sh(`ls -t ${stateDir} | grep -v '^\\.' | head -1`);
      return JSON.parse(await c.sh(`cat ${stateDir}/${folder}/journal.json`));
    };
    /** Samples, every 0.2 s until `stop` exists: main PID, active-since, package version, whether a policy-rc.d is in place. */
    const startSampler = (file: string) =>
      c.spawn([
        'bash',
        '-c',
        `rm -f ${file}.stop; while [ ! -e ${file}.stop ]; do echo "$(systemctl show -p MainPID --value matrix-synapse.service) $(systemctl show -p ActiveEnterTimestampMonotonic --value matrix-synapse.service) $(dpkg-query -W -f='\${Version}' matrix-synapse-py3) $(test -e /usr/sbin/policy-rc.d && echo held || echo free)" >> ${file}; sleep 0.2; done`,
      ]);
    const stopSampler = async (file: string, child: ReturnType<typeof startSampler>) => {
      await c.sh(`touch ${file}.stop`);
      await child;
      return (await c.sh(`cat ${file}`))
        .split('\n')
        .map((l) => l.split(' '))
        .map(([pid, since, version, hold]) => ({ pid, since, version, hold }));
    };

    await t.test(`installed from the repository (${OLD} only) with real apt and started by real systemd; the worker set-up of Synapse's docs`, async () => {
      await c.sh(
        `rm -f /etc/apt/sources.list.d/*\necho 'deb [trusted=yes] copy:/srv/repo ./' > /etc/apt/sources.list\napt-get -q update >/dev/null\nDEBIAN_FRONTEND=noninteractive apt-get install -y -q matrix-synapse-py3 >/dev/null`,
        15 * 60_000,
      );
      assert.equal(await show('matrix-synapse.service', 'ActiveState'), 'active');
      assert.equal(await versionAt(PORT), OLD);
      await c.sh(WORKER_SETUP, 10 * 60_000);
      assert.equal(await show('matrix-synapse-worker@client1.service', 'ActiveState'), 'active');
      assert.equal(await versionAt(WORKER_PORT), OLD);
      // A new homeserver runs background updates for a while; the wizard (rightly) refuses to upgrade over them, so
      // the admin waits, as its message says.
      const deadline = Date.now() + 10 * 60_000;
      const pending = () =>
        c.sh(
          `python3 -c "import sqlite3; print(sqlite3.connect('file:/var/lib/matrix-synapse/homeserver.db?mode=ro', uri=True).execute('SELECT count(*) FROM background_updates').fetchone()[0])"`,
        );
      while ((await pending()) !== '0' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1000));
      assert.equal(await pending(), '0', 'background updates finished');
      // apt kept the downloaded .deb (copy: as from a remote repository); then the repository moves on to NEW alone.
      assert.match(await c.sh('ls /var/cache/apt/archives'), new RegExp(debName(OLD).replace(/[.+]/g, '\\$&')));
      await publish(NEW);
      await c.sh('apt-get -q update >/dev/null');
      assert.doesNotMatch(await c.sh('apt-cache madison matrix-synapse-py3'), new RegExp(OLD.replace(/\./g, '\\.')));
    });

    await t.test('detect with no flags: the Debian package, systemd target with the worker, the 90 s start timeout', async () => {
      const r = await wizard(['detect', '--json']);
      assert.equal(r.exitCode, 0, r.stdout + r.stderr);
      const report = JSON.parse(r.stdout);
      assert.equal(report.method, 'debian');
      assert.equal(report.confidence, 'high');
      assert.equal(report.installedVersion, OLD);
      assert.equal(report.packageVersion, `${OLD}+bookworm1`);
      assert.deepEqual(report.configPaths, ['/etc/matrix-synapse/homeserver.yaml', '/etc/matrix-synapse/conf.d']);
      assert.equal(report.database, 'sqlite3');
      assert.ok(
        report.evidence.some((e: string) => e.includes(`dpkg: matrix-synapse-py3 ${OLD}+bookworm1 is installed`)),
        report.evidence.join('\n'),
      );
      assert.equal(report.runningVersion, OLD);
      assert.equal(report.restart, 'systemd');
      assert.equal(report.restartDetails.unit, 'matrix-synapse.target');
      assert.equal(report.restartDetails.timeoutStartSec, 90);
      assert.deepEqual(
        report.workers.map((w: { name: string; url: string }) => [w.name, w.url]),
        [['client1', `http://127.0.0.1:${WORKER_PORT}`]],
      );
      assert.equal(await show('matrix-synapse.service', 'TimeoutStartUSec'), '1min 30s');
    });

    await t.test(
      `a config ${NEW} rejects (its note accepted but not acted on): the config check stops the upgrade before any restart; Synapse keeps running ${OLD} in the same process`,
      async () => {
        await c.sh(`cat > /etc/matrix-synapse/conf.d/password-resets.yaml <<'YAML'\n${REJECTED_BY_NEW}YAML`);
        const before = await mainStart();
        const workerBefore = await show('matrix-synapse-worker@client1.service', 'MainPID');
        const r = await wizard(['--yes', '--accept-notes', REJECTED_NOTE]);
        assert.notEqual(r.exitCode, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /trust_identity_server_for_password_resets/);
        assert.deepEqual(await mainStart(), before, 'the main process was never restarted');
        assert.match(r.stdout, /rejects the config/, r.stdout + r.stderr);
        // The TimeoutStartSec drop-in was put in place before apt, and systemd read it (daemon-reload), restart or not.
        assert.match(
          r.stdout,
          /migrates the database schema \(v65 → v66\) while Synapse starts\. matrix-synapse\.service allows 90 s to start and has Restart=always/,
        );
        assert.equal(await show('matrix-synapse.service', 'TimeoutStartUSec'), '1h');
        assert.equal(await show('matrix-synapse.service', 'DropInPaths'), '/etc/systemd/system/matrix-synapse.service.d/synapse-upgrade-timeout.conf');
        const transcript = await c.sh(`cat ${(await latestJournal()).transcript}`);
        const order = ['"systemctl","daemon-reload"', '"apt-get","install"', '"-m","synapse.config"'].map((k) => transcript.indexOf(k));
        assert.ok(
          order.every((at, i) => at > 0 && (i === 0 || at > (order[i - 1] as number))),
          `drop-in reloaded, then apt, then the config check: ${order}`,
        );
        assert.doesNotMatch(transcript, /"systemctl","restart"/);
        assert.equal(await show('matrix-synapse-worker@client1.service', 'MainPID'), workerBefore);
        assert.equal(await versionAt(PORT), OLD);
        assert.equal(await c.sh('test -e /usr/sbin/policy-rc.d && echo held || echo free'), 'free');
        // With --yes the old package went back in (under the hold too): what is installed is what runs.
        assert.equal(await pkgVersion(), `${OLD}+bookworm1`);
        assert.match(r.stdout, /still running and serving|downtime 0 s/);
        await c.sh('rm /etc/matrix-synapse/conf.d/password-resets.yaml');
      },
    );

    await t.test(
      `upgrade ${OLD} → ${NEW}: the drop-in read by systemd before apt, the postinst's restart held (the process keeps running through apt), one restart of the target after the config check, worker verified`,
      async () => {
        const before = await mainStart();
        const sampler = startSampler('/run/samples-upgrade');
        const r = await wizard(['--yes']);
        const samples = await stopSampler('/run/samples-upgrade', sampler);
        assert.equal(r.exitCode, 0, r.stdout + r.stderr);
        assert.equal(await pkgVersion(), `${NEW}+bookworm1`);
        assert.equal(await versionAt(PORT), NEW);
        assert.equal(await versionAt(WORKER_PORT), NEW);
        // The drop-in went in during the refused run (before its apt) and is read back now: no question again.
        assert.doesNotMatch(r.stdout, /allows 90 s to start/);
        assert.equal(await show('matrix-synapse.service', 'TimeoutStartUSec'), '1h');
        // While the hold was in place the package changed under the same running process: apt did not restart it.
        const held = samples.filter((s) => s.hold === 'held');
        assert.ok(
          held.some((s) => s.version === `${NEW}+bookworm1`),
          `apt installed ${NEW} while held: ${JSON.stringify(samples)}`,
        );
        assert.ok(
          held.every((s) => s.pid === before.pid && s.since === before.since),
          `same process all through apt: ${JSON.stringify(held)}`,
        );
        // Then exactly one new process: old pid, (restarting), new pid; never a second restart.
        const pids = [...new Set(samples.map((s) => s.pid).filter((p) => p && p !== '0'))];
        assert.deepEqual(pids.length, 2, `one restart: ${pids}`);
        assert.equal(await c.sh('test -e /usr/sbin/policy-rc.d && echo held || echo free'), 'free');
        const journal = await latestJournal();
        const transcript = await c.sh(`cat ${journal.transcript}`);
        assert.match(transcript, /policy-rc\.d returned 101, not running 'restart matrix-synapse\.service'/);
        assert.match(transcript, /"systemctl","restart","matrix-synapse\.target"/);
      },
    );

    await t.test(
      `rollback: ${OLD} is no longer in the repository; the .deb kept from apt's cache goes back in, the backup is restored (the worker needs its own schema), the target restarts, main and worker answer ${OLD}`,
      async () => {
        assert.doesNotMatch(await c.sh('apt-cache madison matrix-synapse-py3'), new RegExp(OLD.replace(/\./g, '\\.')));
        const r = await wizard(['rollback', '--yes']);
        assert.equal(r.exitCode, 0, r.stdout + r.stderr);
        // 1.46's main process could use schema 66, but its worker refuses it: the backup goes back in.
        assert.match(r.stdout, /its workers start only on schema 65/);
        assert.equal(await pkgVersion(), `${OLD}+bookworm1`);
        assert.equal(await versionAt(PORT), OLD);
        assert.equal(await versionAt(WORKER_PORT), OLD);
        assert.equal(await c.sh('test -e /usr/sbin/policy-rc.d && echo held || echo free'), 'free');
      },
    );

    /** The gate apt passes before running dpkg and after it: real apt hooks that only slow it (a long dpkg run, on demand). */
    const GATE = '/run/apt-gate';
    const GATE_CONF = '/etc/apt/apt.conf.d/99synapse-upgrade-test-gate';
    /**
     * Waits inside (no podman exec per poll) until `condition` holds while the wizard run `node WIZARD <args>` is
     * alive, then does `then` (`$pids` are the run's; `kill -9 $pids` kills it). Fails at once if the run ends first.
     */
    const whileWizard = (args: string, condition: string, then: string) =>
      c.sh(
        `wizard() {
  pids=''
  for d in /proc/[0-9]*; do
    cmd=$(tr '\\0' ' ' < $d/cmdline 2>/dev/null) || continue
    case "$cmd" in "node ${WIZARD} ${args} "*) pids="$pids \${d#/proc/}";; esac
  done
}
for i in $(seq 1 600); do wizard; [ -n "$pids" ] && break; sleep 0.1; done
for i in $(seq 1 6000); do
  wizard
  if [ -z "$pids" ]; then echo 'the run ended before the condition held' >&2; exit 1; fi
  if ${condition}; then ${then}; exit 0; fi
  sleep 0.1
done
echo 'the condition never held' >&2; exit 1`,
        11 * 60_000,
      );
    /** `run` ended or was killed: its output, for an assertion that fails. */
    const outputOf = async (run: ReturnType<typeof c.spawn>) => {
      const r = await run;
      return `exit ${r.exitCode}\n${String(r.stdout)}\n${String(r.stderr)}`;
    };
    const aptRuns = async () => (await c.sh('grep -qsx apt-get /proc/[0-9]*/comm && echo busy || echo idle')) === 'busy';
    const holdNow = () => c.sh('test -e /usr/sbin/policy-rc.d && echo held || echo free');

    await t.test(
      `killed (-9) during apt, twice: the resume follows the killed run's own apt-get (its lock is no stranger's); killed again once dpkg is done, before the restart; a stranger's apt lock refuses and keeps the session resumable; the last resume lifts the hold, restarts once through systemd, ${NEW} answers, the journal ends complete`,
      async () => {
        const before = await mainStart();
        const workerBefore = await show('matrix-synapse-worker@client1.service', 'MainPID');
        await c.sh(
          `mkdir -p ${GATE} && rm -f ${GATE}/* && touch ${GATE}/pre ${GATE}/post\ncat > ${GATE_CONF} <<'CONF'\n` +
            `DPkg::Pre-Invoke {"touch ${GATE}/pre-reached; while [ -e ${GATE}/pre ]; do sleep 0.1; done";};\n` +
            `DPkg::Post-Invoke {"touch ${GATE}/post-reached; while [ -e ${GATE}/post ]; do sleep 0.1; done";};\nCONF`,
        );
        t.after(() => c.sh(`rm -rf ${GATE} ${GATE_CONF}`).catch(() => {}));

        // The transcript of the homeserver's sessions (one file, appended): what this subtest adds starts after `mark`.
        const transcript = (await latestJournal()).transcript as string;
        const mark = Number(await c.sh(`wc -l < ${transcript}`));
        // 1. The wizard is killed while its apt-get waits to run dpkg, the restart held.
        const run = c.spawn(['node', WIZARD, '--yes'], { LANG: 'C.UTF-8' });
        await whileWizard('--yes', `[ -e ${GATE}/pre-reached ]`, 'kill -9 $pids').catch(async (e) => assert.fail(`${e}\n${await outputOf(run)}`));
        assert.notEqual((await run).exitCode, 0);
        assert.equal(await holdNow(), 'held');
        assert.ok(await aptRuns(), "the killed run's apt-get goes on under its supervisor");

        // 2. Resumed while that apt-get still runs: it is followed, not refused as "busy" and not started again.
        const resumed = c.spawn(['node', WIZARD, 'resume', '--yes'], { LANG: 'C.UTF-8' });
        // The gate opens once the resume re-attached to that apt-get (its transcript says so).
        const reattached = `tail -n +${mark + 1} ${transcript} | grep -qF 'started by an earlier run: ["apt-get","install"'`;
        await whileWizard('resume --yes', reattached, `rm ${GATE}/pre`).catch(async (e) => assert.fail(`${e}\n${await outputOf(resumed)}`));
        // 3. Killed again after dpkg installed the new package, while apt-get ends (its Post-Invoke): before any restart.
        await whileWizard('resume --yes', `[ -e ${GATE}/post-reached ]`, 'kill -9 $pids').catch(async (e) => assert.fail(`${e}\n${await outputOf(resumed)}`));
        const followed = await resumed;
        assert.notEqual(followed.exitCode, 0);
        assert.doesNotMatch(String(followed.stdout), /package manager is busy/);
        assert.match(String(followed.stdout), /the dpkg\/apt lock is held by the interrupted session's own apt-get \(pid \d+\): it is followed to its end/);
        assert.match(String(followed.stdout), /kept running while the wizard was away \(pid \d+\): re-attaching to it/);
        await c.sh(`rm ${GATE}/post`);
        const until = Date.now() + 10 * 60_000;
        while ((await aptRuns()) && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
        assert.equal(await aptRuns(), false);
        // apt is done: the new package is installed, the old process still serves, the hold is left behind.
        assert.equal(await pkgVersion(), `${NEW}+bookworm1`);
        assert.equal(await versionAt(PORT), OLD);
        assert.deepEqual(await mainStart(), before, 'not restarted yet');
        assert.equal(await holdNow(), 'held');
        // One apt-get install was started over the two runs: the resume followed the killed run's, never started its own.
        assert.equal(Number(await c.sh(`tail -n +${mark + 1} ${transcript} | grep -cF '] $ ["apt-get","install"' || true`)), 1);

        // 4. A stranger holds apt's lock now: the resume lifts the leftover hold, refuses, and the session stays resumable.
        const stranger = c.spawn([
          'python3',
          '-c',
          `import fcntl,os,time\nf=open('/var/lib/dpkg/lock-frontend','w'); fcntl.lockf(f, fcntl.LOCK_EX); open('${GATE}/locked','w').close()\nwhile not os.path.exists('${GATE}/unlock'): time.sleep(0.05)`,
        ]);
        try {
          await c.sh(`until [ -e ${GATE}/locked ]; do sleep 0.05; done`, 60_000);
          const refused = await wizard(['resume', '--yes']);
          assert.notEqual(refused.exitCode, 0, refused.stdout);
          assert.match(refused.stdout, /An earlier run was stopped while it held the package's own restart/);
          assert.match(refused.stdout, /The package manager is busy: \/var\/lib\/dpkg\/lock-frontend is held by pid \d+ \(python3\)/);
          assert.match(refused.stdout, /stays recorded as it was \(stopped in "Install the new version"\)/);
          assert.equal(await holdNow(), 'free', 'a resume never leaves the hold behind');
          assert.equal((await latestJournal()).outcome, 'interrupted');
          assert.deepEqual(await mainStart(), before);
        } finally {
          await c.sh(`touch ${GATE}/unlock`);
          await stranger;
        }

        // 5. The last resume: the package is newer than what serves, so it goes on through the config check and one restart.
        const r = await wizard(['resume', '--yes']);
        assert.equal(r.exitCode, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /matrix-synapse 1\.49\.0 is installed: not run again/);
        assert.equal(await pkgVersion(), `${NEW}+bookworm1`);
        assert.equal(await versionAt(PORT), NEW);
        assert.equal(await versionAt(WORKER_PORT), NEW);
        assert.equal(await show('matrix-synapse.service', 'ActiveState'), 'active');
        assert.notEqual((await mainStart()).pid, before.pid);
        assert.notEqual(await show('matrix-synapse-worker@client1.service', 'MainPID'), workerBefore);
        assert.equal(await holdNow(), 'free');
        const journal = await latestJournal();
        assert.equal(journal.outcome, 'upgraded');
        assert.deepEqual(
          journal.steps.filter((s: { status: string }) => s.status !== 'done' && s.status !== 'skipped').map((s: { id: string }) => s.id),
          [],
          'every step done',
        );
        const holds = journal.events.map((e: { kind: string }) => e.kind).filter((k: string) => k.startsWith('restart-'));
        assert.equal(holds.at(-1), 'restart-released');
      },
    );
  },
);
