import type { Ask, Emit } from '../core/events.js';
import type { CommandSpec } from '../system/command.js';

/**
 * The name of an install method: `pip` (a virtualenv), `git` (a checkout), `debian` (the package), `docker`. Each
 * method's Install type below spells its own; the registry (registry.ts) lists the methods by these names.
 */
export type MethodName = Install['method'];

/** How sure detection is: `high` when the running process or the package manager says so. */
export type Confidence = 'high' | 'medium' | 'low';

/** What restarts Synapse, with what it needs to do so. */
export type RestartManager =
  | {
      kind: 'synctl';
      synctl: string;
      config: string;
      /** `-a DIR`: the folder of worker configs restarted with the main process. */
      workersDir: string | undefined;
    }
  | {
      kind: 'systemd';
      /** `matrix-synapse.service`, or `matrix-synapse.target` when worker units exist. */
      unit: string;
      /** The main unit (where a TimeoutStartSec drop-in goes). */
      mainUnit: string;
      mainUnitFile: string | undefined;
      workerUnits: string[];
      /** TimeoutStartSec of the main unit in seconds (90 = systemd's default), Infinity for `infinity`. */
      timeoutStartSec: number;
      restartPolicy: string | undefined;
      /** `/etc/systemd/system/<mainUnit>.d` (under the detection root). */
      dropInDir: string;
    }
  | { kind: 'docker'; container: string; compose: boolean };

/** A worker process: from its config file, a systemd unit, the running processes or `instance_map`. */
export interface Worker {
  name: string;
  app: string | undefined;
  configPath: string | undefined;
  unit: string | undefined;
  /** Base URL of its listener with the `client` resource (checked for the target version afterwards). */
  url: string | undefined;
  /** Where it was found. */
  from: string;
}

interface InstallBase {
  /** Why this method was chosen, one finding a line, shown to the admin. */
  evidence: string[];
  confidence: Confidence;
  configPaths: string[];
  installedVersion: string;
  /** Extras in use (`postgres`, `redis`…), kept on upgrade. */
  extras: string[];
  pythonVersion: string | undefined;
  sqliteVersion: string | undefined;
  /** The virtualenv holding Synapse on this host (none for Docker). */
  venv: string | undefined;
  /**
   * The folder the running homeserver was started in, when known: Synapse resolves a relative
   * `log_config` (and app service files) against it, not against the config's folder.
   */
  startDir?: string;
  /** Its Python interpreter (none for Docker). */
  python: string | undefined;
  restart: RestartManager;
  workers: Worker[];
}

export interface PipInstall extends InstallBase {
  method: 'pip';
  venv: string;
  python: string;
}

export interface GitInstall extends InstallBase {
  method: 'git';
  venv: string;
  python: string;
  /** The checkout's top folder. */
  repo: string;
  /** Installed with `pip install -e` (kept on upgrade). */
  editable: boolean;
  /** The remote tags come from (`origin` unless the checkout says otherwise). */
  remote: string | undefined;
}

export interface DebianInstall extends InstallBase {
  method: 'debian';
  venv: string;
  python: string;
  /** `matrix-synapse-py3`. */
  package: string;
  /** The installed package version, e.g. `1.47.0+bookworm1`. */
  packageVersion: string;
  /** Detection root (`/` on a real host; a folder in tests). */
  root: string;
  /** Synapse version → package version (`1.47.0` → `1.47.0+bookworm1`), filled from `apt-cache policy`. */
  packageVersions: Record<string, string>;
}

export interface DockerMount {
  source: string;
  destination: string;
  type: string;
  name: string | undefined;
  rw: boolean;
}

export interface ComposeInfo {
  project: string;
  service: string;
  workingDir: string | undefined;
  files: string[];
  /** Made by docker-compose 1.x (its label `com.docker.compose.version`): driven with `docker-compose`, not `docker compose`. */
  v1?: boolean;
}

