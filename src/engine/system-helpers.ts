import { existsSync } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { probePythonRuntime } from '../system/database.js';
import { sha256File } from '../system/backup.js';
import { verifyPgDump } from '../system/backup-postgres.js';
import { verifySqliteBackup } from '../system/backup-sqlite.js';
import { freeSpace, ownerOf, userName, writableDirProblem } from '../system/disk.js';
import { probeHealth, probeServerVersion, probeWorkerVersion, type VersionProbe } from '../system/http.js';
import { lastLines } from '../system/log-tail.js';
import { createPrivateFile } from '../system/no-follow.js';
import { readOnly, type ProbeResult } from '../system/probe.js';
import { loadReleaseData, type ReleaseData } from '../system/release-data.js';
import { ensureTrustedFolder } from '../system/trusted-dir.js';
import { databaseInfo, readDatabaseBytes, type DatabaseInfo } from './database-info.js';
import type { ServerPicture } from './inspect.js';
import { waitUntilReady, type ReadyAnswer, type WaitOptions } from './wait-ready.js';

/**
 * What the steps read and touch outside the runner: HTTP probes, files and folders, the database, the release
 * data. The wizard builds one (`realSystem`) and passes it on the session context; a step's unit test passes fakes
 * (test/engine/steps/). Every command that changes the server still goes through the runner, never through here.
 */
export interface SystemHelpers {
  http: {
    serverVersion(url: string, timeoutMs?: number): Promise<VersionProbe>;
    health(url: string): Promise<boolean>;
    workerVersion(url: string, timeoutMs?: number): Promise<VersionProbe>;
    /** Polls the version endpoint until Synapse answers after a restart (engine/wait-ready.ts). */
    waitUntilReady(opts: WaitOptions): Promise<ReadyAnswer>;
  };
  files: {
    exists(path: string): boolean;
    size(path: string): Promise<number>;
    sha256(path: string): Promise<string>;
    remove(path: string): Promise<void>;
    /** A new private file (0600), never through a link (system/no-follow.ts). */
    createPrivate(path: string): Promise<void>;
    writableDirProblem(dir: string): Promise<string | undefined>;
    ensureTrusted(dir: string, what: string, option: string, opts?: { create?: boolean }): Promise<void>;
    freeSpace(path: string): Promise<{ path: string; free: number; device: number }>;
    ownerOf(path: string): Promise<{ uid: number; name: string | undefined } | undefined>;
    userName(uid: number): Promise<string | undefined>;
    lastLines(path: string, count: number): Promise<string[]>;
  };
  database: {
    /** The homeserver's database as its config names it, with a read-only connection. */
    info(picture: Pick<ServerPicture, 'config' | 'install'>): DatabaseInfo | { error: string };
    bytes(info: DatabaseInfo): Promise<{ bytes: number } | { error: string }>;
    pythonRuntime(python: string): Promise<{ python: string; sqlite: string } | { error: string }>;
    verifySqliteBackup(python: string, path: string): Promise<{ ok: boolean; evidence: string; compat?: number }>;
    verifyPgDump(path: string): Promise<{ ok: boolean; evidence: string }>;
  };
  /** Synapse's release knowledge (steps/). */
  releaseData(): Promise<ReleaseData>;
  /** A read-only command (a dry run's install check); changes nothing. */
  readOnly(argv: readonly string[], opts?: { timeoutMs?: number }): Promise<ProbeResult>;
  sleep(ms: number): Promise<void>;
  /** The time in ms (Date.now), for deadlines a fake clock can move. */
  now(): number;
}

export const realSystem: SystemHelpers = {
  http: { serverVersion: probeServerVersion, health: probeHealth, workerVersion: probeWorkerVersion, waitUntilReady },
  files: {
    exists: existsSync,
    size: async (path) => (await stat(path)).size,
    sha256: sha256File,
    remove: (path) => rm(path, { force: true }),
    createPrivate: (path) => createPrivateFile(path),
    writableDirProblem,
    ensureTrusted: ensureTrustedFolder,
    freeSpace,
    ownerOf,
    userName,
    lastLines: (path, count) => lastLines(path, count),
  },
  database: { info: databaseInfo, bytes: readDatabaseBytes, pythonRuntime: (python) => probePythonRuntime(python), verifySqliteBackup, verifyPgDump },
  releaseData: () => loadReleaseData(),
  readOnly,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => Date.now(),
};

/** The helpers of a session (or of a rollback's input): the ones it was given, else the real ones. */
export const systemOf = (holder: { system?: SystemHelpers | undefined }): SystemHelpers => holder.system ?? realSystem;
