import { readdir, readFile, readlink } from 'node:fs/promises';

export interface HomeserverProcess {
  pid: number;
  argv: string[];
  cwd: string | undefined;
  /** `PWD` in its environment: the folder of the shell that started it (a daemon's cwd is `/`). */
  pwd: string | undefined;
  /** Files it holds open (absolute paths, from `fd/`): its log among them. */
  openFiles: string[];
}

const MARKERS = ['synapse.app.homeserver', 'synapse_homeserver'];

/** Every process's command line from /proc, by pid in ascending order (empty where /proc is not readable). */
export async function commandLines(procRoot = '/proc'): Promise<{ pid: number; argv: string[] }[]> {
  const entries = await readdir(procRoot).catch(() => [] as string[]);
  const found: { pid: number; argv: string[] }[] = [];
  for (const entry of entries.filter((e) => /^\d+$/.test(e)).sort((a, b) => Number(a) - Number(b))) {
    const argv = (await readFile(`${procRoot}/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0').filter(Boolean);
    found.push({ pid: Number(entry), argv });
  }
  return found;
}

/** Running homeserver processes, found from /proc (empty where /proc is not readable). */
export async function findHomeserverProcesses(procRoot = '/proc'): Promise<HomeserverProcess[]> {
  const found: HomeserverProcess[] = [];
  for (const { pid, argv } of await commandLines(procRoot)) {
    if (!argv.some((arg) => MARKERS.some((marker) => arg.endsWith(marker)))) continue;
    const cwd = await readlink(`${procRoot}/${pid}/cwd`).catch(() => undefined);
    found.push({ pid, argv, cwd, pwd: await environPwd(procRoot, pid), openFiles: await openFiles(procRoot, pid) });
  }
  return found;
}

/**
 * pip processes working in a virtualenv: started from its bin/ (`<venv>/bin/pip install …`, whose script runs
 * `<venv>/bin/python <venv>/bin/pip …`, or `<venv>/bin/python -m pip …`). While one runs, the virtualenv's package
 * metadata may be half there (pip removes the old version's before it writes the new one's).
 */
export async function findPipProcesses(venv: string, procRoot = '/proc'): Promise<{ pid: number; argv: string[] }[]> {
  const bin = `${venv.replace(/\/+$/, '')}/bin/`;
  const isPip = (arg: string | undefined): boolean => arg !== undefined && /^pip[\d.]*$/.test(arg.slice(arg.lastIndexOf('/') + 1));
  return (await commandLines(procRoot)).filter(
    ({ argv }) => argv[0]?.startsWith(bin) && (isPip(argv[0]) || isPip(argv[1]) || (argv[1] === '-m' && isPip(argv[2]))),
  );
}

/** `PWD` from `/proc/PID/environ` (undefined when unreadable or not an absolute path). */
export async function environPwd(procRoot: string, pid: string | number): Promise<string | undefined> {
  const environ = await readFile(`${procRoot}/${pid}/environ`, 'utf8').catch(() => '');
  const pwd = environ
    .split('\0')
    .find((v) => v.startsWith('PWD='))
    ?.slice(4);
  return pwd && pwd.startsWith('/') ? pwd : undefined;
}

/** The regular files a process holds open (from the `fd/` links; sockets, pipes and devices left out). */
export async function openFiles(procRoot: string, pid: string | number): Promise<string[]> {
  const fds = await readdir(`${procRoot}/${pid}/fd`).catch(() => [] as string[]);
  const files: string[] = [];
  for (const fd of fds) {
    const target = await readlink(`${procRoot}/${pid}/fd/${fd}`).catch(() => '');
    if (target.startsWith('/') && !target.startsWith('/dev/') && !target.endsWith(' (deleted)')) files.push(target);
  }
  return files;
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The config paths a homeserver was started with (`-c X`, `--config-path X`, `--config-path=X`). */
export function configArgs(argv: readonly string[]): string[] {
  const paths: string[] = [];
  argv.forEach((arg, index) => {
    const next = argv[index + 1];
    if ((arg === '-c' || arg === '--config-path') && next) paths.push(next);
    else if (arg.startsWith('--config-path=')) paths.push(arg.slice('--config-path='.length));
  });
  return paths;
}

/** The parent of a process, from `/proc/PID/stat` (after the last `)`: the command name may hold spaces and parentheses). */
export async function parentPid(pid: number, procRoot = '/proc'): Promise<number | undefined> {
  const stat = await readFile(`${procRoot}/${pid}/stat`, 'utf8').catch(() => '');
  const fields = stat
    .slice(stat.lastIndexOf(')') + 1)
    .trim()
    .split(' ');
  const ppid = Number(fields[1]);
  return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined;
}

/** Whether `pid` is one of `ancestors` or runs under one of them (its parents followed up to PID 1). */
export async function descendsFrom(pid: number, ancestors: readonly number[], procRoot = '/proc'): Promise<boolean> {
  const wanted = new Set(ancestors.filter((p) => p > 1));
  let current: number | undefined = pid;
  for (let depth = 0; current !== undefined && current > 1 && depth < 64; depth++) {
    if (wanted.has(current)) return true;
    current = await parentPid(current, procRoot);
  }
  return false;
}
