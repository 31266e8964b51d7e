import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { embeddedFiles } from '../system/embedded.js';

const MARKER = '.standin-wheelhouse';

/** The folder holding package.json, found by walking up from this module (src/demo or dist/demo). */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('standin: no package.json above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/** `test/fixtures/standin-synapse`: the stand-in Synapse's Python sources and wheel builder. */
export function standinSourceDir(): string {
  return path.join(packageRoot(), 'test', 'fixtures', 'standin-synapse');
}

function sourceFiles(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (entry.name !== '__pycache__') out.push(...sourceFiles(dir, child));
    } else if (entry.isFile() && !entry.name.endsWith('.pyc')) {
      out.push(child);
    }
  }
  return out.sort();
}

/** A short hash of the fixture sources: the wheelhouse cache key. */
export function standinSourceHash(dir = standinSourceDir()): string {
  return hashFiles(sourceFiles(dir).map((file) => [file, readFileSync(path.join(dir, file))]));
}

function hashFiles(files: [string, string | Buffer][]): string {
  const hash = createHash('sha256');
  for (const [file, content] of files) {
    hash.update(file + '\0');
    hash.update(content);
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * The stand-in sources to build from, with their hash. The single-file bundle carries them embedded
 * (no test/fixtures next to it): they are written once to a folder under os.tmpdir() named by the hash.
 */
async function standinSources(): Promise<{ dir: string; hash: string }> {
  const embedded = embeddedFiles().standin;
  if (!embedded) {
    const dir = standinSourceDir();
    return { dir, hash: standinSourceHash(dir) };
  }
  const files = Object.keys(embedded)
    .sort()
    .map((file): [string, string] => [file, embedded[file] as string]);
  const hash = hashFiles(files);
  const dir = path.join(os.tmpdir(), `synapse-upgrade-standin-src-${hash}`);
  if (await isComplete(dir, hash)) return { dir, hash };
  for (const [file, content] of files) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), content);
  }
  await writeFile(path.join(dir, MARKER), hash + '\n');
  return { dir, hash };
}

async function isComplete(dir: string, hash: string): Promise<boolean> {
  const marker = await readFile(path.join(dir, MARKER), 'utf8').catch(() => '');
  return marker.trim() === hash;
}

async function runBuilder(python: string, outDir: string, hash: string, sourceDir: string): Promise<void> {
  const script = path.join(sourceDir, 'build_wheels.py');
  const result = await execa(python, [script, outDir], { reject: false, all: true });
  if (result.exitCode !== 0) {
    throw new Error(`standin: ${python} build_wheels.py failed (exit ${result.exitCode}):\n${result.all}`);
  }
  await writeFile(path.join(outDir, MARKER), hash + '\n');
}

/**
 * Builds the stand-in wheels (every version, plus the extras' tiny dependencies) with python3.
 * Without `outDir` they go to a cache folder under os.tmpdir() keyed by a hash of the fixture
 * sources, reused when already complete. Returns the folder (for `pip --find-links`).
 */
export async function buildWheelhouse(outDir?: string, python = 'python3'): Promise<string> {
  const { dir: sourceDir, hash } = await standinSources();
  if (outDir) {
    const dir = path.resolve(outDir);
    if (!(await isComplete(dir, hash))) {
      await mkdir(dir, { recursive: true });
      await runBuilder(python, dir, hash, sourceDir);
    }
    return dir;
  }
  const target = path.join(os.tmpdir(), `synapse-upgrade-standin-wheels-${hash}`);
  if (await isComplete(target, hash)) return target;
  const tmp = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await runBuilder(python, tmp, hash, sourceDir);
    if (existsSync(target) && !(await isComplete(target, hash))) await rm(target, { recursive: true, force: true });
    await rename(tmp, target);
  } catch (error) {
    if (!(await isComplete(target, hash))) throw error; // else another process won the race
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return target;
}
