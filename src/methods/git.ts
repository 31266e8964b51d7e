import { join } from 'node:path';
import { AdminError, ExitCode } from '../core/errors.js';
import { compareDotted, rustMsrvFor, type PlatformData } from '../core/platform.js';
import { compareVersions, parseVersion, sortNewestFirst } from '../core/version.js';
import type { CommandSpec } from '../system/command.js';
import { readOnly } from '../system/probe.js';
import { loadReleaseData } from '../system/release-data.js';
import { withConfig } from './describe.js';
import { managerRestart } from './restart/index.js';
import type { GitInstall, Install, InstallMethod, MethodPlan, PlanContext } from './types.js';
import { readVenvFacts } from './venv-facts.js';

const asGit = (install: Install): GitInstall => {
  if (install.method !== 'git') throw new Error(`git method used for a ${install.method} install`);
  return install;
};

const git = (install: GitInstall, ...args: string[]): string[] => ['git', '-C', install.repo, ...args];

/** `.[postgres,redis]` (or `-e .[…]` for an editable install), keeping the extras in use. */
export function sourceRequirement(install: Pick<GitInstall, 'extras' | 'editable'>): string[] {
  const spec = `.${install.extras.length ? `[${install.extras.join(',')}]` : ''}`;
  return install.editable ? ['-e', spec] : [spec];
}

/** Release tags (`v1.47.0`, `v1.47.0rc1`) from `git tag` or `git ls-remote --tags` output, as versions. */
export function versionsFromTags(text: string): string[] {
  const versions: string[] = [];
  for (const line of text.split('\n')) {
    const ref = line.trim().split(/\s+/).at(-1) ?? '';
    if (ref.endsWith('^{}')) continue;
    const tag = ref.replace(/^refs\/tags\//, '');
    const match = /^v(\d+\.\d+\.\d+(?:rc\d+)?)$/.exec(tag);
    if (match?.[1]) versions.push(match[1]);
  }
  return sortNewestFirst(versions);
}

export interface RustCheck {
  needed: boolean;
  msrv: string | undefined;
  rustc: string | undefined;
  cargo: string | undefined;
  /** Why the build would fail; undefined when fine. */
  problem: string | undefined;
}

const firstVersion = (text: string): string | undefined => /\b(\d+\.\d+\.\d+)\b/.exec(text)?.[1];

/**
 * From v1.68 a source build compiles Synapse's Rust module: rustc and cargo must be at least the
 * release's minimum supported Rust version (steps/platform.yaml, rust-version in rust/Cargo.toml).
 */
export async function checkRust(target: string, platform: PlatformData, env: NodeJS.ProcessEnv = process.env): Promise<RustCheck> {
  const msrv = rustMsrvFor(platform, target);
  if (!msrv) return { needed: false, msrv: undefined, rustc: undefined, cargo: undefined, problem: undefined };
  const probe = async (tool: string): Promise<string | undefined> => {
    const result = await readOnly([tool, '--version'], { timeoutMs: 30_000, env }).catch(() => undefined);
    return result && result.exitCode === 0 ? firstVersion(result.stdout) : undefined;
  };
  const [rustc, cargo] = await Promise.all([probe('rustc'), probe('cargo')]);
  let problem: string | undefined;
  const missing = [rustc ? undefined : 'rustc', cargo ? undefined : 'cargo'].filter(Boolean);
  if (missing.length)
    problem = `Building Synapse ${target} from source needs Rust ${msrv} or later, and ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not on PATH.`;
  else if ((compareDotted(rustc as string, msrv) ?? 0) < 0)
    problem = `Building Synapse ${target} from source needs Rust ${msrv} or later; rustc on PATH is ${rustc}.`;
  return { needed: true, msrv, rustc, cargo, problem };
}

/** Tracked files with local changes (untracked files, like env/ or homeserver.yaml in the checkout, do not matter). */
export async function dirtyFiles(repo: string, env?: NodeJS.ProcessEnv): Promise<string[]> {
  const result = await readOnly(['git', '-C', repo, 'status', '--porcelain', '--untracked-files=no'], { timeoutMs: 30_000, ...(env ? { env } : {}) });
  if (result.exitCode !== 0)
    throw new AdminError(`git could not read the state of ${repo}: ${result.stderr.trim().split('\n').at(-1) ?? ''}`, {
      exitCode: ExitCode.usage,
      serverState: 'nothing was changed',
    });
  return result.stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => l.slice(3));
}

