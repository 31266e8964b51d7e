import { readOnly } from '../system/probe.js';

export interface VenvFacts {
  installed: boolean;
  version: string | undefined;
  extras: string[];
  python: string;
  sqlite: string;
  /** PEP 610 `direct_url.json`: where pip installed matrix-synapse from when not from an index (a checkout). */
  directUrl: { url: string; editable: boolean } | undefined;
}

/** Asks the venv's own Python, through package metadata (never by scraping `pip show`). */
const SCRIPT = String.raw`
import json, re, sys, sqlite3
from importlib import metadata as m
out = {"installed": False, "version": None, "extras": [], "python": "%d.%d.%d" % sys.version_info[:3], "sqlite": sqlite3.sqlite_version, "directUrl": None}
def have(name):
    try:
        m.distribution(name); return True
    except m.PackageNotFoundError:
        return False
try:
    d = m.distribution("matrix-synapse")
    out["installed"] = True
    out["version"] = d.version
    reqs = d.requires or []
    for extra in d.metadata.get_all("Provides-Extra") or []:
        pat = re.compile(r"extra\s*==\s*['\"]%s['\"]" % re.escape(extra))
        names = [re.split(r"[ ;<>=!~\[(]", r, 1)[0] for r in reqs if pat.search(r)]
        if names and all(have(n) for n in names):
            out["extras"].append(extra)
    if "all" in out["extras"]:
        out["extras"] = ["all"]
    try:
        direct = json.loads(d.read_text("direct_url.json") or "null")
    except ValueError:
        direct = None
    if isinstance(direct, dict) and isinstance(direct.get("url"), str):
        out["directUrl"] = {"url": direct["url"], "editable": bool((direct.get("dir_info") or {}).get("editable"))}
except m.PackageNotFoundError:
    pass
print(json.dumps(out))
`;

export async function readVenvFacts(python: string): Promise<VenvFacts> {
  const result = await readOnly([python, '-c', SCRIPT], { timeoutMs: 30_000 });
  if (result.exitCode !== 0) {
    throw new Error(`${python} could not be run (exit ${result.exitCode}): ${result.stderr.trim().split('\n').at(-1) ?? ''}`);
  }
  const data = JSON.parse(result.stdout) as { installed: boolean; version: string | null; extras: string[]; python: string; sqlite: string; directUrl: VenvFacts['directUrl'] | null };
  return { ...data, version: data.version ?? undefined, directUrl: data.directUrl ?? undefined };
}
