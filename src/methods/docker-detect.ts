import { access } from 'node:fs/promises';
import { delimiter, join, posix } from 'node:path';
import { AdminError, ExitCode } from '../core/errors.js';
import { parseVersion } from '../core/version.js';
import { readOnly } from '../system/probe.js';
import { classifyImage, splitImageRef, synapseRepoOf, VERSION_LABEL } from './docker-image.js';
import { asideName, forConfig, withAsideRoles } from './docker-aside.js';
import { composeBuildOf, containerCommandLines } from './docker-recognize.js';
import { recreateArgs, recreateCommand, type ContainerInspect, type ImageInspect } from './docker-run-args.js';
import type { ComposeInfo, Confidence, DockerInstall, DockerMount, Install } from './types.js';

export { VERSION_LABEL };

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

/** `docker.io/matrixdotorg/synapse:v1.47.0@sha256:…` → repo `matrixdotorg/synapse`, tag `v1.47.0`. */
export function parseImageRef(image: string): { repo: string; tag: string | undefined; written: string } {
  const { tag, written } = splitImageRef(image);
  const repo = written.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '');
  return { repo, tag, written };
}

/** The image's name is one Synapse is published under (any registry or mirror in front). */
export const isSynapseImage = (image: string): boolean => synapseRepoOf(image) !== undefined;

/** Docker's own words when the daemon cannot be reached, with what to do about it. */
export function daemonProblem(stderr: string): AdminError {
  const line =
    stderr
      .trim()
      .split('\n')
      .find((l) => /daemon|socket|connect|permission/i.test(l)) ??
    stderr.trim().split('\n').at(-1) ??
    'no answer';
  const permission = /permission denied/i.test(line);
  return new AdminError(`The Docker daemon is not reachable: ${line}`, {
    exitCode: ExitCode.usage,
    serverState: 'nothing was changed',
    nextStep: permission
      ? 'Run synapse-upgrade as root or as a member of the docker group (sudo usermod -aG docker $USER, then log in again).'
      : 'Start Docker (systemctl start docker), or point DOCKER_HOST at the right socket, then run synapse-upgrade again.',
  });
}

export { recreateArgs, recreateCommand, type ContainerInspect, type ImageInspect } from './docker-run-args.js';

/** A path inside the container as seen on this host, through the container's mounts; undefined when not mounted. */
export function hostPath(mounts: readonly DockerMount[], containerPath: string): string | undefined {
  const sorted = [...mounts].sort((a, b) => b.destination.length - a.destination.length);
  for (const m of sorted) {
    const dest = m.destination.replace(/\/$/, '');
    if (containerPath === dest || containerPath.startsWith(`${dest}/`)) return join(m.source, posix.relative(dest, containerPath));
  }
  return undefined;
}

/** The host side of a listener URL, through the container's published ports. */
export function publishedUrl(container: Pick<ContainerInspect, 'HostConfig'>, url: string): string {
  const parsed = new URL(url);
  const bindings = container.HostConfig?.PortBindings?.[`${parsed.port || (parsed.protocol === 'https:' ? 443 : 80)}/tcp`];
  const binding = bindings?.[0];
  if (!binding?.HostPort) return url;
  const host =
    binding.HostIp && binding.HostIp !== '0.0.0.0' && binding.HostIp !== '::'
      ? binding.HostIp.includes(':')
        ? `[${binding.HostIp}]`
        : binding.HostIp
      : '127.0.0.1';
  return `${parsed.protocol}//${host}:${binding.HostPort}`;
}

/** A listener URL as this host reaches it (Docker: through the published ports). */
export function visibleUrl(install: Install, url: string): string {
  return install.method === 'docker' ? publishedUrl({ HostConfig: { PortBindings: install.ports } }, url) : url;
}

/** Where the wizard can see a path of the install (Docker: through the mounts). */
export function visiblePath(install: Install, path: string | undefined): string | undefined {
  if (!path || install.method !== 'docker') return path;
  return hostPath(install.mounts, path);
}

