#!/usr/bin/env node
// `npm run bench`: what an admin feels, each against a baseline run side by side (issue 8, docs/benchmarks.md).
//   startup     process start → first frame of the wizard on a terminal (the entry the bin uses), vs `node -e 0`
//   downtime    stand-in homeserver, no migration delay: restart start → new version verified (the wizard's own
//               figure from its --json result event), vs a bare shell loop: synctl restart, poll every 50 ms
//   throughput  a child printing 200,000 lines (~20 MB) through the command runner and the live Ink screen,
//               vs the same child writing to /dev/null; with the wizard's peak RSS; every line must reach the transcript
//   probe       `synapse-upgrade detect --json` on a local stand-in install, wall time
//   real_downtime  as downtime, on real Synapse from the real tier's cached PyPI wheels (scripts/bench/real-downtime.ts);
//               full size only (minutes a run)
// Prints a table and writes bench-results.json at the repository root ($BENCH_OUTPUT to write elsewhere).
// BENCH_SIZE=tiny: a quick run (fewer runs, 20,000 lines). BENCH_ONLY=downtime,probe: only those, table only
// (no file written). Timings are reported, never asserted.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { openSync, closeSync, statSync } from 'node:fs';
import http from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(root, 'bin', 'synapse-upgrade.mjs');
const HARNESS = path.join(root, 'dist', 'bench', 'throughput.mjs');
const SIZE = process.env.BENCH_SIZE === 'tiny' ? 'tiny' : 'full';
const RUNS = {
  full: { startup: 15, downtime: 5, throughput: 3, lines: 200_000, probe: 7, real: Number(process.env.BENCH_REAL_RUNS ?? 3) },
  tiny: { startup: 3, downtime: 1, throughput: 1, lines: 20_000, probe: 1, real: 0 },
}[SIZE];
const OUTPUT = path.resolve(process.env.BENCH_OUTPUT ?? path.join(root, 'bench-results.json'));
const SECTIONS = ['startup', 'downtime', 'throughput', 'probe', 'real_downtime', 'curves', 'workers'];
// The tiny size leaves out real Synapse (minutes per run) and the curves (workers: the downtime curve with 0/1/5
// workers, in `curves.workers`); BENCH_ONLY=real_downtime (or curves, workers) runs it at any size.
const DEFAULT = SIZE === 'tiny' ? SECTIONS.filter((s) => !['real_downtime', 'curves', 'workers'].includes(s)) : SECTIONS;
const ONLY = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',').map((x) => x.trim()) : DEFAULT;
for (const name of ONLY) if (!SECTIONS.includes(name)) throw new Error(`BENCH_ONLY: unknown section ${name} (${SECTIONS.join(', ')})`);
const GOALS = { startup: 2.0, downtime: 1.1, throughput: 1.5, peakRssMb: 120, probeMs: 300 };
const FROM = '1.46.0';
const TO = '1.47.0';

// One line of about 100 bytes, flushed one write at a time, as Python's logging.StreamHandler does (pip, Synapse).
const FLOOD = [
  'import sys',
  'n = int(sys.argv[1]); w = sys.stdout.write; f = sys.stdout.flush; pad = "x" * 80',
  'for i in range(n):',
  '    w("line %08d %s\\n" % (i, pad)); f()',
].join('\n');

