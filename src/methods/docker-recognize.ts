import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { isMap, isScalar, parseDocument } from 'yaml';
import { capText, stripControls } from '../core/screen-text.js';
import { readOnly } from '../system/probe.js';
import { synapseFromLine, type FromLine } from './docker-image.js';

/** At most this much of a compose file or Dockerfile is read (they are a few KiB). */
const MAX_FILE = 1024 * 1024;

const readSmall = async (path: string): Promise<string | undefined> => {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : text.slice(0, MAX_FILE);
};

/**
 * What runs in a container, as command lines: `docker top` (the engine's view); where the engine
 * cannot answer it (Podman 4.3's Docker API), the container's PID 1 through `docker exec`, then
 * through this host's /proc. Outside text: control characters removed, lines capped.
 */
export async function containerCommandLines(name: string, hostPid: number | undefined, env: NodeJS.ProcessEnv, procRoot = '/proc'): Promise<string[]> {
  const clean = (lines: string[]): string[] =>
    lines
      .map((l) => capText(stripControls(l).trim(), 512))
      .filter(Boolean)
      .slice(0, 200);
  const top = await readOnly(['docker', 'top', name], { timeoutMs: 30_000, env });
  const rows = top.stdout
    .split('\n')
    .slice(1)
    .filter((l) => l.trim());
  if (top.exitCode === 0 && rows.length) return clean(rows);
  const exec = await readOnly(['docker', 'exec', name, 'cat', '/proc/1/cmdline'], { timeoutMs: 30_000, env });
  if (exec.exitCode === 0 && exec.stdout.trim()) return clean([exec.stdout.split('\0').join(' ')]);
  if (hostPid && hostPid > 0) {
    const own = await readFile(join(procRoot, String(hostPid), 'cmdline'), 'utf8').catch(() => '');
    if (own) return clean([own.split('\0').join(' ')]);
  }
  return [];
}

export interface ComposeBuild {
  /** The compose file that says `build:`. */
  file: string;
  /** The build context folder, as this host sees it. */
  context: string;
  /** The Dockerfile, as this host sees it. */
  dockerfile: string;
  /** Its line naming Synapse's image, when the Dockerfile could be read and has one. */
  from: FromLine | undefined;
}

/** The service's `build:` in its compose files (string or map form), with the Dockerfile's FROM line. */
export async function composeBuildOf(files: readonly string[], service: string, workingDir: string | undefined): Promise<ComposeBuild | undefined> {
  for (const file of files) {
    const text = await readSmall(file);
    if (text === undefined) continue;
    let doc;
    try {
      doc = parseDocument(text);
    } catch {
      continue;
    }
    const services = doc.get('services', true);
    const svc = isMap(services) ? services.get(service, true) : undefined;
    const build: unknown = isMap(svc) ? svc.get('build', true) : undefined;
    if (build === undefined || build === null) continue;
    const base = workingDir ?? resolve(file, '..');
    let context = '.';
    let dockerfile = 'Dockerfile';
    if (isScalar(build)) context = String(build.value);
    else if (isMap(build)) {
      const c = build.get('context');
      const d = build.get('dockerfile');
      if (typeof c === 'string') context = c;
      if (typeof d === 'string') dockerfile = d;
    } else continue;
    const contextDir = isAbsolute(context) ? context : resolve(base, context);
    const dockerfilePath = isAbsolute(dockerfile) ? dockerfile : resolve(contextDir, dockerfile);
    const dockerText = await readSmall(dockerfilePath);
    return { file, context: contextDir, dockerfile: dockerfilePath, from: dockerText === undefined ? undefined : synapseFromLine(dockerfilePath, dockerText) };
  }
  return undefined;
}
