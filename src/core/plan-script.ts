import type { NoteEvent } from './events.js';
import { coverageLines, uncheckedLines, type CoverageReport } from './notes/coverage.js';
import { shellQuote } from './shell-quote.js';

export interface PlannedCommand {
  step: string;
  argv: string[];
  cwd: string | undefined;
  /** Secret values arrive masked as `***`: the script then asks the admin to export them. */
  env: Record<string, string>;
  /** Lines shown as comments above the command, for review (a config fix's diff). */
  review?: string[];
}

export interface Plan {
  generatedBy: string;
  generatedAt: string;
  serverName: string | undefined;
  method: string;
  from: string;
  to: string;
  url: string;
  python: string;
  evidence: string[];
  notes: NoteEvent[];
  /** What the notes data covers; releases beyond it are named, with their unchecked notes. */
  coverage?: CoverageReport;
  checks: string[];
  commands: PlannedCommand[];
}

const WAIT_PY =
  'import json,sys,urllib.request as u\ntry:\n    json.load(u.urlopen(sys.argv[1]+"/_synapse/admin/v1/server_version",timeout=5))["server_version"]\nexcept Exception:\n    sys.exit(1)';
const VERIFY_PY =
  'import json,sys,urllib.request as u\nv=json.load(u.urlopen(sys.argv[1]+"/_synapse/admin/v1/server_version",timeout=5))["server_version"].split()[0]\nprint("Synapse answers "+v)\nsys.exit(0 if v==sys.argv[2] else 1)';

const comment = (text: string, indent = ''): string[] => text.split('\n').map((line) => `#${indent}${line ? ` ${line}` : ''}`);

function commandLines(cmd: PlannedCommand): string[] {
  const lines: string[] = (cmd.review ?? []).flatMap((line) => comment(line));
  const assignments: string[] = [];
  for (const [name, value] of Object.entries(cmd.env)) {
    if (value === '***') lines.push(`: "\${${name}:?export ${name} before running this script}"`);
    else assignments.push(`${name}=${shellQuote(value)}`);
  }
  const command = [...(assignments.length ? ['env', ...assignments] : []), ...cmd.argv.map(shellQuote)].join(' ');
  lines.push(cmd.cwd ? `(cd ${shellQuote(cmd.cwd)} && ${command})` : command);
  return lines;
}

/** The plan as a POSIX shell script an admin can review and run by hand. Pure. */
export function renderPlanScript(plan: Plan): string {
  const out: string[] = ['#!/bin/sh'];
  out.push(...comment(`Upgrade plan for ${plan.serverName ?? 'this homeserver'}: Synapse ${plan.from} -> ${plan.to} (${plan.method} install).`));
  out.push(...comment(`Written by ${plan.generatedBy} on ${plan.generatedAt}. Review every line before running it:`));
  out.push(...comment('each command runs as written, and the script stops at the first one that fails.'));
  out.push('#', ...comment('How the install was recognised:'), ...plan.evidence.flatMap((e) => comment(`- ${e}`, ' ')));
  const applies = plan.notes.filter((n) => n.applies === 'yes');
  const maybe = plan.notes.filter((n) => n.applies === 'unknown');
  out.push(
    '#',
    ...comment(
      applies.length ? 'Upgrade notes that apply to this server (deal with each before running):' : 'No upgrade note was found to apply to this server.',
    ),
  );
  for (const note of applies) {
    out.push(...comment(`[${note.severity}] v${note.version} ${note.title} (${note.id})`, ' '));
    for (const f of note.findings) out.push(...comment(`evidence: ${f.file ? `${f.file}${f.line ? `:${f.line}` : ''}: ` : ''}${f.message}`, '   '));
    if (note.action) out.push(...comment(`what to do: ${note.action}`, '   '));
  }
  if (maybe.length) {
    out.push('#', ...comment('Notes that could not be checked here (read them):'));
    for (const note of maybe) out.push(...comment(`[${note.severity}] v${note.version} ${note.title} (${note.id})`, ' '));
  }
  if (plan.coverage?.uncovered) {
    out.push('#', ...coverageLines(plan.coverage).flatMap((l) => comment(l)));
    for (const note of plan.coverage.unchecked) out.push(...uncheckedLines(note).flatMap((l) => comment(l)));
  }
  if (plan.checks.length) out.push('#', ...comment('Checks run while planning:'), ...plan.checks.flatMap((c) => comment(c, ' ')));
  // Whatever the script makes (the backup folder, the backup itself) is private to whoever runs it.
  out.push('', 'set -eu', 'umask 077', '');
  let step = '';
  for (const cmd of plan.commands) {
    if (cmd.step !== step) {
      step = cmd.step;
      out.push(`# Step: ${step}`);
    }
    out.push(...commandLines(cmd), '');
  }
  const url = shellQuote(plan.url);
  const python = shellQuote(plan.python);
  out.push('# Step: wait until Synapse answers (database migrations run first; this can take long)');
  out.push(`until ${python} -c '${WAIT_PY}' ${url}; do sleep 2; done`, '');
  out.push('# Step: verify the running version');
  out.push(`${python} -c '${VERIFY_PY}' ${url} ${shellQuote(plan.to)}`);
  out.push(`echo ${shellQuote(`Synapse now runs ${plan.to}.`)}`, '');
  return out.join('\n');
}
