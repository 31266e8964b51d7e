import assert from 'node:assert/strict';
import { test } from 'node:test';
import { main } from '../../src/cli/main.js';

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { stdout: (s) => out.push(s), stderr: (s) => err.push(s) });
  return { code, all: `${out.join('\n')}\n${err.join('\n')}` };
}

test('--url with user:password@ is refused (exit 2) and the password is shown nowhere', async () => {
  for (const url of [
    'http://admin:hunter2-secret@127.0.0.1:8008',
    'https://admin:hunter2-secret@matrix.example.org/',
    'ftp://admin:hunter2-secret@host',
    'http://hunter2-secret@127.0.0.1:8008',
  ]) {
    for (const args of [
      ['--url', url, '--yes'],
      ['detect', '--url', url],
      ['--json', '--url', url, '--dry-run'],
    ]) {
      const { code, all } = await run(args);
      assert.equal(code, 2, `${args.join(' ')}: ${all}`);
      assert.doesNotMatch(all, /hunter2/, args.join(' '));
      assert.match(all, /--url/, args.join(' '));
    }
  }
});

test('a --url that is not http(s) is still refused', async () => {
  const { code, all } = await run(['--url', 'gopher://example.org', '--yes']);
  assert.equal(code, 2);
  assert.match(all, /not an http\(s\) URL/);
});
