import type { CommandSpec } from '../system/command.js';

/** A Synapse install as detected: everything later steps need, with the evidence shown to the admin. */
export interface Install {
  method: 'pip';
  evidence: string[];
  venv: string;
  python: string;
  configPaths: string[];
  installedVersion: string;
  /** Extras in use (`postgres`, `redis`…), kept on upgrade. */
  extras: string[];
  pythonVersion: string | undefined;
  sqliteVersion: string | undefined;
}

/** One install method: how to list versions, install one and restart. Pure command builders + probes. */
export interface InstallMethod {
  name: Install['method'];
  availableVersions(install: Install, opts: { pre: boolean }): Promise<string[]>;
  installedVersion(install: Install): Promise<string>;
  installCommand(install: Install, target: string): CommandSpec;
  restartCommand(install: Install): CommandSpec;
  /** A read-only command proving the install would work (e.g. `pip install --dry-run`); run for real by --dry-run. */
  dryRunCheck?(install: Install, target: string): CommandSpec;
}
