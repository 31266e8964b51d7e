/**
 * What an image is, from what it carries rather than what it is called: Synapse's published image
 * under any registry or mirror, a custom image built on it, or no Synapse at all. Pure.
 */

/** The repositories Synapse's image is published under; a mirror or private registry may put any host or path before them. */
export const SYNAPSE_REPOS = ['matrixdotorg/synapse', 'element-hq/synapse', 'matrix-org/synapse'] as const;
export const VERSION_LABEL = 'org.opencontainers.image.version';

/** What the published images say about themselves (their Dockerfile's LABEL lines since v1.31). */
const SOURCE_LABEL = 'org.opencontainers.image.source';
const URL_LABEL = 'org.opencontainers.image.url';
const SYNAPSE_SOURCE = /^https:\/\/github\.com\/(element-hq|matrix-org)\/synapse(\.git)?\/?$/i;
const SYNAPSE_URL = /^https:\/\/(matrix\.org\/docs\/projects\/server\/synapse|github\.com\/(element-hq|matrix-org)\/synapse)\/?$/i;

export interface ImageRef {
  /** The registry host when the reference names one (`127.0.0.1:5000`, `registry.example.org`, `ghcr.io`). */
  host: string | undefined;
  /** The path inside the registry (`matrixdotorg/synapse`, `mirror/matrixdotorg/synapse`). */
  path: string;
  tag: string | undefined;
  digest: string | undefined;
  /** Host and path as written, without tag or digest: what a new tag is appended to. */
  written: string;
}

/** `127.0.0.1:5000/matrixdotorg/synapse:v1.46.0@sha256:…` → its registry host, path, tag and digest. */
export function splitImageRef(image: string): ImageRef {
  const at = image.indexOf('@');
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const noDigest = at >= 0 ? image.slice(0, at) : image;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  const tag = colon > slash ? noDigest.slice(colon + 1) : undefined;
  const written = colon > slash ? noDigest.slice(0, colon) : noDigest;
  const first = written.split('/')[0] ?? '';
  const hasHost = written.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  return { host: hasHost ? first : undefined, path: hasHost ? written.slice(first.length + 1) : written, tag, digest, written };
}

/** The Synapse repository an image path ends with (`mirror/matrixdotorg/synapse` → `matrixdotorg/synapse`), if any. */
export function synapseRepoOf(image: string): string | undefined {
  const { path } = splitImageRef(image);
  return SYNAPSE_REPOS.find((repo) => path === repo || path.endsWith(`/${repo}`));
}

/** The labels that show an image is Synapse's (inherited by images built FROM it); undefined when none does. */
export function synapseLabelEvidence(labels: Record<string, string> | null | undefined): string | undefined {
  const source = labels?.[SOURCE_LABEL];
  if (source && SYNAPSE_SOURCE.test(source)) return `image label ${SOURCE_LABEL}=${source}`;
  const url = labels?.[URL_LABEL];
  if (url && SYNAPSE_URL.test(url)) return `image label ${URL_LABEL}=${url}`;
  return undefined;
}

/** The homeserver (or a worker) among a container's command lines: `python -m synapse.app.homeserver …`. */
export function homeserverCommand(commandLines: readonly string[]): string | undefined {
  return commandLines.find((line) => /(^|[\s/])synapse\.app\.[a-z_]+(\s|$)/.test(line));
}

export interface FromLine {
  file: string;
  /** 1-based. */
  line: number;
  text: string;
  /** The image the line names (`matrixdotorg/synapse:v1.46.0`), build arguments left as written. */
  image: string;
}

/**
 * The `FROM` line of a Dockerfile that names Synapse's image (the last such stage wins: it is what the
 * final image is built on). Continuation lines and `--platform=` are understood; `AS name` is ignored.
 */
export function synapseFromLine(file: string, text: string): FromLine | undefined {
  let found: FromLine | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const m = /^\s*FROM\s+(.*)$/i.exec(raw);
    if (!m) continue;
    const words = (m[1] ?? '')
      .trim()
      .split(/\s+/)
      .filter((w) => !w.startsWith('--'));
    const image = words[0];
    if (image && (synapseRepoOf(image.replace(/\$\{?\w+\}?/g, 'x')) || /synapse/i.test(image))) found = { file, line: i + 1, text: raw.trimEnd(), image };
  }
  return found;
}

/** The FROM line as it should read for `target` (`FROM matrixdotorg/synapse:v1.47.0 AS base`). */
export function fromLineFor(from: FromLine, target: string): string {
  const ref = splitImageRef(from.image);
  return from.text.replace(from.image, `${ref.written}:v${target}`);
}

export type ImageKind =
  /** Synapse's own image, pulled from its registry or a mirror: upgraded by pulling the target's tag from the same place. */
  | 'published'
  /** An image built on Synapse's (modules baked in): pulling a tag would drop what was added; it must be rebuilt. */
  | 'custom'
  | 'not-synapse';

export interface ImageFacts {
  /** The reference the container was created from. */
  image: string;
  labels: Record<string, string> | null | undefined;
  /** The container's command lines (`docker top`, or its PID 1), when it runs. */
  commandLines: readonly string[];
  /** The compose service builds its image (`build:`). */
  composeBuild: boolean;
  /** The admin named this container (`--container`). */
  named: boolean;
}

/** Whether a container runs Synapse and from what kind of image, with the evidence for the admin. */
export function classifyImage(facts: ImageFacts): { kind: ImageKind; evidence: string[] } {
  const evidence: string[] = [];
  const repo = synapseRepoOf(facts.image);
  const label = synapseLabelEvidence(facts.labels);
  const command = homeserverCommand(facts.commandLines);
  if (repo)
    evidence.push(`the image ${facts.image} is ${repo}${splitImageRef(facts.image).host ? ` from the registry ${splitImageRef(facts.image).host}` : ''}`);
  if (label) evidence.push(label);
  if (command) evidence.push(`the container runs ${command.length > 120 ? `${command.slice(0, 117)}...` : command}`);
  if (facts.named) evidence.push('named with --container');
  if (!repo && !label && !command && !facts.named) return { kind: 'not-synapse', evidence };
  if (facts.composeBuild) {
    evidence.push('its compose service builds the image (build:)');
    return { kind: 'custom', evidence };
  }
  if (repo) return { kind: 'published', evidence };
  evidence.push(`the image name ${splitImageRef(facts.image).written} is not one Synapse is published under, so it is taken for an image built on Synapse's`);
  return { kind: 'custom', evidence };
}
