// Part of scripts/bench.mjs (real_downtime): the downtime of a real Synapse upgrade from PyPI's wheels, the
// real tier's cache (test/real/helpers), against the bare loop on an identical homeserver: `synctl restart`,
// then the version endpoint every 50 ms until it names the new version. Each run sets up two homeservers at
// FROM (cached venvs, hard-linked): the wizard upgrades one (`--yes --json`, pip from the cached wheelhouse
// only); the other gets the new version by pip from the same wheelhouse (not timed), then the loop restarts it.
// Usage: node --import tsx scripts/bench/real-downtime.ts RUNS OUT.json   → {wizard: [ms], baseline: [ms], from, to}
import { execa } from 'execa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureWheelhouse } from '../../test/real/helpers/cache.js';
import { createHomeserver, type RealHomeserver } from '../../test/real/helpers/homeserver.js';
import { waitForBackgroundUpdates } from '../../test/real/helpers/matrix.js';
import { realWizardEnv } from '../../test/real/helpers/tier.js';
import { VERSIONS } from '../../test/real/helpers/versions.js';

const [runsArg, out] = process.argv.slice(2);
const RUNS = Number(runsArg);
if (!(RUNS > 0) || !out) throw new Error('usage: real-downtime.ts RUNS OUT.json');
// The pair first tried by hand: no schema change between them, so the restart is Synapse's own start-up.
const { from: FROM, to: TO } = VERSIONS.scenarios['first-hand-test']!;
const BIN = new URL('../../bin/synapse-upgrade.mjs', import.meta.url).pathname;
const log = (text: string) => process.stderr.write(`bench: real_downtime: ${text}\n`);

const LOOP = [
  'cd "$1" || exit 1',
  'start=$(date +%s%N)',
  '"$2" restart homeserver.yaml >/dev/null 2>&1',
  'until curl -sf -m 2 "$3" 2>/dev/null | grep -qE "$4"; do sleep 0.05; done',
  'end=$(date +%s%N)',
  'echo $(( (end - start) / 1000000 ))',
].join('\n');

async function wizardRun(hs: RealHomeserver, wheels: string, stateDir: string): Promise<number> {
  await waitForBackgroundUpdates(hs); // a fresh database's background updates first: preflight refuses while they run
  const env = realWizardEnv(stateDir, { PIP_NO_INDEX: '1', PIP_FIND_LINKS: wheels });
  const run = await execa(process.execPath, [BIN, '--venv', hs.venv, '-c', hs.config, '--target', TO, '--yes', '--json'], {
    env,
    extendEnv: false,
    reject: false,
    timeout: 600_000,
  });
  const events = String(run.stdout)
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { type: string; result?: { outcome?: string; downtimeMs?: number } });
  const result = events.find((e) => e.type === 'result')?.result;
  if (result?.outcome !== 'upgraded' || typeof result.downtimeMs !== 'number')
    throw new Error(`the wizard did not upgrade (exit ${run.exitCode}): ${JSON.stringify(result)}\n${String(run.stderr).slice(-2000)}`);
  if ((await hs.serverVersion()) !== TO) throw new Error(`after the wizard the server answers ${await hs.serverVersion()}, not ${TO}`);
  return result.downtimeMs;
}

async function loopRun(hs: RealHomeserver, wheels: string): Promise<number> {
  const pip = await execa(
    join(hs.venv, 'bin', 'python'),
    ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-index', '--find-links', wheels, `matrix-synapse==${TO}`],
    { env: hs.env(), extendEnv: false, reject: false },
  );
  if (pip.exitCode !== 0) throw new Error(`pip install of ${TO} for the loop failed:\n${String(pip.stderr).slice(-2000)}`);
  const versionUrl = `${hs.url}/_synapse/admin/v1/server_version`;
  const run = await execa(
    'bash',
    ['-c', LOOP, 'loop', hs.dir, join(hs.venv, 'bin', 'synctl'), versionUrl, `"server_version": ?"${TO.replace(/\./g, '\\.')}"`],
    { env: hs.env(), extendEnv: false, timeout: 600_000 },
  );
  const ms = Number(String(run.stdout).trim());
  if (!Number.isFinite(ms)) throw new Error('the shell loop printed no time');
  return ms;
}

const wheels = await ensureWheelhouse(TO);
const tmp = await mkdtemp(join(tmpdir(), 'synapse-upgrade-bench-real-'));
const wizard: number[] = [];
const baseline: number[] = [];
try {
  for (let run = 0; run < RUNS; run++) {
    const a = await createHomeserver({ version: FROM });
    const b = await createHomeserver({ version: FROM }).catch(async (error) => {
      await a.dispose();
      throw error;
    });
    try {
      await a.start();
      await b.start();
      wizard.push(await wizardRun(a, wheels, join(tmp, `state-${run}`)));
      baseline.push(await loopRun(b, wheels));
      log(`run ${run + 1}/${RUNS} (${FROM} → ${TO}): wizard ${wizard.at(-1)} ms, shell loop ${baseline.at(-1)} ms`);
    } finally {
      await Promise.all([a.dispose(), b.dispose()]);
    }
  }
  await writeFile(out, JSON.stringify({ wizard, baseline, from: FROM, to: TO }));
} finally {
  await rm(tmp, { recursive: true, force: true });
}
