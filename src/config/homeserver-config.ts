import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { usageError } from '../core/errors.js';
import { lineOf, readYamlFile, type PathSegment, type YamlFile } from './yaml-file.js';

export interface ConfigMatch {
  path: PathSegment[];
  value: unknown;
  file: string;
  line: number | undefined;
}

/**
 * The homeserver's configuration as Synapse sees it: every `-c` file and every `*.yaml`
 * in a `-c` directory (sorted), merged key by key at the top level, later files winning.
 */
export interface HomeserverConfig {
  /** The paths as given (files or directories). */
  paths: string[];
  files: YamlFile[];
  values: Record<string, unknown>;
  /** The file that supplies a top-level key after merging. */
  fileFor(topKey: string): YamlFile | undefined;
  get(dotted: string): unknown;
  /** Every value matching a dotted pattern; `*` matches any key or list index. */
  find(pattern: string): ConfigMatch[];
}

async function expandPath(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw usageError(`The config path ${path} does not exist.`, 'Point the wizard at homeserver.yaml with --config PATH.');
  }
  if (!info.isDirectory()) return [path];
  const names = (await readdir(path)).filter((name) => name.endsWith('.yaml')).sort();
  return names.map((name) => join(path, name));
}

export async function loadHomeserverConfig(paths: readonly string[]): Promise<HomeserverConfig> {
  if (paths.length === 0) throw usageError('No config file was given or found.', 'Pass --config PATH to homeserver.yaml.');
  const files: YamlFile[] = [];
  for (const path of paths) {
    for (const file of await expandPath(path)) files.push(await readYamlFile(file));
  }
  return mergeConfigFiles([...paths], files);
}

export function mergeConfigFiles(paths: string[], files: YamlFile[]): HomeserverConfig {
  const values: Record<string, unknown> = {};
  const owner = new Map<string, YamlFile>();
  for (const file of files) {
    if (file.value === null || typeof file.value !== 'object' || Array.isArray(file.value)) {
      throw usageError(`${file.path}:1:1: the config file must be a mapping of keys to values.`, 'Fix the file; nothing was changed.');
    }
    for (const [key, value] of Object.entries(file.value as Record<string, unknown>)) {
      values[key] = value;
      owner.set(key, file);
    }
  }
  return {
    paths,
    files,
    values,
    fileFor: (key) => owner.get(key),
    get: (dotted) => findMatches(values, dotted.split('.'))[0]?.value,
    find(pattern) {
      return findMatches(values, pattern.split('.')).map((match) => {
        const file = owner.get(String(match.path[0]));
        return { ...match, file: file?.path ?? paths[0] ?? '', line: file ? lineOf(file, match.path) : undefined };
      });
    },
  };
}

/** Pure pattern walk over plain data; used for any YAML value, not only homeserver.yaml. */
export function findMatches(root: unknown, pattern: readonly string[]): { path: PathSegment[]; value: unknown }[] {
  let frontier: { path: PathSegment[]; value: unknown }[] = [{ path: [], value: root }];
  for (const segment of pattern) {
    const next: typeof frontier = [];
    for (const { path, value } of frontier) {
      if (Array.isArray(value)) {
        value.forEach((item, index) => {
          if (segment === '*' || segment === String(index)) next.push({ path: [...path, index], value: item });
        });
      } else if (value !== null && typeof value === 'object') {
        for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
          if (segment === '*' || segment === key) next.push({ path: [...path, key], value: item });
        }
      }
    }
    frontier = next;
  }
  return frontier;
}
