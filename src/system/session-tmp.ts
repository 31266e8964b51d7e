import { chmod, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandSpec } from './command.js';
import { ensureTrustedFolder } from './trusted-dir.js';

/**
 * The session's own temporary folder (`<session>/tmp`, mode 0700), the TMPDIR of the commands that ask for it
 * (`tempDir: 'session'`): pip leaves its `pip-*` folders behind when it is killed, and here they stay the
 * wizard's, where nobody else can read or plant them, until it empties the folder.
 */
export const sessionTmpDir = (sessionDir: string): string => join(sessionDir, 'tmp');

/** The command with TMPDIR set to the session's temporary folder, when it asks for it (shown with its env). */
export function withSessionTmp(spec: CommandSpec, sessionDir: string): CommandSpec {
  if (spec.tempDir !== 'session') return spec;
  return { ...spec, env: { ...spec.env, TMPDIR: sessionTmpDir(sessionDir) } };
}

/** Makes the folder private (0700), refusing one that someone else owns or can write. */
export async function ensureSessionTmp(sessionDir: string): Promise<void> {
  await mkdir(sessionDir, { recursive: true, mode: 0o700 });
  await ensureTrustedFolder(sessionTmpDir(sessionDir), "session's temporary folder", '--state-dir');
  await chmod(sessionTmpDir(sessionDir), 0o700); // ours (checked above), and readable by nobody else either
}

/**
 * Empties the folder: what a killed command left there (pip's `pip-*` folders). Only while none of the
 * session's commands runs: when a command that uses it ended, and when a session resumes with none running.
 * Returns what was removed.
 */
export async function clearSessionTmp(sessionDir: string): Promise<string[]> {
  const dir = sessionTmpDir(sessionDir);
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) await rm(join(dir, name), { recursive: true, force: true });
  return names;
}
