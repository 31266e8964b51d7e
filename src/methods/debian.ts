import { mkdtemp, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { AdminError, ExitCode } from '../core/errors.js';
import { parseVersion, sortNewestFirst } from '../core/version.js';
import type { CommandSpec } from '../system/command.js';
import { readOnly } from '../system/probe.js';
import { dpkgState } from './debian-detect.js';
import { aptLockHolders, lockHoldersByOwner, type LockHolder } from './debian-lock.js';
import { policyRcdHold } from './debian-hold.js';
import { debianViewMembers } from './debian-view.js';
import { managerRestart } from './restart/index.js';
import type { DebianInstall, Install, InstallMethod, MethodPlan, PlanContext } from './types.js';

const asDebian = (install: Install): DebianInstall => {
  if (install.method !== 'debian') throw new Error(`debian method used for a ${install.method} install`);
  return install;
};

export const KEYRING_FIX =
  'sudo wget -O /usr/share/keyrings/matrix-org-archive-keyring.gpg https://packages.matrix.org/debian/matrix-org-archive-keyring.gpg && sudo apt-get update';

export interface PolicyVersion {
  version: string;
  priority: number;
  installed: boolean;
  /** The sources offering it (`/var/lib/dpkg/status` only means: not downloadable any more). */
  sources: string[];
}

export interface AptPolicy {
  installed: string | undefined;
  candidate: string | undefined;
  versions: PolicyVersion[];
}

/** Parses `apt-cache policy PKG`. */
export function parseAptPolicy(text: string): AptPolicy {
  const policy: AptPolicy = { installed: undefined, candidate: undefined, versions: [] };
  let current: PolicyVersion | undefined;
  for (const line of text.split('\n')) {
    const installed = /^\s+Installed:\s*(\S+)/.exec(line);
    if (installed) policy.installed = installed[1] === '(none)' ? undefined : installed[1];
    const candidate = /^\s+Candidate:\s*(\S+)/.exec(line);
    if (candidate) policy.candidate = candidate[1] === '(none)' ? undefined : candidate[1];
    const version = /^ {5}(\*\*\* | {4})?(\S+) (-?\d+)\s*$/.exec(line) ?? /^\s*(\*\*\* )?(\S+) (-?\d+)\s*$/.exec(line);
    if (version && !line.includes('Packages') && !line.includes('dpkg/status') && version[2] && /^\d/.test(version[2])) {
      current = { version: version[2], priority: Number(version[3]), installed: Boolean(version[1]?.includes('***')), sources: [] };
      policy.versions.push(current);
      continue;
    }
    const source = /^\s+(-?\d+) (.+)$/.exec(line);
    if (source && current && source[2]) current.sources.push(source[2].trim());
  }
  return policy;
}

/** Synapse version → package version, newest first (`1.157.0~rc1+bookworm1` → `1.157.0rc1`). */
export function synapseVersions(policy: AptPolicy, pre: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { version } of policy.versions) {
    const parsed = parseVersion(version);
    if (!parsed || (parsed.prerelease && !pre)) continue;
    out[parsed.text] ??= version;
  }
  return out;
}

/** A sentence for each problem `apt-get update` reported that the admin must fix (expired key, missing key). */
export function aptUpdateProblems(output: string): string[] {
  const problems: string[] = [];
  const expired = /EXPKEYSIG ([0-9A-F]+)/.exec(output);
  if (expired) {
    problems.push(
      `apt cannot verify the Synapse repository: its signing key ${expired[1]} has expired (EXPKEYSIG), so apt keeps the old package list and sees no new version. Refresh the keyring: ${KEYRING_FIX}`,
    );
  }
  const nokey = /NO_PUBKEY ([0-9A-F]+)/.exec(output);
  if (nokey) problems.push(`apt has no public key ${nokey[1]} for a repository (NO_PUBKEY). For packages.matrix.org: ${KEYRING_FIX}`);
  return problems;
}

/** An executable named `name` on PATH (a regular file with an execute bit), or undefined. */
async function onPath(name: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(':').filter((p) => p.startsWith('/'))) {
    const file = join(dir, name);
    const info = await stat(file).catch(() => undefined);
    if (info?.isFile() && (info.mode & 0o111) !== 0) return file;
  }
  return undefined;
}

