import assert from 'node:assert/strict';
import { chmod, chown, copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { buildWheelhouse, freePort } from '../../src/demo/standin.js';
import { BIN, binFor } from '../helpers/cli.js';
import { needPrivateRoot, openPrivateRoot, type PrivateRoot } from '../helpers/private-root.js';
import { needTools } from '../helpers/tools.js';
import { tempDir } from '../helpers/temp-dir.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/debian/', import.meta.url));
const ARCH_DEB = (version: string, arch: string) => `matrix-synapse-py3_${version}+bookworm1_${arch}.deb`;

const WORKER_TEMPLATE = `[Unit]
Description=Synapse %i
AssertPathExists=/etc/matrix-synapse/workers/%i.yaml
PartOf=matrix-synapse.target
After=matrix-synapse.service

[Service]
Type=notify
User=matrix-synapse
WorkingDirectory=/var/lib/matrix-synapse
ExecStart=/opt/venvs/matrix-synapse/bin/python -m synapse.app.generic_worker --config-path=/etc/matrix-synapse/homeserver.yaml --config-path=/etc/matrix-synapse/conf.d/ --config-path=/etc/matrix-synapse/workers/%i.yaml
Restart=always
RestartSec=3

[Install]
WantedBy=matrix-synapse.target
`;

