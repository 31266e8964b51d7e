#!/usr/bin/env node
// Builds one executable with Node inside (Node's single executable applications, `node --experimental-sea-config`
// plus postject): dist/synapse-upgrade-<platform>-<arch>. See docs/single-file.md.
// On Node 20 the injected main script must be CommonJS, and the bundle is an ES module with top-level await,
// so the executable carries the bundle as an asset; a small CommonJS launcher writes it to a private temporary
// folder and import()s it. Usage: node scripts/sea.mjs [--outfile PATH]   (builds the bundle first if missing)
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const POSTJECT = 'postject@1.0.0-alpha.6';
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { outfile: { type: 'string' } } });
const outfile = path.resolve(values.outfile ?? path.join(root, 'dist', `synapse-upgrade-${process.platform}-${process.arch}`));
const bundle = path.join(root, 'dist', 'synapse-upgrade.mjs');

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 12)) throw new Error(`sea: needs Node 20.12+ (SEA assets); this is ${process.version}`);
if (!existsSync(bundle)) execFileSync(process.execPath, [path.join(root, 'scripts', 'bundle.mjs')], { stdio: 'inherit' });

const LAUNCHER = `'use strict';
// CommonJS launcher of the synapse-upgrade executable: the ES module bundle is an asset of this file.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { getAsset } = require('node:sea');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synapse-upgrade-sea-'));
const file = path.join(dir, 'synapse-upgrade.mjs');
fs.writeFileSync(file, new Uint8Array(getAsset('synapse-upgrade.mjs')), { mode: 0o600 });
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
import(pathToFileURL(file).href).catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
`;

const work = mkdtempSync(path.join(os.tmpdir(), 'synapse-upgrade-sea-build-'));
try {
  const launcher = path.join(work, 'launcher.cjs');
  const blob = path.join(work, 'sea.blob');
  const config = path.join(work, 'sea-config.json');
  writeFileSync(launcher, LAUNCHER);
  writeFileSync(config, JSON.stringify({ main: launcher, output: blob, disableExperimentalSEAWarning: true, assets: { 'synapse-upgrade.mjs': bundle } }));
  execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: 'inherit' });
  rmSync(outfile, { force: true });
  copyFileSync(process.execPath, outfile);
  chmodSync(outfile, 0o755);
  const injectArgs = [outfile, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', FUSE, ...(process.platform === 'darwin' ? ['--macho-segment-name', 'NODE_SEA'] : [])];
  if (process.platform === 'darwin') execFileSync('codesign', ['--remove-signature', outfile], { stdio: 'inherit' });
  execFileSync('npx', ['--yes', POSTJECT, ...injectArgs], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (process.platform === 'darwin') execFileSync('codesign', ['--sign', '-', outfile], { stdio: 'inherit' });
  const version = execFileSync(outfile, ['--version'], { encoding: 'utf8' }).trim();
  console.log(
    `sea: ${path.relative(root, outfile)} ${(statSync(outfile).size / 1048576).toFixed(0)} MB, Node ${process.version} inside, --version → ${version}`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
