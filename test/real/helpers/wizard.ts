// Runs the built wizard (bin → dist; the tsc build when a test hook is set) against a real homeserver, without a terminal, optionally inside the
// scenario's pid namespace, and reads what it left in its state folder.
import { execa } from 'execa';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { binFor } from '../../helpers/cli.js';
import type { PidNamespace } from './pidns.js';

export interface WizardRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export async function runWizard(
  args: string[],
  env: Record<string, string>,
  opts: { ns?: PidNamespace; cwd?: string; timeoutMs?: number } = {},
): Promise<WizardRun> {
  const cwd = opts.cwd ?? '/';
  const [file, argv] = opts.ns ? opts.ns.wrap(process.execPath, [binFor(env), ...args], cwd) : [process.execPath, [binFor(env), ...args]];
  const started = Date.now();
  const result = await execa(file, argv, { env, extendEnv: false, reject: false, timeout: opts.timeoutMs ?? 900_000, stdin: 'ignore', cwd });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr), ms: Date.now() - started };
}

export interface Journal {
  outcome?: string;
  from?: string;
  to?: string;
  transcript: string;
  steps: { id: string; status: string; detail?: string }[];
  [key: string]: unknown;
}

/** The journal of the one homeserver in a state folder. */
export async function journalOf(stateDir: string): Promise<Journal> {
  const folders = (await readdir(stateDir, { withFileTypes: true })).filter((d) => d.isDirectory());
  if (folders.length !== 1) throw new Error(`expected one homeserver folder in ${stateDir}, found ${folders.map((d) => d.name).join(', ') || 'none'}`);
  return JSON.parse(await readFile(join(stateDir, folders[0]!.name, 'journal.json'), 'utf8'));
}

export const stepList = (journal: Journal) => journal.steps.map((s) => `${s.id}:${s.status}`);
