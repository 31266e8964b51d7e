import assert from 'node:assert/strict';
import { test } from 'node:test';
import { main } from '../../src/cli/main.js';

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { stdout: (s) => out.push(s), stderr: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

test('--help of every command says what it does and gives an example', async () => {
  for (const command of ['detect', 'status', 'resume', 'plan', 'rollback', 'notes']) {
    const { code, out } = await run([command, '--help']);
    assert.equal(code, 0, command);
    assert.match(out, new RegExp(`^Usage: synapse-upgrade ${command}`), command);
    if (command !== 'notes') assert.match(out, /\nExample:\n {2}synapse-upgrade /, command);
  }
  const wizard = await run(['--help']);
  assert.match(wizard.out, /Examples:\n {2}synapse-upgrade /);
  assert.match(wizard.out, /Exit codes: 0 upgraded/);
});

test('usage errors are exit 2 with a sentence', async () => {
  const unknown = await run(['--frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /frobnicate/);
  const positional = await run(['upgrade-now']);
  assert.equal(positional.code, 2);
  assert.match(positional.err, /Unknown command "upgrade-now"/);
});