const log = (text) => process.stderr.write(`bench: ${text}\n`);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const round = (x, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const entry = (wizard, baseline) => ({ wizard_ms: round(wizard), baseline_ms: round(baseline), ratio: round(wizard / baseline, 2) });

/** The built entry must be current: the bin prefers dist/synapse-upgrade.mjs unless the tsc output is newer. */
function ensureBuilt() {
  const mtime = (rel) => statSync(path.join(root, rel), { throwIfNoEntry: false })?.mtimeMs;
  if (mtime('dist/cli/main.js') === undefined) throw new Error('no dist/: run `npm run build` first (npm run bench does)');
  if ((mtime('dist/synapse-upgrade.mjs') ?? 0) < mtime('dist/cli/main.js')) {
    log('the bundle is older than the tsc output: rebuilding it');
    execFileSync(process.execPath, [path.join(root, 'scripts', 'bundle.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
}

/** The throughput harness, bundled as the single file is (the Ink that ships, React in production mode). */
function buildHarness() {
  execFileSync(
    process.execPath,
    [path.join(root, 'scripts', 'bundle.mjs'), '--entry', path.join(root, 'scripts', 'bench', 'throughput.mjs'), '--harness', '--outfile', HARNESS],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

/** The real interpreter behind `python3` (not a pyenv shim script, whose own start-up would count). */
function realPython() {
  return execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
}

/** The environment the wizard gets: pip sees only the stand-in wheelhouse, state in a folder of its own, no CI. */
function wizardEnv(wheelhouse, stateDir, extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('PIP_') && key !== 'CI' && key !== 'CONTINUOUS_INTEGRATION' && key !== 'NODE_OPTIONS') env[key] = value;
  }
  return { ...env, PIP_CONFIG_FILE: os.devNull, PIP_NO_INDEX: '1', PIP_FIND_LINKS: wheelhouse, SYNAPSE_UPGRADE_STATE_DIR: stateDir, ...extra };
}

/** Runs scripts/bench/pty.py: each case on a pseudo-terminal, runs interleaved; returns {case: [ms...]}. */
async function onPty(tmp, spec) {
  const file = path.join(tmp, `pty-${Date.now()}.json`);
  await writeFile(file, JSON.stringify(spec));
  const out = execFileSync(PYTHON, [path.join(root, 'scripts', 'bench', 'pty.py'), file], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out);
}

/** Children still running, killed if the bench is interrupted. */
const children = new Set();

/** Runs a program without a terminal; resolves with its stdout (rejects on a non-zero exit). */
function capture(file, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    child.on('exit', () => children.delete(child));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`${path.basename(file)} ${args.join(' ')}: exit ${code}\n${stderr}${stdout.slice(-2000)}`)),
    );
  });
}