export const dockerOnPath = async (env: NodeJS.ProcessEnv): Promise<boolean> => {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) if (await exists(join(dir, 'docker'))) return true;
  return false;
};

const dockerJson = async <T>(argv: string[], env: NodeJS.ProcessEnv): Promise<T | undefined> => {
  const result = await readOnly(['docker', ...argv], { timeoutMs: 60_000, env });
  if (result.exitCode !== 0) return undefined;
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    return undefined;
  }
};

/** Synapse's version in a running container (for images without the version label, before v1.90). */
async function versionInside(container: string, env: NodeJS.ProcessEnv): Promise<{ version?: string; python?: string; sqlite?: string }> {
  const script =
    'import json,sqlite3,sys\ntry:\n    import synapse; v=synapse.__version__\nexcept Exception:\n    v=None\nprint(json.dumps({"version": v, "python": "%d.%d.%d" % sys.version_info[:3], "sqlite": sqlite3.sqlite_version}))';
  const result = await readOnly(['docker', 'exec', container, 'python', '-c', script], { timeoutMs: 60_000, env });
  if (result.exitCode !== 0) return {};
  try {
    const data = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as { version?: string | null; python?: string; sqlite?: string };
    return {
      ...(data.version ? { version: data.version } : {}),
      ...(data.python ? { python: data.python } : {}),
      ...(data.sqlite ? { sqlite: data.sqlite } : {}),
    };
  } catch {
    return {};
  }
}

export interface DockerDetectInputs {
  env?: NodeJS.ProcessEnv;
  configPaths?: string[];
  /** Fail with the daemon's words instead of noting it (when --method docker was asked for). */
  required?: boolean;
  /** `--container NAME`: only this container, taken for Synapse on the admin's word. */
  container?: string;
  /** Where a container's PID 1 is looked up when the engine cannot list its processes. */
  procRoot?: string;
}