export interface DockerInstall extends InstallBase {
  method: 'docker';
  venv: undefined;
  python: undefined;
  container: string;
  containerId: string;
  /** The image reference the container was created from, e.g. `matrixdotorg/synapse:v1.46.0`. */
  image: string;
  /** The repository part: `matrixdotorg/synapse` or `ghcr.io/element-hq/synapse`. */
  imageRepo: string;
  mounts: DockerMount[];
  /** Published ports (`8008/tcp` → host bindings), to reach its listeners from this host. */
  ports: Record<string, { HostIp?: string; HostPort?: string }[]>;
  compose: ComposeInfo | undefined;
  /** `docker run` arguments that recreate the container as it was created (image left out). */
  runArgs: string[];
  /** Arguments after the image, when the container overrides the image's command. */
  runCommand: string[];
  /** The config path inside the container (SYNAPSE_CONFIG_PATH, else /data/homeserver.yaml). */
  containerConfigPath: string;
  /** The image is built on Synapse's (modules baked in): it is rebuilt from its Dockerfile, never replaced by a pulled tag. */
  custom?: { evidence: string[]; build?: import('./docker-recognize.js').ComposeBuild };
  /** Set by the plan: the image the upgrade pulls (the config check runs it). */
  pendingImage?: string;
  /**
   * No container is named `container`: an upgrade stopped between renaming it aside (this name,
   * `NAME-synapse-<old>`, stopped) and creating the new one. The upgrade then only creates `container`.
   */
  setAside?: string;
}

/** A Synapse install as detected: everything later steps need, with the evidence shown to the admin. */
export type Install = PipInstall | GitInstall | DebianInstall | DockerInstall;

/** What a method needs while it prepares the plan: questions, messages, a folder of its own. */
export interface PlanContext {
  ask: Ask;
  emit: Emit;
  /** The session's folder in the state dir: kept copies (a .deb, a compose file) go here. */
  sessionDir: string;
  dryRun: boolean;
  /** The installed version (what a rollback goes back to). */
  from: string;
  /** Environment for the checks (PATH decides which rustc, git, docker). */
  env: NodeJS.ProcessEnv;
  /** `--yes`: a question without a safe default is refused with the option that answers it. */
  yes?: boolean;
  /** `--no-package-rollback`: upgrade even when no copy of the installed package can be kept. */
  noPackageRollback?: boolean;
  /**
   * A resumed session: the pids of the interrupted session's commands that still run (and their supervisors). The
   * resumed run follows them to their end, so a lock one of them (or a process under it) holds is not a stranger's.
   */
  followed?: readonly number[];
}

/**
 * Every change an upgrade makes, in order, as commands the runner runs (and a dry run shows):
 * `before` keeps what a rollback needs or prepares (stash, a copy of the .deb, a systemd drop-in),
 * `install` puts the target in place without touching the running server, `restart` switches over.
 */
export interface MethodPlan {
  before: CommandSpec[];
  install: CommandSpec[];
  restart: CommandSpec[];
  /** What was checked while planning (shown with the plan). */
  checks: string[];
  /** Extra lines for the plan (a compose diff). */
  details: string[];
  /** How to go back to the installed version, for the summary and for failures. */
  rollback: string[];
  /** Lines for the final summary (where a kept copy is). */
  summary?: string[];
  /**
   * When an install command fails after earlier ones changed something (git: the checkout moved, the local
   * changes stashed), these put it back as it was, in order; `describe` says what they restore.
   */
  undoInstall?: { commands: CommandSpec[]; describe: string };
}

/**
 * A temporary change that keeps the install from restarting Synapse on its own (Debian: a policy-rc.d
 * answering 101). `hold` and `release` are worked out from what is on disk when they are called;
 * `release` returns no command when no hold of ours is in place, so it is safe to call at any time.
 */
export interface RestartHold {
  /** One line for the plan: what is held and how. */
  what: string;
  hold(): Promise<CommandSpec[]>;
  release(): Promise<CommandSpec[]>;
}

/**
 * How this host reaches what the install's config names. Docker: a listener through the published ports, a
 * path (pid file, SQLite database) through the mounts, and a Python of the host for read-only SQLite work.
 */
export interface HostView {
  url(url: string): string;
  path(path: string | undefined): string | undefined;
  /** The config values with the database as this host sees it. */
  databaseValues(values: Record<string, unknown>): Record<string, unknown>;
  /** A Python on this host for read-only helper work (SQLite reads); undefined when there is none. */
  python: string | undefined;
  /**
   * How this host tells whether Synapse's process runs, when the config's pid file cannot (Docker: the
   * container's state; a pid inside a container means nothing here). Absent: the pid file, seen through `path`.
   */
  process?: ProcessWatch;
}