async function timed(fn) {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

let PYTHON;

async function benchStartup(tmp, hs, wheelhouse) {
  const wizardArgs = [BIN, '--venv', hs.venv, '-c', hs.configPath, '--target', TO, '--dry-run'];
  // A state folder per run ({run}: pty.py puts the run number there): a killed run leaves nothing for the next.
  const env = wizardEnv(wheelhouse, path.join(tmp, 'state-startup-{run}'), { TERM: 'xterm-256color' });
  delete env.COLUMNS;
  delete env.LINES;
  const runs = await onPty(tmp, {
    runs: RUNS.startup,
    warmup: 2,
    cols: 100,
    rows: 40,
    timeout_s: 30,
    cases: [
      { name: 'wizard', until: 'frame', argv: [process.execPath, ...wizardArgs], env },
      { name: 'baseline', until: 'exit', argv: [process.execPath, '-e', '0'], env },
      // Ink's own first frame: what follows the erasure of the first frame (src/ui/first-frame.ts), for the record.
      { name: 'ink', until: 'frame', after: '\\x1b\\[\\d+A\\x1b\\[J', argv: [process.execPath, ...wizardArgs], env },
    ],
  });
  return {
    ...entry(median(runs.wizard), median(runs.baseline)),
    ink_ms: round(median(runs.ink)),
    ink_ratio: round(median(runs.ink) / median(runs.baseline), 2),
    runs,
  };
}

/** Puts the stand-in back at FROM and running (not timed). */
async function resetStandin(hs) {
  await hs.install(FROM);
  await hs.stop();
  await hs.start();
  const version = await hs.serverVersion();
  if (version !== FROM) throw new Error(`reset: the stand-in answers ${version}, not ${FROM}`);
}

async function benchDowntime(tmp, hs, wheelhouse) {
  const wizard = [];
  const baseline = [];
  const versionUrl = `${hs.url}/_synapse/admin/v1/server_version`;
  // The bare loop: the same restart command, then the version endpoint every 50 ms until it names the new version.
  const loop = [
    'start=$(date +%s%N)',
    `"$1" restart "$2" >/dev/null 2>&1`,
    'until curl -sf -m 2 "$3" 2>/dev/null | grep -qF "$4"; do sleep 0.05; done',
    'end=$(date +%s%N)',
    'echo $(( (end - start) / 1000000 ))',
  ].join('\n');
  const external = [];
  for (let run = 0; run < RUNS.downtime; run++) {
    await resetStandin(hs);
    const stateDir = path.join(tmp, `state-downtime-${run}`);
    const poll = pollListeners([hs.url], '/_synapse/admin/v1/server_version');
    const out = await capture(
      process.execPath,
      [BIN, '--venv', hs.venv, '-c', hs.configPath, '--target', TO, '--yes', '--json'],
      wizardEnv(wheelhouse, stateDir),
    ).finally(() => setTimeout(() => poll.stop(), 150)); // the poll sees the new version even when the wizard ends first
    await new Promise((resolve) => setTimeout(resolve, 200));
    const events = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
    const result = events.find((e) => e.type === 'result')?.result;
    if (result?.outcome !== 'upgraded' || typeof result.downtimeMs !== 'number')
      throw new Error(`downtime: the wizard did not upgrade: ${JSON.stringify(result)}`);
    wizard.push(result.downtimeMs);
    const polled = poll.outage();
    if (polled !== undefined) external.push({ reported: result.downtimeMs, polled: Math.round(polled) });

    await resetStandin(hs);
    await hs.install(TO); // the bare loop restarts onto an installed new version, as the wizard does after its install step
    const ms = Number(
      (await capture('bash', ['-c', loop, 'loop', hs.bin('synctl'), hs.configPath, versionUrl, `"server_version": "${TO}"`], process.env)).trim(),
    );
    if (!Number.isFinite(ms)) throw new Error('downtime: the shell loop printed no time');
    baseline.push(ms);
    log(`downtime run ${run + 1}/${RUNS.downtime}: wizard ${wizard.at(-1)} ms, shell loop ${ms} ms`);
  }
  const ratios = external.map((e) => e.reported / e.polled);
  return {
    ...entry(median(wizard), median(baseline)),
    ...(ratios.length ? { reported_vs_polled: round(median(ratios), 2), external } : {}),
    runs: { wizard, baseline },
  };
}

/**
 * Outside observers of one or several listeners, as users see them: each GETs `path` every 50 ms (one at a time,
 * 1 s time-out) and reads the version from the `Server` header (workers answer no admin API). `outage()`: from the
 * first listener's last answer naming the old version to the last listener's first answer naming the new one (to
 * within the 50 ms grid), or undefined when a listener was never seen on both.
 */
function pollListeners(urls, path = '/_matrix/client/versions') {
  const seen = urls.map(() => ({ lastOld: undefined, firstNew: undefined }));
  let stopped = false;
  const once = (url) =>
    new Promise((resolve) => {
      const req = http.get(`${url}${path}`, { agent: false, timeout: 1000 }, (res) => {
        res.resume();
        res.on('end', () => resolve(String(res.headers.server ?? '')));
        res.on('error', () => resolve(''));
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(''));
    });
  const loop = async (url, mark) => {
    while (!stopped) {
      const at = performance.now();
      const server = await once(url);
      if (mark.firstNew === undefined && server === `Synapse/${FROM}`) mark.lastOld = performance.now();
      if (mark.firstNew === undefined && server === `Synapse/${TO}`) mark.firstNew = at;
      await new Promise((r) => setTimeout(r, Math.max(0, 50 - (performance.now() - at))));
    }
  };
  urls.forEach((url, i) => void loop(url, seen[i]));
  return {
    stop: () => (stopped = true),
    outage: () =>
      seen.every((m) => m.lastOld !== undefined && m.firstNew !== undefined)
        ? Math.max(...seen.map((m) => m.firstNew)) - Math.min(...seen.map((m) => m.lastOld))
        : undefined,
  };
}

/**
 * Downtime with 0 / 1 / 5 workers (stand-in generic_workers with a client listener each, in `workers/` next to
 * homeserver.yaml, started with `synctl start <config> -a <dir>`), as users see it: every listener polled from
 * outside (pollListeners). The wizard (`--yes --json`) against the bare sequence synctl documents for workers, in
 * bash: stop the workers, restart the main process, wait until it answers the new version, start the workers, wait
 * until each answers it. `runs` of each, alternating; the stand-in is put back to FROM with its workers before each.
 */
async function benchWorkers(tmp, hs, wheelhouse, runs = 2) {
  const { writeWorkerConfig } = await import(new URL('../dist/demo/standin-workers.js', import.meta.url).href);
  const { freePort } = await import(new URL('../dist/demo/standin.js', import.meta.url).href);
  const workersDir = path.join(path.dirname(hs.configPath), 'workers');
  const synctl = (...args) => capture(hs.bin('synctl'), args, process.env);
  const bare = [
    '"$1" stop "$2" -a "$3" >/dev/null 2>&1',
    '"$1" restart "$2" >/dev/null 2>&1',
    'until curl -sf -m 2 -D - -o /dev/null "$4/_matrix/client/versions" 2>/dev/null | grep -qiF "server: synapse/$5"; do sleep 0.05; done',
    '"$1" start "$2" -a "$3" >/dev/null 2>&1',
    'shift 5',
    'for url in "$@"; do until curl -sf -m 2 -D - -o /dev/null "$url/_matrix/client/versions" 2>/dev/null | grep -qiF "server: synapse/$TO"; do sleep 0.05; done; done',
  ].join('\n');
  const curve = [];
  try {
    for (const count of [0, 1, 5]) {
      const urls = [];
      for (let n = 0; n < count; n++) {
        const port = await freePort();
        await writeWorkerConfig(workersDir, `worker${n}`, port, path.dirname(hs.configPath));
        urls.push(`http://127.0.0.1:${port}`);
      }
      const reset = async () => {
        if (count) await synctl('stop', hs.configPath, '-a', workersDir).catch(() => '');
        await resetStandin(hs);
        if (count) await synctl('start', hs.configPath, '-a', workersDir);
      };
      const wizard = [];
      const baseline = [];
      for (let run = 0; run < runs; run++) {
        await reset();
        let poll = pollListeners([hs.url, ...urls]);
        await new Promise((r) => setTimeout(r, 200)); // every listener seen at the old version first
        const out = await capture(
          process.execPath,
          [BIN, '--venv', hs.venv, '-c', hs.configPath, '--target', TO, '--yes', '--json'],
          wizardEnv(wheelhouse, path.join(tmp, `state-workers-${count}-${run}`)),
        ).finally(() => setTimeout(() => poll.stop(), 100));
        const result = out
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l))
          .find((e) => e.type === 'result')?.result;
        if (result?.outcome !== 'upgraded') throw new Error(`workers: the wizard did not upgrade with ${count} workers: ${JSON.stringify(result)}`);
        await new Promise((r) => setTimeout(r, 150));
        const seen = poll.outage();
        if (seen === undefined) throw new Error(`workers: a listener was never seen at both versions (${count} workers, the wizard)`);
        wizard.push({ outage: Math.round(seen), reported: result.downtimeMs });

        await reset();
        await hs.install(TO); // installed beforehand, not timed, as for the downtime baseline
        poll = pollListeners([hs.url, ...urls]);
        await new Promise((r) => setTimeout(r, 200));
        await capture('bash', ['-c', bare, 'bare', hs.bin('synctl'), hs.configPath, workersDir, hs.url, TO, ...urls], { ...process.env, TO });
        await new Promise((r) => setTimeout(r, 150));
        poll.stop();
        const bareSeen = poll.outage();
        if (bareSeen === undefined) throw new Error(`workers: a listener was never seen at both versions (${count} workers, the shell)`);
        baseline.push(Math.round(bareSeen));
        log(`workers ${count}, run ${run + 1}/${runs}: wizard ${wizard.at(-1).outage} ms (reports ${result.downtimeMs}), shell ${baseline.at(-1)} ms`);
      }
      const wizardMs = median(wizard.map((w) => w.outage));
      curve.push({ workers: count, ...entry(wizardMs, median(baseline)), reported_ms: median(wizard.map((w) => w.reported)), runs: { wizard, baseline } });
    }
  } finally {
    await synctl('stop', hs.configPath, '-a', workersDir).catch(() => '');
    await rm(workersDir, { recursive: true, force: true });
    await resetStandin(hs).catch(() => {});
  }
  return curve;
}