/** Where the checkout stands now, to put it back there: its branch, else its commit (named by its tag when it has one). */
async function currentHead(install: GitInstall, env?: NodeJS.ProcessEnv): Promise<{ ref: string; name: string } | undefined> {
  const opts = { timeoutMs: 15_000, ...(env ? { env } : {}) };
  const branch = await readOnly(git(install, 'symbolic-ref', '-q', '--short', 'HEAD'), opts);
  if (branch.exitCode === 0 && branch.stdout.trim()) return { ref: branch.stdout.trim(), name: `branch ${branch.stdout.trim()}` };
  const commit = await readOnly(git(install, 'rev-parse', '--verify', 'HEAD'), opts);
  const sha = commit.stdout.trim();
  if (commit.exitCode !== 0 || !/^[0-9a-f]{40,64}$/.test(sha)) return undefined;
  const tag = await readOnly(git(install, 'describe', '--tags', '--exact-match', 'HEAD'), opts);
  return { ref: sha, name: tag.exitCode === 0 && tag.stdout.trim() ? `${tag.stdout.trim()} (${sha.slice(0, 10)})` : sha.slice(0, 10) };
}

async function hasLocalTag(install: GitInstall, tag: string, env?: NodeJS.ProcessEnv): Promise<boolean> {
  const result = await readOnly(git(install, 'rev-parse', '-q', '--verify', `refs/tags/${tag}`), { timeoutMs: 15_000, ...(env ? { env } : {}) });
  return result.exitCode === 0;
}

function pipInstall(install: GitInstall): CommandSpec {
  return {
    argv: [join(install.venv, 'bin', 'pip'), 'install', '--disable-pip-version-check', '--upgrade', ...sourceRequirement(install)],
    cwd: install.repo,
    title: `Build and install the checked-out source into ${install.venv}`,
    tempDir: 'session',
  };
}

