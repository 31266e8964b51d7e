import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const dir = await mkdtemp(join(tmpdir(), 'su-pack-'));
after(() => rm(dir, { recursive: true, force: true }));

/** npm's own settings only: none of the npm_config_* that `npm test` passes down (a prefix, a global flag…). */
function npmEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !/^npm_/i.test(key)) env[key] = value;
  return { ...env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
}

test('npm pack makes a package whose bin works after a global install into a temporary prefix', { timeout: 90_000 }, async () => {
  // The build is already there (npm test builds first): pack what is built, without running prepare again.
  const pack = await execa('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
    cwd: ROOT,
    env: npmEnv(),
    extendEnv: false,
    timeout: 30_000,
  });
  const [info] = JSON.parse(pack.stdout) as [{ filename: string; files: { path: string }[] }];
  const files = info.files.map((f) => f.path);
  assert.ok(files.includes('bin/synapse-upgrade.mjs') && files.includes('dist/synapse-upgrade.mjs') && files.includes('dist/cli/main.js'), files.join(' '));
  assert.ok(
    files.some((f) => f.startsWith('steps/releases/')),
    'steps/ is in the package',
  );
  assert.ok(!files.some((f) => /^dist\/synapse-upgrade-[a-z0-9]+-[a-z0-9]+$/.test(f)), 'no single executable in the package');

  const prefix = join(dir, 'prefix');
  // Dependencies come from the npm cache when they can, else from the registry; bounded in time either way.
  const install = await execa(
    'npm',
    ['install', '--global', '--prefix', prefix, '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', join(dir, info.filename)],
    {
      cwd: dir,
      env: npmEnv(),
      extendEnv: false,
      reject: false,
      timeout: 75_000,
      all: true,
    },
  );
  assert.equal(install.exitCode, 0, install.all);
  const run = await execa(join(prefix, 'bin', 'synapse-upgrade'), ['--version'], { cwd: dir, reject: false, timeout: 15_000 });
  assert.equal(run.exitCode, 0, String(run.stderr));
  assert.equal(String(run.stdout).trim(), version);
});