/** The flood child's wall time with its output on `target` (a path opened for writing). */
function childAlone(child, target) {
  const fd = openSync(target, 'w');
  try {
    const started = performance.now();
    const res = spawnSync(child[0], child.slice(1), { stdio: ['ignore', fd, fd] });
    if (res.status !== 0) throw new Error(`throughput: the child failed (${res.status})`);
    return performance.now() - started;
  } finally {
    closeSync(fd);
  }
}

async function benchThroughput(tmp, lines = RUNS.lines, runs = RUNS.throughput) {
  const child = [PYTHON, '-c', FLOOD, String(lines)];
  const wizard = [];
  const baseline = [];
  // The same child writing to a regular file, as it does under the supervisor (the job's output.log): not the
  // goal's baseline, the floor under it (each flushed line is a write(2) to a file).
  const toFile = [];
  let peak = 0;
  for (let run = 0; run < runs; run++) {
    baseline.push(childAlone(child, os.devNull));
    const file = path.join(tmp, 'flood.log');
    toFile.push(childAlone(child, file));
    await rm(file, { force: true });
    const resultFile = path.join(tmp, `throughput-${run}.json`);
    const env = { ...process.env, TERM: 'xterm-256color' };
    delete env.CI;
    await onPty(tmp, {
      runs: 1,
      warmup: 0,
      cols: 100,
      rows: 40,
      timeout_s: 300,
      cases: [{ name: 'harness', until: 'exit', argv: [process.execPath, HARNESS, resultFile, ...child], env }],
    });
    const result = JSON.parse(await readFile(resultFile, 'utf8'));
    if (result.exit_code !== 0) throw new Error(`throughput: the command exited ${result.exit_code} under the runner`);
    if (result.transcript_lines !== lines) {
      throw new Error(`throughput: the transcript holds ${result.transcript_lines} of ${lines} lines: output was lost`);
    }
    wizard.push(result.wall_ms);
    peak = Math.max(peak, result.peak_rss_mb);
    log(
      `throughput run ${run + 1}/${runs} (${lines} lines): runner + screen ${Math.round(result.wall_ms)} ms, /dev/null ${Math.round(baseline.at(-1))} ms, to a file ${Math.round(toFile.at(-1))} ms, peak RSS ${Math.round(result.peak_rss_mb)} MB, ${result.transcript_lines} lines in the transcript`,
    );
  }
  const file_ms = round(median(toFile));
  return {
    ...entry(median(wizard), median(baseline)),
    peak_rss_mb: round(peak),
    file_ms,
    file_ratio: round(median(wizard) / file_ms, 2),
    runs: { wizard, baseline, toFile },
  };
}