/** How an install is named to the admin and to scripts. */
export interface InstallDescription {
  /** One line telling it from other candidates (questions, `detect`): `pip install in the virtualenv /opt/venv, config …`. */
  label: string;
  /** Where it lives, in a few words (the detect and prepare steps' summaries): `container synapse`. */
  location: string;
  /** The fields of `detect --json` that say where it lives, what a script needs to act on it (`venv`, `container`…). */
  fields: Record<string, unknown>;
}

/**
 * Who must run the upgrade (checked before anything changes): root, when the method's tool needs it (`tools`
 * need root for `action`), or the owner of a folder it writes into (pip into someone else's virtualenv leaves
 * files the homeserver's user cannot use).
 */
export type RunAs = { root: { tools: string; action: string } } | { ownerOf: string };

/** Whether Synapse's process runs, as the method tells it. */
export interface ProcessWatch {
  /** What is watched, for messages: `container synapse`. */
  what: string;
  /** Whether it runs; undefined when this host cannot say. */
  running(): Promise<boolean | undefined>;
}

/** One install method: how to list versions, install one and restart. Pure command builders + probes. */
export interface InstallMethod {
  name: MethodName;
  /** How this host sees the install's URLs and paths (default: as the config writes them; registry.ts hostViewOf). */
  hostView?(install: Install): HostView;
  /** How the install is named (default: by its config; registry.ts describeInstall). */
  describe?(install: Install): InstallDescription;
  /** Who must run the upgrade (default: the owner of its virtualenv, if it has one; registry.ts runAsOf). */
  runAs?(install: Install): RunAs | undefined;
  availableVersions(install: Install, opts: { pre: boolean }): Promise<string[]>;
  installedVersion(install: Install): Promise<string>;
  /** The version the install step put in place (default: installedVersion; Docker reads the pulled image). */
  versionAfterInstall?(install: Install, target: string): Promise<string>;
  /**
   * The Python the target will run on, when the install brings its own with the new version (Docker: the
   * target image's); `why` when it cannot be known before the install. Without it, the installed Python counts.
   */
  targetPython?(install: Install, target: string, env: NodeJS.ProcessEnv): Promise<{ python: string; source: string } | { why: string }>;
  /** The main install command (what `install` in the plan centres on). */
  installCommand(install: Install, target: string): CommandSpec;
  /** The main restart command. */
  restartCommand(install: Install): CommandSpec;
  /**
   * Starts a stopped Synapse as it is, when the method has a better way than the restart command (Docker:
   * `docker start` for a container that is there but stopped); undefined: the restart command does it.
   */
  startStoppedCommand?(install: Install): Promise<CommandSpec | undefined>;
  /** Stops Synapse (default: the restart command with `restart` turned into `stop`). */
  stopCommand?(install: Install): CommandSpec;
  /** The new code's own config check (`python -m synapse.config -c …`), run after the install and before the restart. */
  configCheckCommand?(install: Install): CommandSpec | undefined;
  /** A read-only command proving the install would work (e.g. `pip install --dry-run`); run for real by --dry-run. */
  dryRunCheck?(install: Install, target: string): CommandSpec;
  /**
   * Read-only checks and questions before anything changes (root, apt lock, a dirty work tree, Rust,
   * the Docker daemon), then every command of the upgrade. Throws an AdminError when it must refuse.
   */
  plan?(install: Install, target: string, ctx: PlanContext): Promise<MethodPlan>;
  /**
   * Going back to `back` after an upgrade (the rollback): the commands that put it in place and the
   * one that starts it. Without it the rollback uses installCommand(install, back) and restartCommand.
   * `sessionDir` holds what the upgrade kept (a .deb, a compose file).
   */
  rollbackCommands?(install: Install, back: string, sessionDir: string): Promise<{ install: CommandSpec[]; restart: CommandSpec }>;
  /**
   * Held around the install commands (upgrade and rollback) and released whatever they did; a run that
   * finds a hold left by a killed one releases it first. For tools that restart Synapse themselves (dpkg).
   */
  restartHold?(install: Install, sessionDir: string, dryRun: boolean): RestartHold | undefined;
}
