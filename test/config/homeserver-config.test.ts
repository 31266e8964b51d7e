import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { AdminError } from '../../src/core/errors.js';
import { loadHomeserverConfig } from '../../src/config/homeserver-config.js';
import { tempDir } from '../helpers/temp-dir.js';

async function folder() {
  return tempDir('su-config-');
}

test('files and conf.d directories merge at the top level, later wins, lines point at the right file', async () => {
  const dir = await folder();
  await writeFile(join(dir, 'homeserver.yaml'), 'server_name: a.example\nreport_stats: false\nlisteners:\n  - port: 8008\n');
  await mkdir(join(dir, 'conf.d'));
  await writeFile(join(dir, 'conf.d', '20-b.yaml'), '\n\nreport_stats: true\n');
  await writeFile(join(dir, 'conf.d', '10-a.yaml'), 'server_name: b.example\n');
  await writeFile(join(dir, 'conf.d', 'ignored.txt'), 'server_name: nope\n');
  const config = await loadHomeserverConfig([join(dir, 'homeserver.yaml'), join(dir, 'conf.d')]);
  assert.equal(config.get('server_name'), 'b.example');
  assert.equal(config.get('report_stats'), true);
  assert.deepEqual(
    config.files.map((f) => f.path.slice(dir.length)),
    ['/homeserver.yaml', '/conf.d/10-a.yaml', '/conf.d/20-b.yaml'],
  );
  const [stats] = config.find('report_stats');
  assert.equal(stats?.file, join(dir, 'conf.d', '20-b.yaml'));
  assert.equal(stats?.line, 3);
  assert.equal(config.find('listeners.*.port')[0]?.line, 4);
});

test('malformed YAML is exit 2 with file, line and column', async () => {
  const dir = await folder();
  const path = join(dir, 'homeserver.yaml');
  await writeFile(path, 'server_name: a\nlisteners:\n  - port: 8008\n   bad: [unclosed\n');
  await assert.rejects(loadHomeserverConfig([path]), (error: unknown) => {
    assert.ok(error instanceof AdminError);
    assert.equal(error.exitCode, 2);
    assert.match(error.message, new RegExp(`^${path.replace(/[.]/g, '\\.')}:\\d+:\\d+: this file is not valid YAML`));
    return true;
  });
});

test('a missing config names the path; a non-mapping is refused', async () => {
  const dir = await folder();
  await assert.rejects(loadHomeserverConfig([join(dir, 'nope.yaml')]), /nope\.yaml does not exist/);
  await writeFile(join(dir, 'list.yaml'), '- a\n- b\n');
  await assert.rejects(loadHomeserverConfig([join(dir, 'list.yaml')]), /must be a mapping/);
  await assert.rejects(loadHomeserverConfig([]), /No config file/);
});