/**
 * How cost grows with work: the output at 20,000 / 200,000 / 2,000,000 lines (one run each), and `detect --json`
 * with 1 / 5 / 20 homeserver-like processes on the machine (the stand-in plus sleeping Python processes whose
 * command line is a homeserver's, `-m synapse.app.homeserver -c <a config of their own>`; 3 runs each).
 */
async function benchCurves(tmp, hs, wheelhouse) {
  const output = [];
  for (const lines of [20_000, 200_000, 2_000_000]) {
    const r = await benchThroughput(tmp, lines, 1);
    output.push({ lines, wizard_ms: r.wizard_ms, baseline_ms: r.baseline_ms, ratio: r.ratio, file_ms: r.file_ms, peak_rss_mb: r.peak_rss_mb });
  }
  const detection = [];
  const decoys = [];
  await resetStandin(hs); // the downtime section leaves it at the new version
  try {
    for (const processes of [1, 5, 20]) {
      while (decoys.length < processes - 1) {
        const n = decoys.length;
        const config = path.join(tmp, `decoy-${n}.yaml`);
        await writeFile(config, `server_name: decoy${n}.test\n`);
        const child = spawn(PYTHON, ['-c', 'import time; time.sleep(3600)', '-m', 'synapse.app.homeserver', '-c', config], { stdio: 'ignore' });
        children.add(child);
        decoys.push(child);
      }
      await new Promise((r) => setTimeout(r, 300));
      const r = await benchProbe(tmp, hs, wheelhouse, 3);
      detection.push({ processes, wizard_ms: r.wizard_ms, runs: r.runs });
      log(`detect with ${processes} homeserver-like processes: ${r.wizard_ms} ms`);
    }
  } finally {
    for (const child of decoys) {
      child.kill('SIGKILL');
      children.delete(child);
    }
  }
  return { output, detection };
}

async function benchProbe(tmp, hs, wheelhouse, count = RUNS.probe) {
  const env = wizardEnv(wheelhouse, path.join(tmp, 'state-probe'));
  const runs = [];
  // node -e 0 beside it, so a loaded machine shows in the figure (the goal itself is absolute).
  const node = [];
  for (let run = 0; run < count + 1; run++) {
    if (run > 0) node.push(await timed(() => capture(process.execPath, ['-e', '0'], process.env)));
    let out = '';
    const ms = await timed(async () => {
      out = await capture(process.execPath, [BIN, 'detect', '--json', '--venv', hs.venv, '-c', hs.configPath], env);
    });
    const report = JSON.parse(out);
    if (report.installedVersion !== FROM) throw new Error(`probe: detect says ${report.installedVersion}, not ${FROM}`);
    if (run > 0) runs.push(ms); // the first run warms the file cache
  }
  return { wizard_ms: round(median(runs)), node_ms: round(median(node)), runs };
}

