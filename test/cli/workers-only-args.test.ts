import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCli } from '../../src/cli/args.js';
import { main } from '../../src/cli/main.js';
import { wizardOptions } from '../../src/cli/wizard-options.js';

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { stdout: (s) => out.push(s), stderr: (s) => err.push(s) });
  return { code, all: `${out.join('\n')}\n${err.join('\n')}` };
}

test('--workers-only --main-url reach the engine as one option; --help names both', async () => {
  const opts = parseCli(['--workers-only', '--main-url', 'http://10.0.0.1:8008', '--yes', '--json']);
  assert.equal(opts.workersOnly, true);
  assert.equal(opts.mainUrl, 'http://10.0.0.1:8008');
  assert.deepEqual(wizardOptions(opts).workersOnly, { mainUrl: 'http://10.0.0.1:8008' });
  assert.equal(wizardOptions(parseCli(['--yes'])).workersOnly, undefined);
  for (const command of ['plan', 'resume']) assert.equal(parseCli([command, '--workers-only', '--main-url', 'https://m.example.org']).workersOnly, true);
  const help = await run(['--help']);
  assert.match(help.all, /--workers-only --main-url URL/);
});

test('workers-only usage errors: exit 2, a sentence naming the flag and what to do, nothing run', async () => {
  const cases: [string[], RegExp][] = [
    [['--workers-only', '--yes'], /--workers-only needs --main-url[^]*--main-url http:\/\//],
    [['--main-url', 'http://10.0.0.1:8008', '--yes'], /--main-url is only used with --workers-only/],
    [['--workers-only', '--main-url', 'gopher://10.0.0.1'], /--main-url gopher:\/\/10\.0\.0\.1 is not an http\(s\) URL/],
    [['--workers-only', '--main-url', 'not a url'], /--main-url not a url is not an http\(s\) URL/],
    [['--workers-only', '--main-url'], /--main-url needs a value/],
    [['--workers-only', '--main-url', 'http://10.0.0.1:8008', '--container', 'synapse'], /not a Docker container/],
    [['--workers-only', '--main-url', 'http://10.0.0.1:8008', '--method', 'docker'], /not a Docker container/],
    [
      ['status', '--workers-only', '--main-url', 'http://10.0.0.1:8008'],
      /not an option of synapse-upgrade status[^]*finds a workers-only session in its journal/,
    ],
    [['detect', '--workers-only', '--main-url', 'http://10.0.0.1:8008'], /not an option of synapse-upgrade detect/],
    [['--workers-onyl', '--main-url', 'http://10.0.0.1:8008'], /did you mean --workers-only\?/],
  ];
  for (const [args, message] of cases) {
    const { code, all } = await run(args);
    assert.equal(code, 2, `${args.join(' ')}: ${all}`);
    assert.match(all, message, args.join(' '));
  }
});

test('--main-url with user:password@ is refused and the password is shown nowhere', async () => {
  const { code, all } = await run(['--workers-only', '--main-url', 'http://admin:hunter2-secret@10.0.0.1:8008', '--yes']);
  assert.equal(code, 2);
  assert.match(all, /--main-url http:\/\/\*\*\*@10\.0\.0\.1:8008 has a user name or password in it/);
  assert.doesNotMatch(all, /hunter2/);
});
