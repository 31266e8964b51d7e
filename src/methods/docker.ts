import { mkdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { isMap, isScalar, parseDocument } from 'yaml';
import { AdminError, ExitCode } from '../core/errors.js';
import { parseVersion, sortNewestFirst } from '../core/version.js';
import type { CommandSpec } from '../system/command.js';
import { writeFileAtomic } from '../system/atomic-write.js';
import { readOnly } from '../system/probe.js';
import { daemonProblem, inspectContainer, inspectImage, parseImageRef, VERSION_LABEL } from './docker-detect.js';
import { dockerViewMembers } from './docker-view.js';
import { customImageError, customImageRepo } from './docker-custom.js';
import { listRegistryTags, registryImageConfig } from './docker-registry.js';
import { composeCommand, dockerRecreate, dockerRollback, previousName } from './restart/docker.js';
import type { DockerInstall, Install, InstallMethod, MethodPlan, PlanContext } from './types.js';

const asDocker = (install: Install): DockerInstall => {
  if (install.method !== 'docker') throw new Error(`docker method used for a ${install.method} install`);
  return install;
};

export const targetImage = (install: Pick<DockerInstall, 'imageRepo'>, target: string): string =>
  `${install.imageRepo}:v${parseVersion(target)?.text ?? target}`;

export { listRegistryTags, registryFor } from './docker-registry.js';

/** Release versions among image tags (`v1.47.0`, `v1.47.0rc1`); `latest`, `develop`, `sha-…` are not releases. */
export function versionsFromImageTags(tags: readonly string[], pre: boolean): string[] {
  return sortNewestFirst(
    tags
      .filter((t) => /^v\d+\.\d+\.\d+(rc\d+)?$/.test(t))
      .map((t) => parseVersion(t))
      .filter((v) => v && (pre || !v.prerelease))
      .map((v) => v!.text),
  );
}

export interface ComposeEdit {
  file: string;
  before: string;
  after: string;
  diff: string[];
}

/** The compose file text with the service's image moved to `newImage`: only that value changes, the rest stays byte for byte. */
export function editComposeImage(file: string, text: string, service: string, newImage: string): ComposeEdit | undefined {
  const doc = parseDocument(text, { keepSourceTokens: true });
  const services = doc.get('services', true);
  if (!isMap(services)) return undefined;
  const svc = services.get(service, true);
  if (!isMap(svc)) return undefined;
  const node = svc.get('image', true);
  if (!isScalar(node) || !node.range) return undefined;
  const old = String(node.value);
  if (/\$\{?\w/.test(old)) {
    throw new AdminError(`The compose file ${file} takes the image of ${service} from a variable (${old}), so the wizard cannot pin it.`, {
      exitCode: ExitCode.usage,
      serverState: 'nothing was changed',
      nextStep: `Set that variable to ${newImage} (e.g. in the .env file next to ${file}), then run synapse-upgrade again.`,
    });
  }
  if (old === newImage) return undefined;
  const [start, end] = node.range;
  const quote = node.type === 'QUOTE_DOUBLE' ? '"' : node.type === 'QUOTE_SINGLE' ? "'" : '';
  const after = `${text.slice(0, start)}${quote}${newImage}${quote}${text.slice(end)}`;
  const lineNo = text.slice(0, start).split('\n').length;
  const beforeLine = text.split('\n')[lineNo - 1] ?? '';
  const afterLine = after.split('\n')[lineNo - 1] ?? '';
  return { file, before: text, after, diff: [`--- ${file}`, `+++ ${file} (proposed)`, `@@ line ${lineNo} @@`, `-${beforeLine}`, `+${afterLine}`] };
}

async function daemonReachable(env: NodeJS.ProcessEnv): Promise<string> {
  const result = await readOnly(['docker', 'version', '--format', '{{.Server.Version}}'], { timeoutMs: 60_000, env });
  if (result.exitCode !== 0 || !result.stdout.trim()) throw daemonProblem(result.stderr || 'no server version');
  return result.stdout.trim();
}

export const dockerMethod: InstallMethod = {
  name: 'docker',

  ...dockerViewMembers,

  async availableVersions(install, { pre }) {
    const d = asDocker(install);
    // A custom image is rebuilt on a newer Synapse image: the versions are that image's tags.
    const repo = d.custom ? customImageRepo(d) : d.imageRepo;
    let tags: string[] = [];
    let problem: string | undefined;
    try {
      tags = await listRegistryTags(repo);
    } catch (error) {
      problem = (error as Error).message;
    }
    // Images already pulled count too (an offline host, or a private mirror).
    const local = await readOnly(['docker', 'image', 'ls', '--format', '{{.Tag}}', repo], { timeoutMs: 60_000 });
    if (local.exitCode === 0) tags.push(...local.stdout.split('\n').map((s) => s.trim()));
    const versions = versionsFromImageTags(tags, pre);
    if (!versions.length) {
      if (d.custom) throw customImageError(d, undefined);
      throw new AdminError(`No release tags of ${repo} could be listed${problem ? `: ${problem}` : ''}.`, {
        serverState: 'nothing was changed',
        nextStep: `Check the network, or pull the image you want first (docker pull ${repo}:vX.Y.Z) and pass --target X.Y.Z.`,
      });
    }
    return versions;
  },

  async installedVersion(install) {
    const d = asDocker(install);
    // Before the new container is created, a container set aside by an interrupted upgrade still holds the install.
    const container = (await inspectContainer(d.container)) ?? (d.setAside ? await inspectContainer(d.setAside) : undefined);
    if (!container) throw new AdminError(`The container ${d.container} is gone.`);
    const image = await inspectImage(container.Image);
    const label = image?.Config?.Labels?.[VERSION_LABEL];
    return parseVersion(label ?? parseImageRef(container.Config.Image).tag ?? '')?.text ?? d.installedVersion;
  },

  async versionAfterInstall(install, target) {
    const d = asDocker(install);
    const ref = targetImage(d, target);
    const image = await inspectImage(ref);
    if (!image)
      throw new AdminError(`After the pull, the image ${ref} is not there.`, {
        serverState: `nothing was restarted; Synapse ${d.installedVersion} keeps serving`,
      });
    const label = image.Config?.Labels?.[VERSION_LABEL];
    if (label) return parseVersion(label)?.text ?? label;
    // Images before v1.90 carry no version label: ask the image itself, in a throw-away container.
    const inside = await readOnly(['docker', 'run', '--rm', '--entrypoint', 'python', ref, '-c', 'import synapse; print(synapse.__version__)'], {
      timeoutMs: 120_000,
    });
    const version = parseVersion(inside.stdout.trim().split('\n').at(-1) ?? '');
    if (inside.exitCode !== 0 || !version)
      throw new AdminError(
        `The pulled image ${ref} has no version label and its Synapse version could not be read: ${inside.stderr.trim().split('\n').at(-1) ?? ''}`,
        { serverState: `nothing was restarted; Synapse ${d.installedVersion} keeps serving` },
      );
    return version.text;
  },

  installCommand(install, target) {
    const d = asDocker(install);
    const ref = targetImage(d, target);
    if (d.compose) return composeCommand(d.compose, ['pull', d.compose.service], `Pull ${ref} for the compose service ${d.compose.service}`);
    return { argv: ['docker', 'pull', ref], title: `Pull ${ref}` };
  },

  restartCommand(install) {
    const d = asDocker(install);
    return dockerRecreate(d, d.image).at(-1) as CommandSpec;
  },

  configCheckCommand(install: Install): CommandSpec {
    const d = asDocker(install);
    const image = d.pendingImage ?? d.image;
    // The container's own mounts (-v / --mount), so the config is read where Synapse reads it.
    const mounts: string[] = [];
    for (let i = 0; i < d.runArgs.length; i++) {
      const arg = d.runArgs[i] as string;
      if ((arg === '-v' || arg === '--mount') && d.runArgs[i + 1]) mounts.push(arg, d.runArgs[i + 1] as string);
    }
    return {
      argv: ['docker', 'run', '--rm', '--entrypoint', 'python', ...mounts, image, '-m', 'synapse.config', '-c', d.containerConfigPath],
      title: `Check the config with ${image} (a throw-away container; changes nothing)`,
    };
  },

  stopCommand(install: Install): CommandSpec {
    const d = asDocker(install);
    if (d.compose) return composeCommand(d.compose, ['stop', d.compose.service], `Stop the compose service ${d.compose.service}`);
    return { argv: ['docker', 'stop', d.container], title: `Stop the container ${d.container}` };
  },

  async rollbackCommands(install, back, sessionDir) {
    const d = asDocker(install);
    const ref = targetImage(d, back);
    if (d.compose) {
      const install_: CommandSpec[] = [];
      for (const file of d.compose.files) {
        const text = await readFile(file, 'utf8').catch(() => undefined);
        const edit = text === undefined ? undefined : editComposeImage(file, text, d.compose.service, ref);
        if (!edit) continue;
        const dir = join(sessionDir, 'compose');
        await mkdir(dir, { recursive: true });
        const proposed = join(dir, `${basename(file)}.rollback-v${back}`);
        await writeFileAtomic(proposed, edit.after);
        install_.push({ argv: ['cp', proposed, file], title: `Pin ${d.compose.service} back to ${ref} in ${file}` });
        break;
      }
      install_.push(composeCommand(d.compose, ['pull', d.compose.service], `Pull ${ref}`));
      return {
        install: install_,
        restart: composeCommand(d.compose, ['up', '-d', '--no-deps', d.compose.service], `Recreate ${d.compose.service} with ${ref}`),
      };
    }
    const kept = previousName(d, parseVersion(back)?.text ?? back);
    const aside = `${d.container}-failed-${new Date()
      .toISOString()
      .replace(/[^0-9]/g, '')
      .slice(0, 14)}`;
    if ((await inspectContainer(kept)) && !(await inspectContainer(d.container))) {
      // Stopped between setting it aside and creating the new one: only the name goes back.
      return {
        install: [{ argv: ['docker', 'rename', kept, d.container], title: `Bring back the kept container ${kept} as ${d.container}` }],
        restart: { argv: ['docker', 'start', d.container], title: `Start ${d.container} (${back})` },
      };
    }
    if (await inspectContainer(kept)) {
      return {
        install: [
          { argv: ['docker', 'stop', d.container], title: `Stop ${d.container}` },
          { argv: ['docker', 'rename', d.container, aside], title: `Set the failed container aside as ${aside}` },
          { argv: ['docker', 'rename', kept, d.container], title: `Bring back the kept container ${kept}` },
        ],
        restart: { argv: ['docker', 'start', d.container], title: `Start ${d.container} (${back})` },
      };
    }
    return {
      install: [
        { argv: ['docker', 'pull', ref], title: `Pull ${ref}` },
        { argv: ['docker', 'stop', d.container], title: `Stop ${d.container}` },
        { argv: ['docker', 'rename', d.container, aside], title: `Set the failed container aside as ${aside}` },
      ],
      restart: { argv: ['docker', 'run', '-d', '--name', d.container, ...d.runArgs, ref, ...d.runCommand], title: `Recreate ${d.container} from ${ref}` },
    };
  },

  async targetPython(install, target, env) {
    const d = asDocker(install);
    const ref = targetImage(d.custom ? { imageRepo: customImageRepo(d) } : d, target);
    let config = (await inspectImage(ref, env))?.Config;
    let where = `the image ${ref} (already pulled)`;
    if (!config) {
      config = (await registryImageConfig(ref, env).catch(() => undefined)) ?? undefined;
      where = `the image ${ref} in its registry`;
    }
    const python = config?.Env?.find((e) => e.startsWith('PYTHON_VERSION='))?.slice('PYTHON_VERSION='.length);
    if (python && /^\d+\.\d+(\.\d+)?$/.test(python)) return { python, source: `PYTHON_VERSION of ${where}` };
    return {
      why: `the container brings its own Python with the image ${ref}, whose config does not say which version (the new image's own config check runs it before the switch)`,
    };
  },

  async plan(install, target, ctx: PlanContext): Promise<MethodPlan> {
    const d = asDocker(install);
    if (d.custom) throw customImageError(d, target);
    const server = await daemonReachable(ctx.env);
    const ref = targetImage(d, target);
    d.pendingImage = ref;
    const checks = [`the Docker daemon answers (server ${server})`];
    const before: CommandSpec[] = [];
    const details: string[] = [];
    const summary: string[] = [];
    const rollback: string[] = [];
    if (d.compose) {
      const files = d.compose.files;
      if (!files.length)
        throw new AdminError(`The container ${d.container} belongs to the compose project ${d.compose.project}, but its labels name no compose file.`, {
          exitCode: ExitCode.usage,
          serverState: 'nothing was changed',
          nextStep: 'Upgrade it with docker compose by hand, or recreate it with its compose file.',
        });
      let edit: ComposeEdit | undefined;
      for (const file of files) {
        const text = await readFile(file, 'utf8').catch(() => {
          throw new AdminError(`The compose file ${file} (from the container's labels) cannot be read.`, {
            exitCode: ExitCode.usage,
            serverState: 'nothing was changed',
          });
        });
        edit = editComposeImage(file, text, d.compose.service, ref) ?? edit;
        if (edit?.file === file) break;
      }
      if (edit) {
        const dir = join(ctx.sessionDir, 'compose');
        await mkdir(dir, { recursive: true });
        const kept = join(dir, `${basename(edit.file)}.before-v${target}`);
        const proposed = join(dir, `${basename(edit.file)}.proposed-v${target}`);
        await writeFileAtomic(proposed, edit.after);
        details.push('The compose file changes like this (a copy of it is kept first):', ...edit.diff);
        for (const line of edit.diff) ctx.emit({ type: 'message', level: 'info', text: line });
        before.push({ argv: ['cp', '-p', edit.file, kept], title: `Keep a copy of ${edit.file}` });
        before.push({ argv: ['cp', proposed, edit.file], title: `Pin ${d.compose.service} to ${ref} in ${edit.file}` });
        rollback.push(`cp ${kept} ${edit.file}`);
        summary.push(`The compose file ${edit.file} now pins ${ref}; the previous one is kept at ${kept}.`);
        checks.push(`compose service ${d.compose.service} pins ${d.image} in ${edit.file}`);
      } else {
        checks.push(`compose service ${d.compose.service} already names ${ref}`);
      }
      const install_ = [composeCommand(d.compose, ['pull', d.compose.service], `Pull ${ref} for the compose service ${d.compose.service}`)];
      const restart = dockerRecreate(d, ref);
      rollback.push(composeCommand(d.compose, ['up', '-d', '--no-deps', d.compose.service], '').argv.join(' '));
      return { before, install: install_, restart, checks, details, rollback, summary };
    }
    details.push(`The container is recreated with: docker run -d --name ${d.container} ${[...d.runArgs, ref, ...d.runCommand].join(' ')}`);
    // The kept container is named after the version the upgrade started from (a resumed one's may be installed already).
    const kept = d.setAside ?? previousName(d, ctx.from);
    summary.push(`The previous container is kept, stopped, as ${kept}: remove it (docker rm ${kept}) once you are satisfied.`);
    rollback.push(...dockerRollback(d, kept));
    return {
      before,
      install: [{ argv: ['docker', 'pull', ref], title: `Pull ${ref}` }],
      restart: dockerRecreate(d, ref, ctx.from),
      checks,
      details,
      rollback,
      summary,
    };
  },
};
