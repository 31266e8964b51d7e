import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve, sep } from 'node:path';
import { parse } from 'yaml';
import { configArgs, type HomeserverProcess } from '../system/proc.js';

/** The config paths a running homeserver was started with, made absolute, and how. */
export interface StartedConfigs {
  configs: string[];
  /** One line per finding; empty when every `-c` was absolute. */
  evidence: string[];
  /**
   * The folder the process was started in, which Synapse resolves its own relative paths against
   * (`log_config`, app service files): the one the relative `-c` resolved against, else PWD, else its cwd.
   */
  startDir: string | undefined;
}

interface Folder {
  dir: string;
  /** Where this folder comes from, for the evidence line. */
  source: string;
}

const isFile = (path: string): Promise<boolean> =>
  stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

/** `pid_file` of a config file, as written (undefined when the file cannot be read or has none). */
async function pidFileOf(config: string): Promise<string | undefined> {
  try {
    const value = parse(await readFile(config, 'utf8')) as unknown;
    const pidFile = value && typeof value === 'object' ? (value as Record<string, unknown>).pid_file : undefined;
    return typeof pidFile === 'string' ? pidFile : undefined;
  } catch {
    return undefined;
  }
}

/** The pid file (resolved against `dir`) that holds `pid`, among the configs' `pid_file`s. */
async function pidFileHolding(configs: string[], dir: string, pid: number): Promise<string | undefined> {
  for (const config of configs) {
    if (!(await isFile(config))) continue;
    const pidFile = await pidFileOf(config);
    if (!pidFile) continue;
    const path = resolve(dir, pidFile);
    const text = await readFile(path, 'utf8').catch(() => '');
    if (Number.parseInt(text.trim(), 10) === pid) return path;
  }
  return undefined;
}

/** Where a relative `-c` may have been relative to: PWD (the starting shell's folder), the cwd, the folders of its open logs. */
function candidateFolders(proc: HomeserverProcess): Folder[] {
  const folders: Folder[] = [];
  const add = (dir: string | undefined, source: string): void => {
    if (dir && !folders.some((f) => f.dir === dir)) folders.push({ dir, source });
  };
  add(proc.pwd, `PWD=${proc.pwd} in /proc/${proc.pid}/environ (the folder it was started from)`);
  add(proc.cwd, `its working folder ${proc.cwd}`);
  for (const file of proc.openFiles.filter((f) => f.endsWith('.log'))) add(dirname(file), `the folder of the log it writes, ${file}`);
  return folders;
}

/**
 * The configs a homeserver process was started with, resolved the way the process resolved them
 * when it started. `cd ~/synapse && synctl start` passes `-c homeserver.yaml` as typed, and Synapse
 * then daemonizes into `/`: its cwd says nothing. The candidates are PWD from its environment, its
 * cwd and the folders of the logs it holds open; the one whose config's `pid_file` holds this pid
 * wins, else the first where the config exists. The evidence says which decided and what agrees.
 */
export async function startedConfigs(proc: HomeserverProcess): Promise<StartedConfigs> {
  const args = configArgs(proc.argv);
  const relative = args.filter((a) => !isAbsolute(a));
  if (!relative.length) return { configs: args, evidence: [], startDir: proc.pwd ?? proc.cwd };
  const typed = relative.join(', ');
  const found: { folder: Folder; pidFile: string | undefined }[] = [];
  for (const folder of candidateFolders(proc)) {
    const configs = args.map((a) => resolve(folder.dir, a));
    if (!(await Promise.all(relative.map((a) => exists(resolve(folder.dir, a))))).every(Boolean)) continue;
    found.push({ folder, pidFile: await pidFileHolding(configs, folder.dir, proc.pid) });
  }
  const chosen = found.find((f) => f.pidFile) ?? found[0];
  if (!chosen) {
    const dir = proc.pwd ?? proc.cwd ?? '/';
    const tried =
      candidateFolders(proc)
        .map((f) => f.dir)
        .join(', ') || dir;
    return {
      configs: args.map((a) => resolve(dir, a)),
      startDir: undefined,
      evidence: [`pid ${proc.pid} was started with the relative config ${typed}, found in none of the folders it may be relative to (${tried})`],
    };
  }
  const { folder, pidFile } = chosen;
  const agree: string[] = [];
  if (pidFile) agree.push(`its pid_file ${pidFile} holds pid ${proc.pid}`);
  const log = proc.openFiles.find((f) => f.endsWith('.log') && f.startsWith(folder.dir.endsWith(sep) ? folder.dir : folder.dir + sep));
  if (log && !folder.source.includes(log)) agree.push(`the log it writes, ${log}, is in that folder`);
  const decided = pidFile && found[0] !== chosen ? ' (the pid file decided)' : '';
  const cwdNote = proc.cwd && proc.cwd !== folder.dir ? `; its own working folder is ${proc.cwd}` : '';
  return {
    configs: args.map((a) => resolve(folder.dir, a)),
    startDir: folder.dir,
    evidence: [
      `pid ${proc.pid} was started with the relative config ${typed}: resolved against ${folder.source}${decided}${cwdNote}${agree.length ? `; confirmed: ${agree.join('; ')}` : ''}`,
    ],
  };
}
