import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execa } from 'execa';
import { main } from '../../src/cli/main.js';
import { nearestName } from '../../src/core/nearest-name.js';
import { BIN } from '../helpers/cli.js';

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { stdout: (s) => out.push(s), stderr: (s) => err.push(s) });
  return { code, all: `${out.join('\n')}\n${err.join('\n')}` };
}

test('a mistyped option gets our own sentence naming the nearest option, exit 2', async () => {
  const cases: [string[], string][] = [
    [['--dyr-run'], '--dry-run'],
    [['--targt', '1.47.0'], '--target'],
    [['--targte=1.47.0'], '--target'],
    [['--accept-note', 'x'], '--accept-notes'],
    [['detect', '--jsno'], '--json'],
    [['--state-folder', '/tmp/x'], '--state-dir'],
    [['--venv=/x', '--backupdir', '/y'], '--backup-dir'],
  ];
  for (const [args, near] of cases) {
    const { code, all } = await run(args);
    assert.equal(code, 2, `${args.join(' ')}: ${all}`);
    assert.match(all, new RegExp(`^\\S+ is not an option of synapse-upgrade; did you mean ${near}\\?$`, 'm'), `${args.join(' ')}: ${all}`);
    assert.doesNotMatch(all, /positional argument|TypeError|ERR_PARSE/, args.join(' '));
  }
  const far = await run(['--frobnicate']);
  assert.equal(far.code, 2);
  assert.match(far.all, /--frobnicate is not an option of synapse-upgrade\.\nNext: See synapse-upgrade --help for every option\./);
  const noValue = await run(['--target']);
  assert.match(noValue.all, /--target needs a value\./);
  const switchValue = await run(['--yes=1']);
  assert.match(switchValue.all, /--yes is a switch and takes no value\./);
});

test('the built CLI prints the suggestion on stderr and exits 2', async () => {
  const result = await execa(process.execPath, [BIN, '--dyr-run'], { reject: false, stdin: 'ignore' });
  assert.equal(result.exitCode, 2);
  assert.match(String(result.stderr), /--dyr-run is not an option of synapse-upgrade; did you mean --dry-run\?/);
});

test('nearestName: close words only', () => {
  assert.equal(nearestName('--yse', ['--yes', '--json']), '--yes');
  assert.equal(nearestName('--help', ['--yes', '--json']), undefined);
  assert.equal(nearestName('--acc', ['--accept-notes', '--accept-all-notes']), undefined, 'a prefix of two names is no choice');
  assert.equal(nearestName('--accept-a', ['--accept-notes', '--accept-all-notes']), '--accept-all-notes');
});
