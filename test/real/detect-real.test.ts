import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { createHomeserver, type RealHomeserver } from './helpers/homeserver.js';
import { waitForBackgroundUpdates } from './helpers/matrix.js';
import { needPidNamespace, openPidNamespace } from './helpers/pidns.js';
import { realTier, realWizardEnv, stateDirOf } from './helpers/tier.js';
import { runWizard } from './helpers/wizard.js';

const made: RealHomeserver[] = [];
const closing: (() => Promise<void>)[] = [];
after(async () => {
  await Promise.all(made.map((hs) => hs.dispose()));
  for (const close of closing) await close().catch(() => {});
});

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

test(
  'real Synapse started the documented way (cd DIR && synctl start, relative -c, daemon in /): the wizard finds its config from PWD, confirmed by the pid file and the log, and plans the upgrade',
  { timeout: 900_000 },
  async (t) => {
    const tier = await realTier(t);
    if (!tier) return;
    const { from, to } = tier.scenario('first-hand-test');
    const hs = await createHomeserver({ version: from });
    made.push(hs);
    await hs.start();
    const pid = hs.pid();
    assert.ok(pid);
    const state = stateDirOf(hs.root);
    const env = realWizardEnv(state);

    const detect = await runCli(['detect', '--json', '--venv', hs.venv], env, 300_000);
    assert.equal(detect.exitCode, 0, detect.stdout + detect.stderr);
    const report = JSON.parse(detect.stdout);
    assert.deepEqual(report.configPaths, [hs.config]);
    assert.equal(report.installedVersion, from);
    const why = report.evidence.find((e: string) => e.includes('relative config')) ?? '';
    assert.match(
      why,
      new RegExp(`pid ${pid} was started with the relative config homeserver\\.yaml: resolved against PWD=${escape(hs.dir)} in /proc/${pid}/environ`),
      report.evidence.join('\n'),
    );
    assert.match(why, new RegExp(`its own working folder is /; confirmed: its pid_file ${escape(join(hs.dir, 'homeserver.pid'))} holds pid ${pid}`));
    assert.match(why, new RegExp(`the log it writes, ${escape(join(hs.dir, 'homeserver.log'))}, is in that folder`));

    await waitForBackgroundUpdates(hs); // a fresh database's background updates would stop the preflight
    const dry = await runCli(['--venv', hs.venv, '--target', to, '--yes', '--dry-run'], env, 600_000);
    assert.equal(dry.exitCode, 0, dry.stdout + dry.stderr);
    assert.match(dry.stdout, /resolved against PWD=/);
    assert.equal(hs.pid(), pid, 'a dry run restarts nothing');
    await rm(state, { recursive: true, force: true });
    await hs.dispose(); // the next test looks at running homeservers
  },
);

test(
  'two real homeservers on one host, both started the documented way: --yes refuses naming both configs, -c picks one, and neither is touched',
  { timeout: 900_000 },
  async (t) => {
    const tier = await realTier(t);
    if (!tier || !(await needPidNamespace(t))) return;
    const { from, to } = tier.scenario('first-hand-test');
    // Its own pid namespace: the wizard sees these two homeservers and not the ones other tests run meanwhile.
    const ns = await openPidNamespace();
    closing.push(() => ns.close());
    const a = await createHomeserver({ version: from, serverName: 'alpha.test', ns });
    made.push(a);
    const b = await createHomeserver({ version: from, serverName: 'beta.test', ns });
    made.push(b);
    await Promise.all([a.start(), b.start()]);
    const pids = [a.pid(), b.pid()];
    const env = realWizardEnv(stateDirOf(a.root));

    const detect = await runWizard(['detect', '--json'], env, { ns, timeoutMs: 300_000 });
    assert.equal(detect.exitCode, 0, detect.stdout + detect.stderr);
    const report = JSON.parse(detect.stdout);
    assert.equal(report.ambiguous, true);
    const all = [report, ...report.candidates] as { configPaths: string[] }[];
    for (const hs of [a, b])
      assert.ok(
        all.some((c) => c.configPaths[0] === hs.config),
        `${hs.config} not listed:\n${detect.stdout}`,
      );

    const refused = await runWizard(['--target', to, '--yes'], env, { ns, timeoutMs: 300_000 });
    assert.equal(refused.exitCode, 2, refused.stdout + refused.stderr);
    for (const hs of [a, b]) assert.match(refused.stdout, new RegExp(`Configs: .*${escape(hs.config)}`));

    await waitForBackgroundUpdates(a);
    const chosen = await runWizard(['-c', a.config, '--target', to, '--yes', '--dry-run'], env, { ns, timeoutMs: 600_000 });
    assert.equal(chosen.exitCode, 0, chosen.stdout + chosen.stderr);
    assert.match(chosen.stdout, new RegExp(`\\[ok\\] detect: Synapse ${escape(from)} \\(pip\\) at ${escape(a.venv)}`));
    assert.deepEqual([a.pid(), b.pid()], pids);
    assert.equal(await b.serverVersion(), from);
  },
);
