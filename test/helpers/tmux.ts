import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

/** Runs argv on the pane's terminal and writes how it ended to a file (no shell involved). */
const WRAPPER = fileURLToPath(new URL('./exit-status.mjs', import.meta.url));

/** Whether a `tmux` binary is on PATH. Tests skip (saying why) only when it is not. */
export function tmuxAvailable(): boolean {
  return spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;
}

export interface TmuxOptions {
  /**
   * The whole environment of the command, used as given (nothing is inherited; only TMUX and TMUX_PANE are dropped).
   * Leave CI out for the Ink screen: with CI set the wizard (and Ink) treat the terminal as CI output.
   */
  env: Record<string, string>;
  cwd?: string;
  /** Default 80 × 24. */
  width?: number;
  height?: number;
}

export interface ExitStatus {
  code: number | null;
  signal: string | null;
  error?: string;
}

export interface CaptureOptions {
  /** `-e`: keep the escape sequences of text and background attributes (colours, bold). */
  escapes?: boolean;
  /** `-J`: join wrapped lines, so a line wider than the pane shows as one long line. */
  joined?: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One command running in a fresh, detached tmux server on a private socket. */
export class TmuxSession {
  private killed = false;

  readonly socket: string;
  private readonly env: Record<string, string>;
  private readonly dir: string;
  private readonly statusFile: string;
  private readonly panePid: number;
  private readonly socketPath: string;

  private constructor(parts: { socket: string; env: Record<string, string>; dir: string; statusFile: string; panePid: number; socketPath: string }) {
    ({ socket: this.socket, env: this.env, dir: this.dir, statusFile: this.statusFile, panePid: this.panePid, socketPath: this.socketPath } = parts);
  }

