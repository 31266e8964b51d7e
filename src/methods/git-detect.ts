import { access } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readOnly } from '../system/probe.js';
import type { VenvFinding } from './pip-detect.js';
import { synctlManager } from './restart/synctl.js';
import type { GitInstall } from './types.js';

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

const UPSTREAMS = ['element-hq/synapse', 'matrix-org/synapse'];

/** The top of the git work tree holding `dir`, when `git` says there is one. */
export async function gitTopLevel(dir: string, env?: NodeJS.ProcessEnv): Promise<string | undefined> {
  const result = await readOnly(['git', '-C', dir, 'rev-parse', '--show-toplevel'], { timeoutMs: 15_000, ...(env ? { env } : {}) });
  return result.exitCode === 0 ? result.stdout.trim() || undefined : undefined;
}

/** A Synapse source tree: the `synapse` package next to a pyproject.toml or setup.py. */
export async function looksLikeSynapseTree(dir: string): Promise<boolean> {
  return (await exists(join(dir, 'synapse', '__init__.py'))) && ((await exists(join(dir, 'pyproject.toml'))) || (await exists(join(dir, 'setup.py'))));
}

/** The remote the checkout tracks (the current branch's, else `origin`, else the only one) and its URL. */
async function remoteOf(repo: string, env?: NodeJS.ProcessEnv): Promise<{ name: string; url: string } | undefined> {
  const opts = { timeoutMs: 15_000, ...(env ? { env } : {}) };
  const names = (await readOnly(['git', '-C', repo, 'remote'], opts)).stdout
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
  const name = names.includes('origin') ? 'origin' : names[0];
  if (!name) return undefined;
  const url = (await readOnly(['git', '-C', repo, 'remote', 'get-url', name], opts)).stdout.trim();
  return { name, url };
}

/**
 * A git checkout behind a virtualenv: pip's direct_url.json names the folder matrix-synapse was
 * installed from (`pip install .` / `-e .`), or the virtualenv sits inside a Synapse checkout. The
 * second is only as likely as a plain pip install into that virtualenv, so the wizard asks.
 */
export async function gitInstallFrom(found: VenvFinding, env?: NodeJS.ProcessEnv): Promise<GitInstall | undefined> {
  const evidence: string[] = [...found.evidence];
  let repo: string | undefined;
  let confidence = found.confidence;
  const direct = found.facts.directUrl;
  if (direct?.url.startsWith('file://')) {
    const source = fileURLToPath(direct.url);
    repo = await gitTopLevel(source, env);
    if (repo) evidence.push(`pip installed matrix-synapse from the git checkout ${source} (${direct.editable ? 'editable, ' : ''}direct_url.json)`);
  }
  if (!repo) {
    let dir = dirname(found.venv);
    for (let i = 0; i < 4 && !repo; i++) {
      if (await looksLikeSynapseTree(dir)) {
        repo = await gitTopLevel(dir, env);
        if (repo && resolve(repo) !== resolve(dir)) repo = undefined;
      }
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
    if (!repo) return undefined;
    evidence.push(`the virtualenv is inside the Synapse git checkout ${repo}, but matrix-synapse in it came from a package index`);
    confidence = confidence === 'high' ? 'high' : 'medium';
  }
  const remote = await remoteOf(repo, env);
  if (remote) {
    const upstream = UPSTREAMS.find((u) => remote.url.includes(u));
    evidence.push(upstream ? `remote ${remote.name} is ${upstream} (${remote.url})` : `remote ${remote.name} is ${remote.url}`);
  } else {
    evidence.push('the checkout has no remote: tags come only from the checkout itself');
  }
  const described = await readOnly(['git', '-C', repo, 'describe', '--tags', '--always', '--dirty'], { timeoutMs: 15_000, ...(env ? { env } : {}) });
  if (described.exitCode === 0) evidence.push(`checkout at ${described.stdout.trim()}`);
  return {
    method: 'git',
    evidence,
    confidence,
    venv: found.venv,
    python: found.python,
    repo,
    editable: direct?.editable ?? false,
    remote: remote?.name,
    configPaths: found.configs,
    ...(found.startDir ? { startDir: found.startDir } : {}),
    installedVersion: found.facts.version ?? '0.0.0',
    extras: found.facts.extras,
    pythonVersion: found.facts.python,
    sqliteVersion: found.facts.sqlite,
    restart: await synctlManager(found.venv, found.configs, undefined, repo),
    workers: [],
  };
}