export const gitMethod: InstallMethod = {
  name: 'git',

  describe(install) {
    const g = asGit(install);
    return {
      label: `git checkout ${g.repo} installed into ${g.venv}${withConfig(g)}`,
      location: `${g.repo} (virtualenv ${g.venv})`,
      fields: { venv: g.venv, repo: g.repo, editable: g.editable, remote: g.remote ?? null },
    };
  },

  async availableVersions(install) {
    const g = asGit(install);
    const local = await readOnly(git(g, 'tag', '--list', 'v*'), { timeoutMs: 30_000 });
    const versions = versionsFromTags(local.stdout);
    if (g.remote) {
      // Read-only: lists the remote's tags without fetching them (the plan fetches).
      const remote = await readOnly(git(g, 'ls-remote', '--tags', g.remote), { timeoutMs: 120_000 });
      if (remote.exitCode === 0) versions.push(...versionsFromTags(remote.stdout));
    }
    const all = sortNewestFirst(versions);
    if (!all.length) {
      throw new AdminError(`The checkout ${g.repo} has no release tags (v1.2.3), so there is nothing to upgrade to.`, {
        exitCode: ExitCode.usage,
        serverState: 'nothing was changed',
        nextStep: `Fetch the tags (git -C ${g.repo} fetch --tags) or check the remote.`,
      });
    }
    return all;
  },

  async installedVersion(install) {
    const g = asGit(install);
    const facts = await readVenvFacts(g.python);
    if (!facts.version) throw new AdminError(`matrix-synapse is no longer installed in ${g.venv}.`);
    return facts.version;
  },

  installCommand(install) {
    return pipInstall(asGit(install));
  },

  restartCommand(install) {
    return managerRestart(install);
  },

  async rollbackCommands(install, back) {
    const g = asGit(install);
    const tag = `v${parseVersion(back)?.text ?? back}`;
    return {
      install: [{ argv: git(g, '-c', 'advice.detachedHead=false', 'checkout', tag), title: `Check out ${tag} again` }, pipInstall(g)],
      restart: managerRestart(g),
    };
  },

  async plan(install, target, ctx: PlanContext): Promise<MethodPlan> {
    const g = asGit(install);
    const tag = `v${parseVersion(target)?.text ?? target}`;
    const checks: string[] = [];
    const before: CommandSpec[] = [];
    const rollback: string[] = [];

    const dirty = await dirtyFiles(g.repo, ctx.env);
    const head = await currentHead(g, ctx.env);
    if (dirty.length) {
      const answer = await ctx.ask({
        id: 'git-dirty',
        text: `The checkout ${g.repo} has local changes to tracked files. Checking out ${tag} needs a clean work tree.`,
        details: dirty.slice(0, 12).map((f) => `modified: ${f}`),
        choices: [
          { value: 'stash', label: 'Stash them (git stash push) and continue; get them back with git stash pop' },
          { value: 'stop', label: 'Stop and change nothing' },
        ],
        safeDefault: 'stop',
      });
      if (answer !== 'stash') {
        throw new AdminError(
          `The checkout ${g.repo} has local changes (${dirty.slice(0, 3).join(', ')}${dirty.length > 3 ? ', …' : ''}), so it cannot check out ${tag}.`,
          {
            exitCode: ExitCode.usage,
            serverState: 'nothing was changed',
            nextStep: `Commit or stash them (git -C ${g.repo} stash push), or run the wizard in a terminal and let it stash them.`,
          },
        );
      }
      before.push({ argv: git(g, 'stash', 'push', '-m', `synapse-upgrade: local changes before ${tag}`), title: 'Stash the local changes to the checkout' });
      checks.push(`the checkout had local changes in ${dirty.length} file(s): they are stashed first (git stash pop brings them back)`);
    } else {
      checks.push(`the checkout ${g.repo} has no local changes to tracked files`);
    }

    const rust = await checkRust(target, (await loadReleaseData()).platform, ctx.env);
    if (rust.problem) {
      throw new AdminError(rust.problem, {
        exitCode: ExitCode.usage,
        serverState: 'nothing was changed',
        nextStep: `Install Rust ${rust.msrv} or later (e.g. https://rustup.rs: curl --proto '=https' -sSf https://sh.rustup.rs | sh), make rustc and cargo reachable on PATH, then run synapse-upgrade again.`,
      });
    }
    if (rust.needed) checks.push(`Rust: rustc ${rust.rustc} and cargo ${rust.cargo} (Synapse ${target} needs ${rust.msrv} or later)`);

    const install_: CommandSpec[] = [];
    if (await hasLocalTag(g, tag, ctx.env)) {
      checks.push(`the tag ${tag} is already in the checkout`);
    }
    if (g.remote) install_.push({ argv: git(g, 'fetch', '--tags', g.remote), title: `Fetch the release tags from ${g.remote}` });
    install_.push({ argv: git(g, '-c', 'advice.detachedHead=false', 'checkout', tag), title: `Check out ${tag}` });
    install_.push(pipInstall(g));

    // A failed build must not leave the checkout at the new tag (nor the local changes stashed).
    const undo: CommandSpec[] = [];
    if (head) undo.push({ argv: git(g, '-c', 'advice.detachedHead=false', 'checkout', head.ref), title: `Put the checkout back at ${head.name}` });
    if (head && before.length) undo.push({ argv: git(g, 'stash', 'pop'), title: 'Bring the stashed local changes back' });
    rollback.push(
      `git -C ${g.repo} checkout v${ctx.from}`,
      `(cd ${g.repo} && ${join(g.venv, 'bin', 'pip')} install --upgrade ${sourceRequirement(g).join(' ')})`,
      managerRestart(g).argv.join(' '),
    );
    if (compareVersions(target, '1.68.0') >= 0 && g.editable) checks.push('an editable install: the Rust module is rebuilt by this pip install');
    return {
      before,
      install: install_,
      restart: [managerRestart(g)],
      checks,
      details: [],
      rollback,
      ...(head ? { undoInstall: { commands: undo, describe: `the checkout is back at ${head.name}${before.length ? ' with its local changes' : ''}` } } : {}),
    };
  },
};