  /**
   * Starts `argv` (program and arguments, no shell) in a new tmux server:
   * `tmux -L <unique> -f /dev/null new-session -d -x 80 -y 24 -- node exit-status.mjs <file> argv…`.
   * The pane stays on screen after the command exits, so its last screen can still be captured.
   */
  static async start(argv: string[], opts: TmuxOptions): Promise<TmuxSession> {
    if (argv.length === 0) throw new Error('TmuxSession.start: empty argv');
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(opts.env)) {
      if (key !== 'TMUX' && key !== 'TMUX_PANE') env[key] = value;
    }
    env.TERM ??= 'xterm-256color';
    const socket = `su-test-${process.pid}-${randomBytes(4).toString('hex')}`;
    const dir = await mkdtemp(path.join(tmpdir(), 'su-tmux-'));
    const statusFile = path.join(dir, 'exit-status.json');
    const width = opts.width ?? 80;
    const height = opts.height ?? 24;
    // One command list, so the options are in place before the command starts. The tmux client gets
    // exactly `env`; a new server copies it as its global environment. tmux sets the pane's TERM from
    // default-terminal (over any -e), so TERM goes there.
    const args = [
      '-L',
      socket,
      '-f',
      '/dev/null',
      'set-option',
      '-g',
      'remain-on-exit',
      'on',
      ';',
      'set-option',
      '-g',
      'remain-on-exit-format',
      '',
      ';',
      'set-option',
      '-g',
      'status',
      'off',
      ';',
      'set-option',
      '-g',
      'default-terminal',
      env.TERM,
      ';',
      'new-session',
      '-d',
      '-s',
      'test',
      '-x',
      String(width),
      '-y',
      String(height),
      '-c',
      opts.cwd ?? process.cwd(),
      '--',
      process.execPath,
      WRAPPER,
      statusFile,
      ...argv,
    ];
    const started = await execa('tmux', args, { env, extendEnv: false, reject: false, stdin: 'ignore' });
    if (started.exitCode !== 0) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`tmux new-session failed (exit ${started.exitCode}): ${started.stderr}`);
    }
    const info = await execa('tmux', ['-L', socket, 'display-message', '-p', '-t', 'test', '#{pane_pid} #{socket_path}'], {
      env,
      extendEnv: false,
      reject: false,
    });
    const [pid, ...socketPath] = info.stdout.trim().split(' ');
    return new TmuxSession({ socket, env, dir, statusFile, panePid: Number(pid), socketPath: socketPath.join(' ') });
  }

  private tmux(args: string[]) {
    return execa('tmux', ['-L', this.socket, ...args], { env: this.env, extendEnv: false, reject: false, stdin: 'ignore' });
  }

  /** tmux key names (`Enter`, `Down`, `Up`, `C-c`) or literal text, one key at a time with a short pause. */
  async sendKeys(...keys: string[]): Promise<void> {
    for (const key of keys) {
      const sent = await this.tmux(['send-keys', '-t', 'test', key]);
      if (sent.exitCode !== 0) throw new Error(`tmux send-keys ${key} failed: ${sent.stderr}`);
      await sleep(120);
    }
  }

  /** Resizes the window (the command gets SIGWINCH, as when a terminal window is resized). */
  async resize(width: number, height: number): Promise<void> {
    const resized = await this.tmux(['resize-window', '-t', 'test', '-x', String(width), '-y', String(height)]);
    if (resized.exitCode !== 0) throw new Error(`tmux resize-window failed: ${resized.stderr}`);
  }

  /** The visible screen (`capture-pane -p`), trailing spaces trimmed unless `joined`. */
  async capture(opts: CaptureOptions = {}): Promise<string> {
    const args = ['capture-pane', '-p', '-t', 'test', ...(opts.escapes ? ['-e'] : []), ...(opts.joined ? ['-J'] : [])];
    const result = await this.tmux(args);
    if (result.exitCode !== 0) throw new Error(`tmux capture-pane failed: ${result.stderr}`);
    return result.stdout;
  }

  /** A tmux format about the pane, e.g. `#{pane_width}x#{pane_height}` or `#{history_size}`. */
  async display(format: string): Promise<string> {
    return (await this.tmux(['display-message', '-p', '-t', 'test', format])).stdout.trim();
  }

  /**
   * Polls the screen until `pattern` matches; returns that capture. Fails with the last screen on time-out,
   * or at once when the command has exited without the screen ever matching.
   * `onScreen` sees every capture taken while waiting (for checks that must hold throughout).
   * With TMUX_TEST_DEBUG set, every matching screen is printed to stderr.
   */
  async waitFor(pattern: RegExp, timeoutMs = 15_000, opts: CaptureOptions & { onScreen?: (screen: string) => void } = {}): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await this.status();
      const screen = await this.capture(opts);
      opts.onScreen?.(screen);
      if (pattern.test(screen)) {
        if (process.env.TMUX_TEST_DEBUG) process.stderr.write(`--- [${this.socket}] ${pattern}\n${screen}\n`);
        return screen;
      }
      if (status) throw new Error(`the command exited (${JSON.stringify(status)}) and the screen never showed ${pattern}:\n${screen}`);
      if (Date.now() > deadline) throw new Error(`after ${timeoutMs} ms the screen still does not show ${pattern}:\n${screen}`);
      await sleep(100);
    }
  }

  /** How the command ended, or undefined while it runs. */
  async status(): Promise<ExitStatus | undefined> {
    const text = await readFile(this.statusFile, 'utf8').catch(() => undefined);
    return text ? (JSON.parse(text) as ExitStatus) : undefined;
  }

  /** Waits for the command to exit and returns its exit code; rejects if it died of a signal or did not exit in time. */
  async exitCode(timeoutMs = 15_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await this.status();
      if (status) {
        if (status.code === null) throw new Error(`the command was killed by ${status.signal}${status.error ? `: ${status.error}` : ''}`);
        return status.code;
      }
      if (Date.now() > deadline) throw new Error(`the command did not exit within ${timeoutMs} ms:\n${await this.capture().catch(() => '')}`);
      await sleep(100);
    }
  }

  /** Ends the tmux server and anything still running in the pane; removes the temp files. For after() hooks. */
  async kill(): Promise<void> {
    if (this.killed) return;
    this.killed = true;
    // While the command runs, its wrapper leads the pane's process group (wrapper, wizard, the commands it
    // runs): end the whole group first, then the server.
    if (!(await this.status()) && Number.isInteger(this.panePid) && this.panePid > 0) {
      try {
        process.kill(-this.panePid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await this.tmux(['kill-server']).catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
    if (this.socketPath) await rm(this.socketPath, { force: true }).catch(() => undefined);
  }
}

/** The lines of a screen whose width (in code points, trailing spaces ignored) exceeds `columns`. */
export function linesWiderThan(screen: string, columns: number): string[] {
  return screen.split('\n').filter((line) => [...line.trimEnd()].length > columns);
}

/** The SGR colour parameters (foreground/background, 16, 256 or true colour) in a `capture-pane -e` screen. */
export function colourCodes(screen: string): string[] {
  const found: string[] = [];
  for (const match of screen.matchAll(/\x1b\[([\d;:]*)m/g)) {
    const params = (match[1] ?? '').split(/[;:]/).map(Number);
    for (let i = 0; i < params.length; i++) {
      const p = params[i]!;
      if (p === 38 || p === 48 || p === 58) {
        found.push(match[0]);
        break;
      }
      if ((p >= 30 && p <= 37) || (p >= 40 && p <= 47) || (p >= 90 && p <= 97) || (p >= 100 && p <= 107)) {
        found.push(match[0]);
        break;
      }
    }
  }
  return found;
}