/** apt's file name for a version in /var/cache/apt/archives (`:` of an epoch becomes `%3a`). */
export const archiveVersion = (version: string): string => version.replace(/:/g, '%3a');

/** A cached copy of the installed .deb, when apt kept one. */
export async function cachedDeb(install: Pick<DebianInstall, 'root' | 'package' | 'packageVersion'>): Promise<string | undefined> {
  const dir = join(install.root, 'var/cache/apt/archives');
  const prefix = `${install.package}_${archiveVersion(install.packageVersion)}_`;
  const names = await readdir(dir).catch(() => [] as string[]);
  const name = names.find((n) => n.startsWith(prefix) && n.endsWith('.deb'));
  return name ? join(dir, name) : undefined;
}

/** `apt-get update` into a private folder, then `apt-cache policy`: fresh versions without touching apt's own lists. */
async function freshPolicy(pkg: string): Promise<{ policy: AptPolicy; updateOutput: string; fresh: boolean }> {
  const dir = await mkdtemp(join(tmpdir(), 'synapse-upgrade-apt-'));
  try {
    await mkdir(join(dir, 'lists', 'partial'), { recursive: true });
    const opts = [
      '-o',
      `Dir::State::Lists=${join(dir, 'lists')}`,
      '-o',
      'Dir::Cache::pkgcache=',
      '-o',
      'Dir::Cache::srcpkgcache=',
      '-o',
      'Debug::NoLocking=1',
      '-o',
      'APT::Sandbox::User=root',
    ];
    const update = await readOnly(['apt-get', ...opts, '-q', 'update'], { timeoutMs: 300_000 });
    const updateOutput = `${update.stdout}\n${update.stderr}`;
    const fresh = update.exitCode === 0 || /^(Hit|Get|Ign):/m.test(update.stdout);
    const policyArgv = fresh ? ['apt-cache', ...opts, 'policy', pkg] : ['apt-cache', 'policy', pkg];
    const result = await readOnly(policyArgv, { timeoutMs: 60_000 });
    return { policy: parseAptPolicy(result.stdout), updateOutput, fresh };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function aptInstall(install: DebianInstall, target: string): CommandSpec {
  const version = install.packageVersions[target] ?? target;
  return {
    argv: [
      'apt-get',
      'install',
      '-y',
      '--only-upgrade',
      '-o',
      'Dpkg::Options::=--force-confold',
      '-o',
      'DPkg::Lock::Timeout=60',
      `${install.package}=${version}`,
    ],
    env: { DEBIAN_FRONTEND: 'noninteractive' },
    title: `Upgrade ${install.package} to ${version}, keeping your config files`,
  };
}

export const debianMethod: InstallMethod = {
  name: 'debian',
  ...debianViewMembers,

  async availableVersions(install, { pre }) {
    const d = asDebian(install);
    const { policy, updateOutput } = await freshPolicy(d.package);
    const problems = aptUpdateProblems(updateOutput);
    if (problems.length) {
      throw new AdminError(problems[0] as string, { serverState: 'nothing was changed', nextStep: 'Fix the repository key, then run synapse-upgrade again.' });
    }
    d.packageVersions = { ...synapseVersions(policy, pre), ...d.packageVersions };
    const versions = sortNewestFirst(Object.keys(d.packageVersions));
    if (!versions.length) {
      throw new AdminError(`apt knows no version of ${d.package} to install.`, {
        serverState: 'nothing was changed',
        nextStep:
          'Check that packages.matrix.org is in /etc/apt/sources.list.d/ (deb [signed-by=/usr/share/keyrings/matrix-org-archive-keyring.gpg] https://packages.matrix.org/debian/ <codename> main) and run apt-get update.',
      });
    }
    return versions;
  },

  async installedVersion(install) {
    const d = asDebian(install);
    const state = await dpkgState(d.package, d.root);
    if ('missing' in state || !state.status.startsWith('i')) throw new AdminError(`${d.package} is no longer installed.`);
    return parseVersion(state.version)?.text ?? state.version;
  },

  installCommand(install, target) {
    return aptInstall(asDebian(install), target);
  },

  restartCommand(install) {
    return managerRestart(install);
  },

  restartHold(install, sessionDir, dryRun) {
    return policyRcdHold(asDebian(install).root, sessionDir, dryRun);
  },

  async rollbackCommands(install, back, sessionDir) {
    const d = asDebian(install);
    const keep = join(sessionDir, 'packages');
    const kept = (await readdir(keep).catch(() => [] as string[])).find(
      (n) => n.startsWith(`${d.package}_`) && n.endsWith('.deb') && parseVersion(decodeURIComponent(n.split('_')[1] ?? ''))?.text === parseVersion(back)?.text,
    );
    const env = { DEBIAN_FRONTEND: 'noninteractive' };
    const put: CommandSpec = kept
      ? { argv: ['dpkg', '-i', '--force-confold', join(keep, kept)], env, title: `Put back the kept ${kept}` }
      : {
          argv: [
            'apt-get',
            'install',
            '-y',
            '--allow-downgrades',
            '-o',
            'Dpkg::Options::=--force-confold',
            '-o',
            'DPkg::Lock::Timeout=60',
            `${d.package}=${d.packageVersions[back] ?? `${back}*`}`,
          ],
          env,
          title: `Install ${d.package} ${back} again from the repository`,
        };
    return { install: [put], restart: managerRestart(d) };
  },

  async plan(install, target, ctx: PlanContext): Promise<MethodPlan> {
    const d = asDebian(install);
    const checks: string[] = [];
    const before: CommandSpec[] = [];
    const rollback: string[] = [];
    const uid = process.getuid?.() ?? 0;
    if (uid !== 0) {
      const sentence = `Upgrading the Debian package ${d.package} needs root, and synapse-upgrade runs as uid ${uid}.`;
      if (!ctx.dryRun)
        throw new AdminError(sentence, {
          exitCode: ExitCode.usage,
          serverState: 'nothing was changed',
          nextStep: 'Run it again with sudo (sudo synapse-upgrade …).',
        });
      ctx.emit({ type: 'message', level: 'warn', text: `${sentence} This dry run goes on; the real upgrade must run with sudo.` });
    } else {
      checks.push('running as root (apt-get and dpkg need it)');
    }
    const { ours, others } = await lockHoldersByOwner(await aptLockHolders(d.root, d.python), ctx.followed ?? []);
    if (others.length) {
      const h = others[0] as LockHolder;
      throw new AdminError(
        `The package manager is busy: ${h.lock} is held by ${h.pid > 0 ? `pid ${h.pid}` : 'another process'}${h.command ? ` (${h.command})` : ''}.`,
        {
          serverState: 'nothing was changed',
          nextStep: `Wait for that ${h.command ?? 'process'} to finish (unattended-upgrades can take minutes), then run synapse-upgrade again. Do not delete the lock files.`,
        },
      );
    }
    const own = ours[0];
    checks.push(
      own
        ? `the dpkg/apt lock is held by the interrupted session's own ${own.command ?? 'command'} (pid ${own.pid}): it is followed to its end, not started again`
        : 'no other process holds the dpkg/apt lock',
    );
    // A resumed session did not list the versions: its target's package version (`1.49.0+bookworm1`) is read now.
    if (!d.packageVersions[target]) d.packageVersions = { ...synapseVersions((await freshPolicy(d.package)).policy, true), ...d.packageVersions };

    const keep = join(ctx.sessionDir, 'packages');
    const cached = await cachedDeb(d);
    if (cached) {
      before.push({ argv: ['mkdir', '-p', keep], title: 'Make a folder for the kept package' });
      before.push({ argv: ['cp', '-p', cached, keep], title: `Keep the installed ${d.package} ${d.packageVersion} (.deb from apt's cache) for a rollback` });
      rollback.push(`dpkg -i --force-confold ${join(keep, basename(cached))}`);
      checks.push(`the installed package is in apt's cache: ${cached}`);
    } else {
      // What the repository offers now (a private refresh): the system's own lists may still name a version it dropped.
      const { policy } = await freshPolicy(d.package);
      const entry = policy.versions.find((v) => v.version === d.packageVersion);
      const downloadable = entry?.sources.some((s) => !s.includes('/var/lib/dpkg/status'));
      const repack = downloadable ? undefined : await onPath('dpkg-repack', ctx.env);
      if (repack) {
        before.push({ argv: ['mkdir', '-p', keep], title: 'Make a folder for the kept package' });
        before.push({
          argv: [repack, d.package],
          cwd: keep,
          title: `Keep the installed ${d.package} ${d.packageVersion} (rebuilt from the installed files by dpkg-repack) for a rollback`,
        });
        rollback.push(`dpkg -i --force-confold ${join(keep, `${d.package}_${archiveVersion(d.packageVersion)}_*.deb`)}`);
        checks.push(
          `the installed ${d.packageVersion} is neither in apt's cache nor in the repository: dpkg-repack rebuilds it from the installed files before the upgrade`,
        );
      } else if (downloadable) {
        before.push({ argv: ['mkdir', '-p', keep], title: 'Make a folder for the kept package' });
        before.push({
          argv: ['apt-get', 'download', `${d.package}=${d.packageVersion}`],
          cwd: keep,
          title: `Keep the installed ${d.package} ${d.packageVersion} (apt-get download) for a rollback`,
        });
        rollback.push(`dpkg -i --force-confold ${join(keep, `${d.package}_${archiveVersion(d.packageVersion)}_*.deb`)}`);
        checks.push(`the installed version ${d.packageVersion} can still be downloaded: it is kept before the upgrade`);
      } else {
        const pool = `https://packages.matrix.org/debian/pool/main/m/${d.package}/${d.package}_${d.packageVersion}_amd64.deb`;
        const sentence = `The installed ${d.package} ${d.packageVersion} is neither in apt's cache nor offered by the repository, and dpkg-repack (which rebuilds it from the installed files) is not installed: no copy can be kept, so a rollback will need the old package from elsewhere.`;
        if (!ctx.noPackageRollback) {
          if (ctx.yes && !ctx.dryRun) {
            throw new AdminError(sentence, {
              exitCode: ExitCode.usage,
              serverState: 'nothing was changed',
              nextStep: `Install dpkg-repack (apt-get install dpkg-repack) so the wizard keeps a copy, or put the old .deb in /var/cache/apt/archives, or pass --no-package-rollback to upgrade without one (a rollback then needs ${pool} or another copy).`,
            });
          }
          const answer = await ctx.ask({
            id: 'debian-no-rollback-deb',
            text: `${sentence} Upgrade anyway?`,
            details: [
              `A rollback would need the old .deb, e.g. from the pool if it is still there: ${pool}`,
              'To keep a copy instead: apt-get install dpkg-repack, then run synapse-upgrade again.',
            ],
            choices: [
              { value: 'continue', label: 'Upgrade without a kept copy (a rollback needs the old package from elsewhere)' },
              { value: 'stop', label: 'Stop and change nothing' },
            ],
            ...(ctx.dryRun ? { safeDefault: 'continue' } : {}),
          });
          if (answer !== 'continue') throw new AdminError('Stopped before any change.', { code: 'stopped', serverState: 'nothing was changed' });
        }
        rollback.push(`wget ${pool} && dpkg -i --force-confold ${basename(pool)}`);
        checks.push(`no copy of ${d.packageVersion} could be kept; a rollback needs the old package from elsewhere (${pool})`);
      }
    }
    // The system's own lists must know the target too (the versions above came from a private refresh).
    before.push({ argv: ['apt-get', '-q', 'update'], title: "Refresh apt's package lists" });
    rollback.push(managerRestart(d).argv.join(' '));
    // The package's postinst restarts Synapse (debhelper compat 10): held while apt runs, restarted once after the config check.
    checks.push(`the package's own restart is held while apt runs (${policyRcdHold(d.root, ctx.sessionDir, true).what})`);
    return { before, install: [aptInstall(d, target)], restart: [managerRestart(d)], checks, details: [], rollback };
  },
};