/** scripts/bench/real-downtime.ts (the real tier's helpers are TypeScript: run through tsx). */
async function benchRealDowntime(tmp) {
  const file = path.join(tmp, 'real-downtime.json');
  const runs = Math.max(1, RUNS.real);
  await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', 'bench', 'real-downtime.ts'), String(runs), file], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    children.add(child);
    child.on('error', reject);
    child.on('exit', (code) => {
      children.delete(child);
      if (code === 0) resolve();
      else reject(new Error(`real_downtime: exit ${code}`));
    });
  });
  const { wizard, baseline } = JSON.parse(await readFile(file, 'utf8'));
  return { ...entry(median(wizard), median(baseline)), runs: { wizard, baseline } };
}

function table(results) {
  const { startup, downtime, throughput, probe } = results;
  const row = (name, r, goal, met) => (r ? [name, r.wizard_ms, r.baseline_ms, r.ratio, goal, met(r)] : [name, '-', '-', '-', goal, '-']);
  const rows = [
    ['', 'wizard', 'baseline', 'ratio', 'goal', 'met'],
    row('startup (ms)', startup, `≤ ${GOALS.startup}`, (r) => r.ratio <= GOALS.startup),
    row('downtime (ms)', downtime, `≤ ${GOALS.downtime}`, (r) => r.ratio <= GOALS.downtime),
    row('real_downtime (ms)', results.real_downtime, `≤ ${GOALS.downtime}`, (r) => r.ratio <= GOALS.downtime),
    row('throughput (ms)', throughput, `≤ ${GOALS.throughput}`, (r) => r.ratio <= GOALS.throughput),
    ['  peak RSS (MB)', throughput?.peak_rss_mb ?? '-', '', '', `≤ ${GOALS.peakRssMb}`, throughput ? throughput.peak_rss_mb <= GOALS.peakRssMb : '-'],
    ['probe (ms)', probe?.wizard_ms ?? '-', '', '', `≤ ${GOALS.probeMs}`, probe ? probe.wizard_ms <= GOALS.probeMs : '-'],
  ].map((cells) => cells.map((cell) => (cell === true ? 'yes' : cell === false ? 'NO' : String(cell))));
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

async function main() {
  ensureBuilt();
  PYTHON = realPython();
  const { buildWheelhouse, createStandinInstall, freePort } = await import(new URL('../dist/demo/standin.js', import.meta.url).href);
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'synapse-upgrade-bench-'));
  let hs;
  // Interrupted (Ctrl+C, a test's time-out): stop the stand-in homeserver and remove the temporary folder.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => {
      log(`${signal}: cleaning up`);
      for (const child of children) child.kill('SIGKILL');
      void Promise.resolve(hs?.kill())
        .catch(() => {})
        .finally(() => rm(tmp, { recursive: true, force: true }).finally(() => process.exit(130)));
    });
  }
  try {
    log(
      `size ${SIZE}; Node ${process.version}, ${os.cpus().length} CPUs, load ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
    );
    const wheelhouse = await buildWheelhouse();
    hs = await createStandinInstall({ root: path.join(tmp, 'hs'), version: FROM, port: await freePort(), wheelhouse });
    await hs.start();
    const step = async (name, fn) => {
      if (!ONLY.includes(name)) return undefined;
      log(`${name}…`);
      return fn();
    };
    const startup = await step('startup', () => benchStartup(tmp, hs, wheelhouse));
    const probe = await step('probe', () => benchProbe(tmp, hs, wheelhouse));
    const downtime = await step('downtime', () => benchDowntime(tmp, hs, wheelhouse));
    const throughput = await step('throughput', () => (buildHarness(), benchThroughput(tmp)));
    // The goal sections keep their fields (issue 8's contract); what this round added beside them goes to
    // `context` (the full size only, with the curves).
    const strip = (section) => {
      if (!section) return undefined;
      const { runs, external, reported_vs_polled, file_ms, file_ratio, node_ms, ink_ms, ink_ratio, ...figures } = section;
      return figures;
    };
    const context = {
      ...(downtime?.external ? { downtime_outside: { reported_vs_polled: downtime.reported_vs_polled, external: downtime.external } } : {}),
      ...(throughput ? { throughput_floor: { file_ms: throughput.file_ms, file_ratio: throughput.file_ratio } } : {}),
      ...(probe ? { probe_node_ms: probe.node_ms } : {}),
      ...(startup ? { startup_ink_frame: { wizard_ms: startup.ink_ms, ratio: startup.ink_ratio } } : {}),
    };
    const realDowntime = await step('real_downtime', () => benchRealDowntime(tmp));
    // A curve that fails is reported, not fatal: the goals above are already measured.
    const curves = await step('curves', () =>
      (ONLY.includes('throughput') || buildHarness(), benchCurves(tmp, hs, wheelhouse)).catch((error) => ({ error: String(error.message ?? error) })),
    );
    const workers = await step('workers', () => benchWorkers(tmp, hs, wheelhouse).catch((error) => ({ error: String(error.message ?? error) })));
    const results = {
      startup: strip(startup),
      downtime: strip(downtime),
      throughput: strip(throughput),
      probe: strip(probe),
      ...(realDowntime ? { real_downtime: strip(realDowntime) } : {}),
      ...(curves || workers ? { curves: { ...curves, ...(workers ? { workers } : {}) } } : {}),
      ...(SIZE === 'full' ? { context } : {}),
    };
    const complete = DEFAULT.every((name) => ONLY.includes(name));
    if (complete) await writeFile(OUTPUT, `${JSON.stringify(results, null, 2)}\n`);
    console.log(table(results));
    console.log(
      `\nsize ${SIZE}; medians of ${RUNS.startup} (startup), ${RUNS.downtime} (downtime), ${RUNS.throughput} (throughput, ${RUNS.lines} lines), ${RUNS.probe} (probe) runs; load ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
    );
    if (startup)
      console.log(
        `runs (ms): startup wizard ${startup.runs.wizard.map(Math.round).join(' ')} | node -e 0 ${startup.runs.baseline.map(Math.round).join(' ')} | Ink's first frame ${startup.runs.ink.map(Math.round).join(' ')} (median ${startup.ink_ms}, ${startup.ink_ratio}× node -e 0)`,
      );
    if (realDowntime)
      console.log(
        `real_downtime (${realDowntime.runs.wizard.length} runs): wizard ${realDowntime.runs.wizard.join(' ')} | shell loop ${realDowntime.runs.baseline.join(' ')}`,
      );
    if (throughput) console.log(`throughput: the child alone to a regular file ${throughput.file_ms} ms (the wizard ${throughput.file_ratio}× that)`);
    if (probe) console.log(`probe: node -e 0 beside it ${probe.node_ms} ms`);
    if (downtime?.external)
      console.log(`downtime: reported vs an external 50 ms poll: ${downtime.external.map((e) => `${e.reported}/${e.polled}`).join(' ')} ms`);
    if (curves?.error) console.log(`curves: failed: ${curves.error}`);
    if (curves && !curves.error) {
      for (const o of curves.output)
        console.log(
          `curve output ${o.lines} lines: wizard ${Math.round(o.wizard_ms)} ms, /dev/null ${Math.round(o.baseline_ms)} ms (ratio ${o.ratio}), to a file ${Math.round(o.file_ms)} ms, peak RSS ${o.peak_rss_mb} MB`,
        );
      for (const d of curves.detection) console.log(`curve detect ${d.processes} homeserver-like processes: ${d.wizard_ms} ms`);
    }
    if (workers?.error) console.log(`workers: failed: ${workers.error}`);
    else if (workers)
      for (const w of workers)
        console.log(
          `curve downtime with ${w.workers} workers (every listener polled): wizard ${w.wizard_ms} ms (it reports ${w.reported_ms}), shell ${w.baseline_ms} ms, ratio ${w.ratio}`,
        );
    if (complete) console.log(`written to ${path.relative(process.cwd(), OUTPUT) || OUTPUT}`);
    else console.log(`BENCH_ONLY=${ONLY.join(',')}: nothing written`);
  } finally {
    await hs?.kill().catch(() => {});
    await rm(tmp, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`bench: ${error.stack ?? error}`);
  process.exitCode = 1;
});
