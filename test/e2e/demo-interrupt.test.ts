// The demo interrupted while its restart runs (SIGHUP: what "leave it running" does, without a screen): the
// wizard exits 3, leaves no homeserver or command of the demo behind, and its "Next:" is one that works for a
// demo. Real stand-in homeserver, real pip, real signals. Needs `npm run build` first.
import assert from 'node:assert/strict';
import { readdir, readFile, rm } from 'node:fs/promises';
import { test } from 'node:test';
import { execa } from 'execa';
import { BIN, wizardEnv } from '../helpers/cli.js';

/** Processes whose command line names a path inside `root`. */
async function processesIn(root: string): Promise<string[]> {
  const found: string[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const argv = (await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (argv.some((a) => a.startsWith(`${root}/`))) found.push(`${name}: ${argv.join(' ')}`);
  }
  return found;
}

test('the demo interrupted during its restart exits 3, leaves no homeserver behind, and its Next: works for a demo', { timeout: 150_000 }, async () => {
  const env = wizardEnv('/nonexistent', '/nonexistent-state');
  for (const key of ['PIP_NO_INDEX', 'PIP_FIND_LINKS', 'SYNAPSE_UPGRADE_STATE_DIR']) delete env[key];
  const child = execa(process.execPath, [BIN, '--demo', '--yes', '--target', '1.47.0'], {
    env,
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    all: true,
    timeout: 140_000,
  });
  let output = '';
  let root: string | undefined;
  let sent = false;
  child.all!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    root ??= /Building a demo homeserver \(Synapse stand-in [\d.]+\) in (\S+?)…/.exec(output)?.[1];
    if (!sent && /\[\.\.\] Restart Synapse/.test(output)) {
      sent = true;
      child.kill('SIGHUP');
    }
  });
  const result = await child;
  try {
    assert.ok(sent, output);
    assert.ok(root, output);
    assert.equal(result.exitCode, 3, output);
    assert.match(output, /This was the demo: its homeserver and any command still running are stopped now\./);
    assert.match(output, /Next: run synapse-upgrade --demo to try it again from the start\./);
    assert.doesNotMatch(output, /synapse-upgrade resume/);
    assert.match(output, /The demo homeserver was stopped/);
    await new Promise((resolve) => setTimeout(resolve, 3000)); // a daemon started late would show up by now
    assert.deepEqual(await processesIn(root!), [], 'nothing of the demo runs on');
  } finally {
    if (root) await rm(root, { recursive: true, force: true }).catch(() => {});
  }
});
