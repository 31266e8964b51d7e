/** What `docker inspect` says about a container and its image, and the `docker run` arguments that recreate it. */

export interface ContainerInspect {
  Id: string;
  Name: string;
  Image: string;
  Config: {
    Image: string;
    Env?: string[] | null;
    Labels?: Record<string, string> | null;
    Cmd?: string[] | null;
    Entrypoint?: string[] | null;
    User?: string;
  };
  HostConfig?: {
    Binds?: string[] | null;
    PortBindings?: Record<string, { HostIp?: string; HostPort?: string }[] | null> | null;
    NetworkMode?: string;
    RestartPolicy?: { Name?: string; MaximumRetryCount?: number };
    Mounts?: { Type?: string; Source?: string; Target?: string; ReadOnly?: boolean }[] | null;
    ExtraHosts?: string[] | null;
  };
  Mounts?: { Type: string; Source: string; Destination: string; RW: boolean; Name?: string }[];
  State?: { Running?: boolean; Status?: string; Pid?: number };
}

export interface ImageInspect {
  Id?: string;
  RepoTags?: string[];
  Config?: { Env?: string[] | null; Labels?: Record<string, string> | null; Cmd?: string[] | null; Entrypoint?: string[] | null; User?: string };
}

const sameList = (a: readonly string[] | null | undefined, b: readonly string[] | null | undefined): boolean =>
  JSON.stringify(a ?? []) === JSON.stringify(b ?? []);

/**
 * Variables the engine puts in every container, not the admin: HOSTNAME (the old container's id, wrong for
 * the new one), Podman's `container=podman` and its defaults HOME=/root and TERM=xterm when the image sets none.
 */
function engineEnv(entry: string, image: ImageInspect | undefined): boolean {
  const key = entry.slice(0, entry.indexOf('='));
  const imageSets = (image?.Config?.Env ?? []).some((e) => e.startsWith(`${key}=`));
  return key === 'HOSTNAME' || entry === 'container=podman' || (!imageSets && (entry === 'HOME=/root' || entry === 'TERM=xterm'));
}

/** `docker run` arguments (without `--name` and the image) that recreate the container as it was created. */
export function recreateArgs(container: ContainerInspect, image: ImageInspect | undefined): string[] {
  const args: string[] = [];
  const imageEnv = new Set(image?.Config?.Env ?? []);
  for (const e of container.Config.Env ?? []) if (!imageEnv.has(e) && !engineEnv(e, image)) args.push('-e', e);
  const binds = container.HostConfig?.Binds ?? [];
  for (const b of binds) args.push('-v', b);
  for (const m of container.Mounts ?? []) {
    if (
      m.Type === 'volume' &&
      m.Name &&
      !binds.some((b) => b.split(':')[1] === m.Destination) &&
      !(container.HostConfig?.Mounts ?? []).some((x) => x.Target === m.Destination)
    ) {
      args.push('-v', `${m.Name}:${m.Destination}${m.RW ? '' : ':ro'}`);
    }
  }
  for (const m of container.HostConfig?.Mounts ?? []) {
    args.push(
      '--mount',
      [`type=${m.Type ?? 'volume'}`, ...(m.Source ? [`source=${m.Source}`] : []), `target=${m.Target ?? ''}`, ...(m.ReadOnly ? ['readonly'] : [])].join(','),
    );
  }
  for (const [port, bindings] of Object.entries(container.HostConfig?.PortBindings ?? {})) {
    const [number, proto = 'tcp'] = port.split('/');
    for (const b of bindings ?? []) {
      const host = b.HostIp ? `${b.HostIp.includes(':') ? `[${b.HostIp}]` : b.HostIp}:` : '';
      args.push('-p', `${host}${b.HostPort ?? ''}:${number}${proto === 'tcp' ? '' : `/${proto}`}`);
    }
  }
  const network = container.HostConfig?.NetworkMode;
  if (network && network !== 'default' && network !== 'bridge') args.push('--network', network);
  const restart = container.HostConfig?.RestartPolicy;
  if (restart?.Name && restart.Name !== 'no')
    args.push('--restart', restart.Name === 'on-failure' && restart.MaximumRetryCount ? `on-failure:${restart.MaximumRetryCount}` : restart.Name);
  for (const h of container.HostConfig?.ExtraHosts ?? []) args.push('--add-host', h);
  const imageLabels = image?.Config?.Labels ?? {};
  for (const [k, v] of Object.entries(container.Config.Labels ?? {})) if (imageLabels[k] !== v) args.push('--label', `${k}=${v}`);
  if (container.Config.User && container.Config.User !== (image?.Config?.User ?? '')) args.push('--user', container.Config.User);
  const entrypointChanged = !sameList(container.Config.Entrypoint, image?.Config?.Entrypoint);
  if (entrypointChanged && container.Config.Entrypoint?.[0]) args.push('--entrypoint', container.Config.Entrypoint[0]);
  return args;
}

/** The command arguments after the image, when the container overrides the image's CMD (or its entrypoint's extra words). */
export function recreateCommand(container: ContainerInspect, image: ImageInspect | undefined): string[] {
  const entry = container.Config.Entrypoint ?? [];
  const extraEntry = !sameList(entry, image?.Config?.Entrypoint) ? entry.slice(1) : [];
  const cmd = !sameList(container.Config.Cmd, image?.Config?.Cmd) || extraEntry.length ? (container.Config.Cmd ?? []) : [];
  return [...extraEntry, ...cmd];
}
