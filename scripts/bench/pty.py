"""Runs programs on a pseudo-terminal and times them, for scripts/bench.mjs.

Usage: python3 pty.py SPEC.json   → prints {"<case>": [ms, ...], ...} on stdout.
SPEC: {"runs": N, "warmup": W, "cols": 100, "rows": 40, "timeout_s": 20,
       "cases": [{"name": "...", "argv": [...], "env": {...}, "until": "frame" | "exit", "cwd": "..."}]}
Runs are interleaved (case A, case B, A, B, ...) so both see the same machine noise.
"{run}" in an env value becomes the run number.
"frame": from fork to the first output that has visible text once escape sequences are removed;
         then the whole process group is killed. With "after": a regex of the output, only text that comes
         after its first match counts (the wizard's Ink frame, which follows its first frame's erasure). "exit": from fork to the exit of the program
         (its output is read and thrown away meanwhile).
"""
import fcntl, json, os, re, select, signal, struct, sys, termios, time

ANSI = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78DEHM]")


def run_once(case, cols, rows, timeout_s, run):
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    env = {k: v.replace("{run}", str(run)) for k, v in (case.get("env") or os.environ).items()}
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            os.close(master)
            fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
            for fd in (0, 1, 2):
                os.dup2(slave, fd)
            if slave > 2:
                os.close(slave)
            if case.get("cwd"):
                os.chdir(case["cwd"])
            os.execvpe(case["argv"][0], case["argv"], env)
        finally:
            os._exit(127)
    os.close(slave)
    until = case.get("until", "exit")
    seen = b""
    elapsed = None
    deadline = started + timeout_s
    try:
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError("%s: no %s within %ss; output so far: %r" % (case["name"], until, timeout_s, seen[-400:]))
            ready, _, _ = select.select([master], [], [], min(left, 0.5))
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                break  # EOF / EIO: every holder of the terminal is gone
            if until == "frame" and elapsed is None:
                seen += chunk
                start = 0
                if case.get("after"):
                    mark = re.search(case["after"].encode(), seen)
                    if not mark:
                        continue
                    start = mark.end()
                if re.search(rb"[^\s]", ANSI.sub(b"", seen[start:])):
                    elapsed = time.perf_counter() - started
                    break
        if until == "exit":
            os.waitpid(pid, 0)
            elapsed = time.perf_counter() - started
    finally:
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
        os.close(master)
    return elapsed * 1000.0


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    cols, rows, timeout_s = spec.get("cols", 100), spec.get("rows", 40), spec.get("timeout_s", 20)
    out = {case["name"]: [] for case in spec["cases"]}
    for i in range(spec.get("warmup", 1) + spec["runs"]):
        for case in spec["cases"]:
            ms = run_once(case, cols, rows, timeout_s, i)
            if i >= spec.get("warmup", 1):
                out[case["name"]].append(round(ms, 2))
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
