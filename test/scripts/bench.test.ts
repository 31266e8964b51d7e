import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

// Benchmarks are not tests: this checks that the bench runs at the tiny size and writes every field,
// never what the timings are.
test('npm run bench at BENCH_SIZE=tiny writes valid JSON with every field of issue 8', { timeout: 90_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'su-bench-test-'));
  try {
    const output = join(dir, 'bench-results.json');
    const run = await execa(process.execPath, [join(ROOT, 'scripts', 'bench.mjs')], {
      cwd: ROOT,
      env: { BENCH_SIZE: 'tiny', BENCH_OUTPUT: output },
      reject: false,
      timeout: 85_000,
      stdin: 'ignore',
      all: true,
    });
    assert.equal(run.exitCode, 0, run.all);
    assert.match(run.stdout, /startup \(ms\)[\s\S]*downtime \(ms\)[\s\S]*throughput \(ms\)[\s\S]*peak RSS \(MB\)[\s\S]*probe \(ms\)/);
    const results = JSON.parse(await readFile(output, 'utf8')) as Record<string, Record<string, unknown>>;
    const fields = {
      startup: ['wizard_ms', 'baseline_ms', 'ratio'],
      downtime: ['wizard_ms', 'baseline_ms', 'ratio'],
      throughput: ['wizard_ms', 'baseline_ms', 'ratio', 'peak_rss_mb'],
      probe: ['wizard_ms'],
    };
    assert.deepEqual(Object.keys(results).sort(), Object.keys(fields).sort());
    for (const [section, names] of Object.entries(fields)) {
      assert.deepEqual(Object.keys(results[section]!).sort(), [...names].sort(), section);
      for (const name of names) {
        const value = results[section]![name];
        assert.ok(typeof value === 'number' && Number.isFinite(value) && value > 0, `${section}.${name} = ${String(value)}`);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