function composeOf(labels: Record<string, string>): ComposeInfo | undefined {
  if (!labels['com.docker.compose.project'] || !labels['com.docker.compose.service']) return undefined;
  const version = labels['com.docker.compose.version'];
  return {
    project: labels['com.docker.compose.project'],
    service: labels['com.docker.compose.service'],
    workingDir: labels['com.docker.compose.project.working_dir'],
    files: (labels['com.docker.compose.project.config_files'] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    ...(version && /^1\./.test(version) ? { v1: true } : {}),
  };
}

/** The containers to look at: every one (`docker ps -a`), or the one named with --container. */
async function containersToInspect(
  inputs: DockerDetectInputs,
  env: NodeJS.ProcessEnv,
  looked: string[],
): Promise<{ containers: ContainerInspect[]; names: Set<string> }> {
  const ps = await readOnly(['docker', 'ps', '-a', '--no-trunc', '--format', '{{.ID}} {{.Names}}'], { timeoutMs: 60_000, env });
  if (ps.exitCode !== 0) {
    const problem = daemonProblem(ps.stderr);
    looked.push(`Docker containers (${problem.message.replace(/\.$/, '')})`);
    if (inputs.required) throw problem;
    return { containers: [], names: new Set() };
  }
  const rows = ps.stdout
    .split('\n')
    .map((s) => s.trim().split(/\s+/))
    .filter((r) => r[0]);
  const names = new Set(rows.map((r) => r[1] ?? '').filter(Boolean));
  if (inputs.container) {
    // NAME itself, or (NAME missing) the containers an interrupted upgrade set aside as NAME-synapse-<version>.
    const aside = names.has(inputs.container) ? [] : [...names].filter((n) => asideName(n)?.container === inputs.container);
    const named = await dockerJson<ContainerInspect[]>(['container', 'inspect', ...(aside.length ? aside : [inputs.container])], env);
    if (!named?.[0]) {
      const names = rows.map((r) => r[1]).filter(Boolean);
      throw new AdminError(`--container ${inputs.container} was given, but the Docker engine has no such container.`, {
        exitCode: ExitCode.usage,
        code: 'no-install',
        serverState: 'nothing was changed',
        nextStep: names.length
          ? `Containers there: ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', ...' : ''}. Give one of them.`
          : 'docker ps -a lists no container at all; check DOCKER_HOST.',
      });
    }
    looked.push(`the container ${inputs.container} (--container)`);
    return { containers: named, names };
  }
  looked.push(`Docker containers (${rows.length}): Synapse recognised by its image name, the image's OCI labels or the homeserver process`);
  if (!rows.length) return { containers: [], names };
  return { containers: (await dockerJson<ContainerInspect[]>(['container', 'inspect', ...rows.map((r) => r[0] as string)], env)) ?? [], names };
}

/**
 * Synapse containers: every container (or the one --container names) whose image is Synapse's under
 * any registry or mirror, carries Synapse's OCI labels, or runs the homeserver. Running containers
 * first; the version from the image label, else from inside the container, else from the tag.
 */
export async function detectDockerInstalls(inputs: DockerDetectInputs, looked: string[] = []): Promise<DockerInstall[]> {
  const env = inputs.env ?? process.env;
  if (!(await dockerOnPath(env))) {
    looked.push('Docker containers (no docker command on PATH)');
    if (inputs.required || inputs.container)
      throw new AdminError(`${inputs.container ? '--container' : '--method docker'} was given, but there is no docker command on PATH.`, {
        exitCode: ExitCode.usage,
        serverState: 'nothing was changed',
      });
    return [];
  }
  const { containers, names } = await containersToInspect(inputs, env, looked);
  const found: DockerInstall[] = [];
  for (const c of containers) {
    const name = c.Name.replace(/^\//, '');
    const running = c.State?.Running === true;
    const image = (await dockerJson<ImageInspect[]>(['image', 'inspect', c.Image], env))?.[0];
    const labels = c.Config.Labels ?? {};
    const compose = composeOf(labels);
    const imageLabels = image?.Config?.Labels ?? c.Config.Labels;
    const byName = isSynapseImage(c.Config.Image);
    const byLabel = classifyImage({ image: c.Config.Image, labels: imageLabels, commandLines: [], composeBuild: false, named: false }).kind !== 'not-synapse';
    // The process is asked only when nothing else tells (one call per such container).
    const commandLines = running && !byName && !byLabel ? await containerCommandLines(name, c.State?.Pid, env, inputs.procRoot) : [];
    const build = compose ? await composeBuildOf(compose.files, compose.service, compose.workingDir) : undefined;
    const kind = classifyImage({ image: c.Config.Image, labels: imageLabels, commandLines, composeBuild: Boolean(build), named: Boolean(inputs.container) });
    if (kind.kind === 'not-synapse') continue;
    const ref = parseImageRef(c.Config.Image);
    const evidence = [`container ${name} (${running ? 'running' : (c.State?.Status ?? 'stopped')}) from the image ${c.Config.Image}`, ...kind.evidence];
    const label = image?.Config?.Labels?.[VERSION_LABEL];
    const inside = running ? await versionInside(name, env) : {};
    let version = label ? parseVersion(label)?.text : undefined;
    if (version) evidence.push(`image label ${VERSION_LABEL}=${label}`);
    else if (inside.version) {
      version = parseVersion(inside.version)?.text;
      evidence.push(`synapse.__version__ inside the container is ${inside.version}`);
    } else if (ref.tag && parseVersion(ref.tag)) {
      version = parseVersion(ref.tag)?.text;
      evidence.push(`the image tag ${ref.tag} (no version label${running ? ', no python answering inside' : ', container not running'})`);
    }
    if (!version) {
      looked.push(`container ${name} (its Synapse version could not be read)`);
      continue;
    }
    const mounts: DockerMount[] = (c.Mounts ?? []).map((m) => ({ source: m.Source, destination: m.Destination, type: m.Type, name: m.Name, rw: m.RW }));
    const envMap = Object.fromEntries((c.Config.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
    const containerConfig = envMap.SYNAPSE_CONFIG_PATH ?? `${envMap.SYNAPSE_CONFIG_DIR ?? '/data'}/homeserver.yaml`;
    let configPaths = inputs.configPaths ?? [];
    if (!configPaths.length) {
      const onHost = hostPath(mounts, containerConfig);
      if (onHost && (await exists(onHost))) {
        configPaths = [onHost];
        evidence.push(`config ${containerConfig} in the container is ${onHost} on this host`);
      } else {
        evidence.push(`config ${containerConfig} in the container is not on a mount this host can read`);
      }
    }
    if (compose)
      evidence.push(
        `compose project ${compose.project}, service ${compose.service}${compose.files.length ? ` (${compose.files.join(', ')})` : ''}${compose.v1 ? ', made by docker-compose 1.x' : ''}`,
      );
    if (build) evidence.push(`the service is built from ${build.dockerfile}${build.from ? ` (line ${build.from.line}: ${build.from.text.trim()})` : ''}`);
    const confidence: Confidence = running ? 'high' : 'medium';
    found.push({
      method: 'docker',
      evidence,
      confidence,
      venv: undefined,
      python: undefined,
      container: name,
      containerId: c.Id,
      image: c.Config.Image,
      imageRepo: ref.written,
      mounts,
      ports: Object.fromEntries(Object.entries(c.HostConfig?.PortBindings ?? {}).map(([k, v]) => [k, v ?? []])),
      compose,
      ...(kind.kind === 'custom' ? { custom: { evidence: kind.evidence, ...(build ? { build } : {}) } } : {}),
      runArgs: recreateArgs(c, image),
      runCommand: recreateCommand(c, image),
      containerConfigPath: containerConfig,
      configPaths,
      installedVersion: version,
      extras: [],
      pythonVersion: inside.python,
      sqliteVersion: inside.sqlite,
      restart: { kind: 'docker', container: name, compose: Boolean(compose) },
      workers: [],
    });
  }
  return forConfig(withAsideRoles(found, names, looked), inputs.configPaths, looked, (d) => hostPath(d.mounts, d.containerConfigPath)).sort((a, b) =>
    a.confidence === b.confidence ? 0 : a.confidence === 'high' ? -1 : 1,
  );
}

/** Whether the container runs (the engine's word: a pid file inside a container means nothing on this host); undefined when the engine cannot say. */
export async function containerRunning(name: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean | undefined> {
  const c = await inspectContainer(name, env);
  return c ? c.State?.Running === true : undefined;
}

/** The inspect data of one container (to re-read its state or recreate it). */
export async function inspectContainer(name: string, env: NodeJS.ProcessEnv = process.env): Promise<ContainerInspect | undefined> {
  return (await dockerJson<ContainerInspect[]>(['container', 'inspect', name], env))?.[0];
}

export async function inspectImage(ref: string, env: NodeJS.ProcessEnv = process.env): Promise<ImageInspect | undefined> {
  return (await dockerJson<ImageInspect[]>(['image', 'inspect', ref], env))?.[0];
}

/**
 * The config values with the database file as this host sees it: a Docker container's SQLite
 * path (`/data/homeserver.db`) is mapped through its mounts; other installs are returned as they are.
 */
export function hostDatabaseValues(install: Install, values: Record<string, unknown>): Record<string, unknown> {
  if (install.method !== 'docker') return values;
  const db = values.database as { name?: unknown; args?: Record<string, unknown> } | undefined;
  const raw = db?.args?.database ?? values.database_path;
  if (typeof raw !== 'string' || (db?.name !== undefined && db.name !== 'sqlite3')) return values;
  const mapped = hostPath(install.mounts, raw);
  if (!mapped) return values;
  return db ? { ...values, database: { ...db, args: { ...db.args, database: mapped } } } : { ...values, database_path: mapped };
}

/** A Python on this host for read-only helper work (SQLite reads) when the install has none of its own. */
export const helperPython = (install: Install): string | undefined => install.python ?? (install.method === 'docker' ? 'python3' : undefined);