// Read as Synapse's workers allow: the Server header (a worker answers /_synapse/admin/v1/server_version with 404).
const version = async (port: number): Promise<string> => {
  const res = await fetch(`http://127.0.0.1:${port}/_matrix/client/versions`, { signal: AbortSignal.timeout(3000) });
  await res.body?.cancel();
  return String(res.headers.get('server')).replace(/^Synapse\//, '');
};

test("Debian package, the apt and dpkg paths (real dpkg and apt-get, debhelper's compat-10 postinst, private mount namespace) with a stand-in systemctl and the stand-in Synapse, kept for what a container run costs too much for or cannot cause: refusals (no install, not root, the apt lock), confold and the exact commands and their order, the admin's own policy-rc.d, apt-get download and dpkg-repack, and a kill at a fault point while held; on real systemd: debian-systemd.test.ts", async (t) => {
  if (
    !needTools(
      t,
      ['unshare', 'nsenter', 'setpriv', 'dpkg', 'dpkg-deb', 'dpkg-scanpackages', 'apt-get', 'apt-cache', 'gzip', 'deb-systemd-invoke', 'dh', 'dpkg-repack'],
      { root: true },
    )
  )
    return;
  if (!(await needPrivateRoot(t))) return;
  const work = await tempDir('su-debian-');
  await chmod(work, 0o755);
  const wheels = await buildWheelhouse();
  const port = await freePort();
  const workerPort = await freePort();
  const bin = join(work, 'bin');
  await mkdir(bin);
  await copyFile(join(FIXTURES, 'systemctl-standin.py'), join(bin, 'systemctl'));
  await chmod(join(bin, 'systemctl'), 0o755);
  const state = join(work, 'state');
  await mkdir(state, { recursive: true, mode: 0o700 });
  // The non-root run gets a state folder of its own: the wizard trusts only folders its user owns alone.
  const nobodyState = join(work, 'state-nobody');
  await mkdir(nobodyState, { mode: 0o700 });
  await chown(nobodyState, 65534, 65534);
  const systemctlLog = join(work, 'systemctl.log');
  const env = {
    PATH: `${bin}:/usr/sbin:/usr/bin:/sbin:/bin`,
    HOME: work,
    LANG: 'C.UTF-8',
    SYNAPSE_UPGRADE_STATE_DIR: state,
    STANDIN_SYSTEMCTL_LOG: systemctlLog,
  };
  const ns: PrivateRoot = await openPrivateRoot(work);
  t.after(() => ns.close());
  const sh = async (script: string) => {
    const r = await ns.run('bash', ['-euo', 'pipefail', '-c', script], { env });
    assert.equal(r.exitCode, 0, `${script}\n${r.stdout}\n${r.stderr}`);
    return r.stdout.trim();
  };
  const wizard = (args: string[], extraEnv: Record<string, string> = {}) =>
    ns.run(process.execPath, [binFor(extraEnv), ...args], { env: { ...env, ...extraEnv } });
  /** The stand-in systemctl's calls from line `from` on, as command lines. */
  const systemctlCalls = async (from = 0): Promise<string[]> =>
    (await readFile(systemctlLog, 'utf8').catch(() => ''))
      .trim()
      .split('\n')
      .filter(Boolean)
      .slice(from)
      .map((l) => JSON.parse(l).argv.join(' '));
  /** What the package's postinst asked systemd to restart (deb-systemd-invoke: `--quiet --system restart UNIT`). */
  const postinstRestarts = (calls: string[]): string[] => calls.filter((c) => /^--quiet --system restart /.test(c));
  const policyRcd = () => sh('cat /usr/sbin/policy-rc.d 2>/dev/null || echo absent');
  const journalOf = async () => {
    const [folder] = await readdir(state);
    return JSON.parse(await readFile(join(state, folder as string, 'journal.json'), 'utf8'));
  };

  const arch = await sh('dpkg --print-architecture');
  await sh(`bash ${FIXTURES}/build-debs.sh ${work} ${wheels} ${port} 1.46.0 1.49.0`);
  await sh(
    [
      // Only the local repository: no network, no other package lists. (docker-clean would empty apt's cache;
      // a container image's policy-rc.d answering 101 would hide what the packages' postinst does.)
      'rm -f /etc/apt/sources.list.d/* /etc/apt/apt.conf.d/docker-clean /usr/sbin/policy-rc.d',
      `echo 'deb [trusted=yes] file:${work}/repo ./' > /etc/apt/sources.list`,
      'rm -rf /var/lib/apt/lists/*',
    ].join('\n'),
  );

  await t.test('no install yet: "No Synapse install found", listing what was looked at (exit 2)', async () => {
    const r = await wizard(['detect']);
    assert.equal(r.exitCode, 2, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      /No Synapse install found\. Looked at: the Debian package matrix-synapse-py3 \(dpkg-query\); running homeserver processes in \/proc; synctl on PATH; .*\/synapse\/env; \/opt\/synapse\/env; Docker containers/,
    );
    assert.match(r.stderr, /--method debian/);
  });

  // As installed from packages.matrix.org some time ago: 1.46.0 with its .deb in apt's cache; the
  // repository now lists only 1.49.0. The admin edited the conffile; a worker runs under the target.
  await sh(
    [
      `bash ${FIXTURES}/repo.sh ${work}/repo ${work}/debs/${ARCH_DEB('1.49.0', arch)}`,
      `dpkg -i ${work}/debs/${ARCH_DEB('1.46.0', arch)} >/dev/null`,
      `cp ${work}/debs/${ARCH_DEB('1.46.0', arch)} /var/cache/apt/archives/`,
      "echo '# edited by the admin: keep me' >> /etc/matrix-synapse/homeserver.yaml",
      'apt-get -q update >/dev/null',
      'mkdir -p /etc/matrix-synapse/workers /etc/systemd/system/matrix-synapse.target.wants',
      `printf '[Unit]\\nDescription=Synapse parent target\\n\\n[Install]\\nWantedBy=multi-user.target\\n' > /etc/systemd/system/matrix-synapse.target`,
      `cat > /etc/systemd/system/matrix-synapse-worker@.service <<'UNIT'\n${WORKER_TEMPLATE}UNIT`,
      'ln -s /etc/systemd/system/matrix-synapse-worker@.service /etc/systemd/system/matrix-synapse.target.wants/matrix-synapse-worker@client1.service',
      `printf 'worker_app: synapse.app.generic_worker\\nworker_name: client1\\nworker_pid_file: /var/lib/matrix-synapse/client1.pid\\nworker_log_config: /etc/matrix-synapse/log.yaml\\nworker_listeners:\\n  - type: http\\n    port: ${workerPort}\\n    bind_addresses: [127.0.0.1]\\n    resources:\\n      - names: [client]\\n' > /etc/matrix-synapse/workers/client1.yaml`,
      'systemctl start matrix-synapse.target',
    ].join('\n'),
  );
  assert.equal(await version(port), '1.46.0');
  assert.equal(await version(workerPort), '1.46.0');

  await t.test('not root: a clear sentence, exit 2, nothing changed', async () => {
    const r = await ns.run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--', process.execPath, BIN, '--target', '1.49.0', '--yes'], {
      env: { ...env, SYNAPSE_UPGRADE_STATE_DIR: nobodyState },
    });
    assert.equal(r.exitCode, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /Upgrading the Debian package matrix-synapse-py3 needs root, and synapse-upgrade runs as uid 65534\./);
    assert.match(r.stdout, /sudo/);
    assert.equal(await sh("dpkg-query -W -f='${Version}' matrix-synapse-py3"), '1.46.0+bookworm1');
  });

  await t.test('apt lock held by another process: says who holds it, exit 1, nothing changed', async () => {
    const ready = join(work, 'locked');
    const release = join(work, 'release-lock');
    const locker = ns.spawn('/usr/bin/python3', [
      '-c',
      `import fcntl,os,time; f=open('/var/lib/dpkg/lock-frontend','w'); fcntl.lockf(f, fcntl.LOCK_EX); open('${ready}','w').close()\nwhile not os.path.exists('${release}'): time.sleep(0.05)`,
    ]);
    try {
      for (
        let i = 0;
        i < 100 &&
        !(await readFile(ready).then(
          () => true,
          () => false,
        ));
        i++
      )
        await new Promise((r) => setTimeout(r, 50));
      const r = await wizard(['--target', '1.49.0', '--yes']);
      assert.equal(r.exitCode, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /The package manager is busy: \/var\/lib\/dpkg\/lock-frontend is held by pid \d+ \(python3\)\./);
      assert.match(r.stdout, /Server state: nothing was changed/);
      assert.equal(await sh("dpkg-query -W -f='${Version}' matrix-synapse-py3"), '1.46.0+bookworm1');
    } finally {
      await writeFile(release, '');
      await locker;
    }
  });

  await t.test(
    "upgrade 1.46.0 → 1.49.0, the commands as planned: the .deb kept from the cache, the drop-in, apt-get --only-upgrade --force-confold (the admin's conffile edit kept) under the hold, the hold released, the config check, one restart of the target, in this order (on real systemd: debian-systemd.test.ts)",
    async () => {
      const before = (await systemctlCalls()).length;
      const r = await wizard(['--target', '1.49.0', '--yes']);
      assert.equal(r.exitCode, 0, r.stdout + r.stderr);
      assert.match(
        r.stdout,
        /migrates the database schema \(v65 → v66\) while Synapse starts\. matrix-synapse\.service allows 90 s to start and has Restart=always/,
      );
      assert.match(r.stdout, /\[ok\] workers: 1 worker\(s\) answer 1\.49\.0/);
      assert.equal(await sh("dpkg-query -W -f='${Version}' matrix-synapse-py3"), '1.49.0+bookworm1');
      assert.equal(await version(port), '1.49.0');
      assert.equal(await version(workerPort), '1.49.0');
      assert.match(await sh('cat /etc/matrix-synapse/homeserver.yaml'), /# edited by the admin: keep me/);
      assert.match(await sh('ls /etc/matrix-synapse/'), /homeserver\.yaml\.dpkg-dist/);
      assert.match(await sh('cat /etc/systemd/system/matrix-synapse.service.d/synapse-upgrade-timeout.conf'), /^TimeoutStartSec=3600$/m);
      // The postinst asked for a restart (deb-systemd-invoke), but it was held: Synapse was restarted once, by the
      // wizard, after the drop-in was read (daemon-reload before apt) and the config was checked.
      const calls = await systemctlCalls(before);
      assert.deepEqual(postinstRestarts(calls), []);
      const [folder] = await readdir(state);
      const transcriptText = await readFile(join(state, folder as string, 'transcript.log'), 'utf8');
      assert.deepEqual(
        calls.filter((c) => /^(restart|daemon-reload)/.test(c)),
        ['daemon-reload', 'restart matrix-synapse.target'],
        transcriptText,
      );
      assert.equal(await policyRcd(), 'absent');
      const kept = await readdir(join(state, folder as string, 'packages'));
      assert.deepEqual(kept, [ARCH_DEB('1.46.0', arch)]);
      const journal = JSON.parse(await readFile(join(state, folder as string, 'journal.json'), 'utf8'));
      const transcript = await readFile(journal.transcript, 'utf8');
      assert.match(transcript, /\["cp","-p","\/var\/cache\/apt\/archives\/matrix-synapse-py3_1\.46\.0\+bookworm1_\w+\.deb",/);
      assert.match(
        transcript,
        /\["apt-get","install","-y","--only-upgrade","-o","Dpkg::Options::=--force-confold","-o","DPkg::Lock::Timeout=60","matrix-synapse-py3=1\.49\.0\+bookworm1"\]\n {4}cwd=\S+ env=DEBIAN_FRONTEND/,
      );
      assert.match(transcript, /policy-rc\.d returned 101, not running 'restart matrix-synapse\.service'/);
      const order = [
        '"daemon-reload"',
        '"install","-m","0755"',
        '"apt-get","install"',
        '"rm","-f","/usr/sbin/policy-rc.d"',
        '"-m","synapse.config"',
        '"restart","matrix-synapse.target"',
      ].map((k) => transcript.indexOf(k));
      assert.ok(
        order.every((at, i) => at > 0 && (i === 0 || at > (order[i - 1] as number))),
        `drop-in, hold, apt, release, config check, restart in this order: ${order}`,
      );
      assert.deepEqual(
        journal.events.map((e: { kind: string }) => e.kind),
        ['restart-held', 'restart-released'],
      );
      // The kept package is a working rollback: dpkg takes it back. Without a hold, its postinst restarts Synapse
      // (what the wizard's hold prevents).
      const mark = (await systemctlCalls()).length;
      await sh(`dpkg -i --force-confold ${join(state, folder as string, 'packages', ARCH_DEB('1.46.0', arch))} >/dev/null`);
      assert.equal(await sh("dpkg-query -W -f='${Version}' matrix-synapse-py3"), '1.46.0+bookworm1');
      assert.deepEqual(postinstRestarts(await systemctlCalls(mark)), ['--quiet --system restart matrix-synapse.service']);
    },
  );

  const ADMIN_POLICY = "#!/bin/sh\n# the admin's own policy-rc.d\nexit 0";
  await t.test(
    "not in the cache but still offered by the repository: apt-get download keeps it; the drop-in is read back (no question); the admin's own policy-rc.d is kept and put back",
    async () => {
      const [folder] = await readdir(state);
      await sh(
        [
          `rm -rf ${join(state, folder as string, 'packages')} /var/cache/apt/archives/*.deb`,
          `bash ${FIXTURES}/repo.sh ${work}/repo ${work}/debs/${ARCH_DEB('1.46.0', arch)} ${work}/debs/${ARCH_DEB('1.49.0', arch)}`,
          'apt-get -q update >/dev/null',
          `cat > /usr/sbin/policy-rc.d <<'POLICY'\n${ADMIN_POLICY}\nPOLICY`,
          'chmod 0755 /usr/sbin/policy-rc.d',
        ].join('\n'),
      );
      assert.equal(await policyRcd(), ADMIN_POLICY);
      const before = (await systemctlCalls()).length;
      const r = await wizard(['--target', '1.49.0', '--yes']);
      assert.equal(r.exitCode, 0, r.stdout + r.stderr);
      assert.doesNotMatch(r.stdout, /allows 90 s to start/);
      assert.match(r.stdout, /apt-get download matrix-synapse-py3=1\.46\.0\+bookworm1/);
      assert.deepEqual(await readdir(join(state, folder as string, 'packages')), [ARCH_DEB('1.46.0', arch)]);
      assert.equal(await sh("dpkg-query -W -f='${Version}' matrix-synapse-py3"), '1.49.0+bookworm1');
      assert.equal(await version(port), '1.49.0');
      assert.deepEqual(postinstRestarts(await systemctlCalls(before)), []);
      assert.equal(await policyRcd(), ADMIN_POLICY);
      assert.equal(await sh('stat -c %a /usr/sbin/policy-rc.d'), '755');
      assert.deepEqual(
        (await readdir(join(state, folder as string))).filter((n) => n.startsWith('policy-rc.d')),
        [],
      );
    },
  );

  await t.test('rollback: the kept .deb goes back in with dpkg -i --force-confold (its postinst restart held too) and the target restarts', async () => {
    const before = (await systemctlCalls()).length;
    const r = await wizard(['rollback', '--yes']);
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /dpkg -i --force-confold \S+\/packages\/matrix-synapse-py3_1\.46\.0\+bookworm1_\w+\.deb/);
    assert.equal(await sh("dpkg-query -W -f='${Version}' matrix-synapse-py3"), '1.46.0+bookworm1');
    assert.equal(await version(port), '1.46.0');
    assert.equal(await version(workerPort), '1.46.0');
    assert.match(await sh('cat /etc/matrix-synapse/homeserver.yaml'), /# edited by the admin: keep me/);
    const calls = await systemctlCalls(before);
    assert.deepEqual(postinstRestarts(calls), []);
    assert.deepEqual(
      calls.filter((c) => /restart/.test(c)),
      ['restart matrix-synapse.target'],
    );
    assert.equal(await policyRcd(), ADMIN_POLICY);
  });

  await t.test(
    "killed (-9) while the restart is held: the policy-rc.d of the hold stays; the next run lifts it first, holds again around apt, and puts the admin's back",
    async () => {
      const killed = await wizard(['--target', '1.49.0', '--yes'], { SYNAPSE_UPGRADE_TEST_KILL_AT: 'restart-hold:held' });
      assert.notEqual(killed.exitCode, 0);
      assert.match(await policyRcd(), /# synapse-upgrade: restart hold/);
      assert.equal(await sh("dpkg-query -W -f='${Version}' matrix-synapse-py3"), '1.46.0+bookworm1');
      const before = (await systemctlCalls()).length;
      const r = await wizard(['resume', '--yes']);
      assert.equal(r.exitCode, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /An earlier run was stopped while it held the package's own restart/);
      assert.equal(await sh("dpkg-query -W -f='${Version}' matrix-synapse-py3"), '1.49.0+bookworm1');
      assert.equal(await version(port), '1.49.0');
      assert.deepEqual(postinstRestarts(await systemctlCalls(before)), []);
      assert.equal(await policyRcd(), ADMIN_POLICY);
      const kinds = (await journalOf()).events.map((e: { kind: string }) => e.kind);
      assert.deepEqual(
        kinds.filter((k: string) => k.startsWith('restart-')),
        ['restart-held', 'restart-released', 'restart-held', 'restart-released'],
      );
    },
  );
  /** 1.46.0 installed again, its .deb nowhere: the repository now lists only 1.49.0 while apt's own lists still name 1.46.0. */
  const oldPackageGone = async (): Promise<string> => {
    const back = await wizard(['rollback', '--yes']);
    assert.equal(back.exitCode, 0, back.stdout + back.stderr);
    assert.equal(await sh("dpkg-query -W -f='${Version}' matrix-synapse-py3"), '1.46.0+bookworm1');
    await sh(
      [
        `bash ${FIXTURES}/repo.sh ${work}/repo ${work}/debs/${ARCH_DEB('1.46.0', arch)} ${work}/debs/${ARCH_DEB('1.49.0', arch)}`,
        'apt-get -q update >/dev/null',
        `bash ${FIXTURES}/repo.sh ${work}/repo ${work}/debs/${ARCH_DEB('1.49.0', arch)}`,
        `rm -rf /var/cache/apt/archives/*.deb ${state}/*/packages`,
      ].join('\n'),
    );
    assert.match(await sh('apt-cache policy matrix-synapse-py3'), /1\.46\.0\+bookworm1/, "apt's own lists still name 1.46.0");
    const [folder] = await readdir(state);
    return join(state, folder as string, 'packages');
  };

  await t.test(
    "old package gone (not cached, the repository lists only the newest, apt's lists stale): dpkg-repack rebuilds it before the upgrade, and a rollback puts it back",
    async () => {
      const packages = await oldPackageGone();
      const r = await wizard(['--target', '1.49.0', '--yes']);
      assert.equal(r.exitCode, 0, r.stdout + r.stderr);
      assert.doesNotMatch(r.stdout, /apt-get download/);
      assert.match(r.stdout, /\/dpkg-repack matrix-synapse-py3/);
      assert.deepEqual(await readdir(packages), [ARCH_DEB('1.46.0', arch)]);
      assert.equal(await sh(`dpkg-deb -f ${join(packages, ARCH_DEB('1.46.0', arch))} Version`), '1.46.0+bookworm1');
      assert.equal(await version(port), '1.49.0');
      const back = await wizard(['rollback', '--yes']);
      assert.equal(back.exitCode, 0, back.stdout + back.stderr);
      assert.match(back.stdout, new RegExp(`dpkg -i --force-confold \\S+/packages/${ARCH_DEB('1.46.0', arch).replace(/[.+]/g, '\\$&')}`));
      assert.equal(await sh("dpkg-query -W -f='${Version}' matrix-synapse-py3"), '1.46.0+bookworm1');
      assert.equal(await version(port), '1.46.0');
      assert.match(await sh('cat /etc/matrix-synapse/homeserver.yaml'), /# edited by the admin: keep me/);
    },
  );

  await t.test(
    'old package gone and no dpkg-repack: --yes refuses (exit 2, nothing changed) naming --no-package-rollback; with it the upgrade goes on and says a rollback needs the package from elsewhere',
    async () => {
      const up = await wizard(['--target', '1.49.0', '--yes']); // (dpkg-repack keeps 1.46.0: the rollback below has it)
      assert.equal(up.exitCode, 0, up.stdout + up.stderr);
      // The namespace is private: dpkg-repack disappears for this test only.
      await sh('mount --bind /dev/null /usr/bin/dpkg-repack');
      try {
        await oldPackageGone();
        const refused = await wizard(['--target', '1.49.0', '--yes']);
        assert.equal(refused.exitCode, 2, refused.stdout + refused.stderr);
        assert.match(
          refused.stdout,
          /neither in apt's cache nor offered by the repository, and dpkg-repack .* is not installed: no copy can be kept, so a rollback will need the old package from elsewhere\./,
        );
        assert.match(refused.stdout, /--no-package-rollback/);
        assert.match(refused.stdout, /Server state: nothing was changed/);
        assert.equal(await sh("dpkg-query -W -f='${Version}' matrix-synapse-py3"), '1.46.0+bookworm1');
        assert.equal(await version(port), '1.46.0');
        const r = await wizard(['--target', '1.49.0', '--yes', '--no-package-rollback']);
        assert.equal(r.exitCode, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /no copy of 1\.46\.0\+bookworm1 could be kept; a rollback needs the old package from elsewhere/);
        assert.equal(await version(port), '1.49.0');
      } finally {
        await sh('umount /usr/bin/dpkg-repack');
      }
    },
  );
});
