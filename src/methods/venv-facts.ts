import { existsSync } from 'node:fs';
import { readPythonLight } from '../system/python-probe.js';

export interface VenvFacts {
  installed: boolean;
  version: string | undefined;
  extras: string[];
  python: string;
  sqlite: string;
  /** PEP 610 `direct_url.json`: where pip installed matrix-synapse from when not from an index (a checkout). */
  directUrl: { url: string; editable: boolean } | undefined;
}

/**
 * Asks the venv's own Python, through package metadata (never by scraping `pip show`). Only
 * distributions installed in the venv itself count (a venv made with --system-site-packages also
 * sees the system's, e.g. Debian's python3-jwt), and an extra's requirements are those whose
 * environment marker holds here with that extra (`psycopg2cffi ; platform_python_implementation ==
 * 'PyPy' and extra == 'postgres'` is not needed on CPython).
 */
export const VENV_FACTS_SCRIPT = String.raw`
import json, os, re, sys, sqlite3
from importlib import metadata as m
out = {"installed": False, "version": None, "extras": [], "python": "%d.%d.%d" % sys.version_info[:3], "sqlite": sqlite3.sqlite_version, "directUrl": None}
norm = lambda name: re.sub(r"[-_.]+", "-", name).lower()
prefix = os.path.realpath(sys.prefix) + os.sep
own_paths = [p for p in sys.path if p and os.path.realpath(p).startswith(prefix)]
def dist_name(dist):
    # A metadata folder's name is its distribution's, escaped ("matrix_synapse-1.47.0.dist-info", "Foo_Bar-1.0-py3.11.egg-info"):
    # read from it, every METADATA file need not be parsed. Anything else: the Name field.
    folder = os.path.basename(str(getattr(dist, "_path", "")).rstrip("/\\"))
    for suffix in (".dist-info", ".egg-info"):
        if folder.endswith(suffix) and folder[: -len(suffix)]:
            return folder[: -len(suffix)].split("-", 1)[0]
    return dist.metadata["Name"]
own = {}
for dist in m.distributions(path=own_paths):
    name = dist_name(dist)
    if name and norm(name) not in own:
        own[norm(name)] = dist
Requirement = False
def requirement_class():
    global Requirement
    if Requirement is False:
        try:
            from packaging.requirements import Requirement as found
        except ImportError:
            try:
                from pip._vendor.packaging.requirements import Requirement as found
            except ImportError:
                found = None
        Requirement = found
    return Requirement
parsed = {}
def needed(req, extra):
    """The distribution name when req belongs to this extra and its marker holds here, else None."""
    if not re.search(r"\bextra\s*==", req):
        return None  # not an extra's requirement: no need to parse it
    simple = re.fullmatch(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?:\([^)]*\)|[<>=!~][^;]*)?;\s*extra\s*==\s*(['\"])([^'\"]+)\2\s*", req)
    if simple:  # "name ...; extra == 'x'" and nothing else: no parser needed (its import alone costs 30-50 ms)
        return simple.group(1) if norm(simple.group(3)) == norm(extra) else None
    cls = requirement_class()
    if cls is None:
        if not re.search(r"extra\s*==\s*['\"]%s['\"]" % re.escape(extra), req):
            return None
        return re.split(r"[ ;<>=!~\[(]", req, 1)[0]
    if req not in parsed:
        try:
            parsed[req] = cls(req)
        except Exception:
            parsed[req] = None
    r = parsed[req]
    if r is None or r.marker is None or r.marker.evaluate({"extra": ""}) or not r.marker.evaluate({"extra": extra}):
        return None
    return r.name
d = own.get("matrix-synapse")
if d is not None:
    md = d.metadata
    out["installed"] = True
    out["version"] = md["Version"]
    reqs = md.get_all("Requires-Dist") or []
    for extra in md.get_all("Provides-Extra") or []:
        names = [n for n in (needed(r, extra) for r in reqs) if n]
        if names and all(norm(n) in own for n in names):
            out["extras"].append(extra)
    if "all" in out["extras"]:
        out["extras"] = ["all"]
    try:
        direct = json.loads(d.read_text("direct_url.json") or "null")
    except ValueError:
        direct = None
    if isinstance(direct, dict) and isinstance(direct.get("url"), str):
        out["directUrl"] = {"url": direct["url"], "editable": bool((direct.get("dir_info") or {}).get("editable"))}
print(json.dumps(out))
`;

/** Reads started ahead by prefetchVenvFacts, by the virtualenv's Python; each is taken once, by detection only. */
const early = new Map<string, Promise<VenvFacts>>();

/**
 * Starts reading a virtualenv's facts now: the CLI does for `--venv` while it loads the command's code (the
 * Python probe takes 70-150 ms, loading the code about as long). Detection takes the result (prefetchedVenvFacts);
 * nothing else does, so a read from before an install never stands for after it (a Python that does not exist
 * only fails the read nobody takes).
 */
export function prefetchVenvFacts(python: string): void {
  if (early.has(python) || !existsSync(python)) return;
  const facts = probeVenv(python);
  facts.catch(() => {});
  early.set(python, facts);
}

/** The read prefetchVenvFacts started for this Python, taken once; undefined when none was. */
export function prefetchedVenvFacts(python: string): Promise<VenvFacts> | undefined {
  const started = early.get(python);
  early.delete(python);
  return started;
}

/** The virtualenv's facts, read now. */
export function readVenvFacts(python: string): Promise<VenvFacts> {
  return probeVenv(python);
}

/** The facts from the venv's own Python (system/python-probe.ts: light, so the CLI can start it early). */
async function probeVenv(python: string): Promise<VenvFacts> {
  const result = await readPythonLight(python, ['-c', VENV_FACTS_SCRIPT]);
  if (result.exitCode !== 0) {
    throw new Error(`${python} could not be run (exit ${result.exitCode}): ${result.stderr.trim().split('\n').at(-1) ?? ''}`);
  }
  const data = JSON.parse(result.stdout) as {
    installed: boolean;
    version: string | null;
    extras: string[];
    python: string;
    sqlite: string;
    directUrl: VenvFacts['directUrl'] | null;
  };
  return { ...data, version: data.version ?? undefined, directUrl: data.directUrl ?? undefined };
}
