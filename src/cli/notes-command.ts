import { exactJson } from '../core/screen-text.js';
import { parseArgs } from 'node:util';
import { describeError, ExitCode } from '../core/errors.js';
import { evaluateNotes, queryIdsOf } from '../core/notes/evaluate.js';
import { coverageJson, coverageLines, uncheckedLines } from '../core/notes/coverage.js';
import { notesJson, renderNotesText } from '../core/notes/render.js';
import { readRange, selectNotes } from '../core/notes/select.js';
import { gatherNoteFacts } from '../system/note-facts.js';
import { loadReleaseData, type ReleaseData } from '../system/release-data.js';
import { notesCoverage } from '../engine/notes-coverage.js';
import { notesFix, notesFixJson, notesFixText } from './notes-fix.js';

export interface NotesIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

export const NOTES_USAGE = `Usage: synapse-upgrade notes --from VERSION --to VERSION [--config PATH]... [--worker-config PATH]...
                              [--fix [--yes] [--state-dir DIR]] [--json] [--offline]

Lists the upgrade notes of every release in (from, to], grouped by severity, and whether each
applies to this server (yes, no, unknown) with the evidence (file:line) from its config.
  --from VERSION   the version running now (1.47.0, v1.47.0, 1.47.0+bookworm1, 1.47.0rc1)
  --to VERSION     the version to upgrade to
  --config PATH    homeserver.yaml or a conf.d folder; repeat to merge several, as Synapse does
  --json           print one JSON object: {"from","to","notes":[{version,id,title,severity,applies,findings}],"coverage"}
  --offline        do not read the target's upgrade notes from the package index
  --worker-config PATH  a worker's config file (repeat); worker checks and fixes read them
  --fix            after the notes, show a unified diff of the mechanical config fixes of the notes that apply
                   (secrets masked); nothing is changed
  --yes            with --fix: apply them; each file is backed up first (beside it, or in the state folder) and
                   rewritten atomically; comments and untouched lines stay as they are
  --state-dir DIR  where backups go when a config's folder cannot be written
Releases newer than the newest one this tool's notes know are listed as not covered, with where their notes
are; the target's own docs/upgrade.md (from its sdist on the package index, then cached) supplies their
sections, shown unchecked.
Exit codes: 0 listed (and fixed), 1 the notes data is broken or a fix could not be written, 2 bad arguments.`;

/** `synapse-upgrade notes`: reads only, except `--fix --yes`, which rewrites configs after a backup. `stepsDir` is for tests. */
export async function runNotesCommand(args: string[], io: NotesIo, opts: { stepsDir?: string } = {}): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        config: { type: 'string', short: 'c', multiple: true },
        json: { type: 'boolean', default: false },
        offline: { type: 'boolean', default: false },
        fix: { type: 'boolean', default: false },
        yes: { type: 'boolean', short: 'y', default: false },
        'worker-config': { type: 'string', multiple: true },
        'state-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: false,
      strict: true,
    }));
  } catch (error) {
    io.stderr(`${error instanceof Error ? error.message : String(error)}\n\n${NOTES_USAGE}`);
    return ExitCode.usage;
  }
  if (values.help) {
    io.stdout(NOTES_USAGE);
    return ExitCode.ok;
  }
  if (values.yes && !values.fix) {
    io.stderr(`--yes applies the fixes of --fix; give both.\n\n${NOTES_USAGE}`);
    return ExitCode.usage;
  }
  if (!values.from || !values.to) {
    io.stderr(`Both --from and --to are needed.\n\n${NOTES_USAGE}`);
    return ExitCode.usage;
  }
  const range = readRange(values.from, values.to);
  if (!range.ok) {
    io.stderr(range.reason);
    return ExitCode.usage;
  }
  let data: ReleaseData;
  try {
    data = await loadReleaseData(...(opts.stepsDir ? [opts.stepsDir] : []));
  } catch (error) {
    io.stderr(describeError(error).join('\n'));
    return ExitCode.failed;
  }
  const selected = selectNotes(data.notes, range.from, range.to);
  const wanted = new Set(queryIdsOf(selected));
  const { facts, warnings } = await gatherNoteFacts({
    configPaths: values.config ?? [],
    ...(values['worker-config'] ? { workerConfigPaths: values['worker-config'] } : {}),
    queries: data.queries.filter((q) => wanted.has(q.id)),
  });
  if (wanted.size > 0) warnings.push('The read-only database queries were not run by this command; notes that need them are shown as unknown.');
  const results = evaluateNotes(selected, facts);
  const coverage = await notesCoverage(data.schema.newestRelease, range.from, range.to, { readIndex: !values.offline });
  if (coverage.uncovered)
    warnings.push(
      `The notes data stops at ${coverage.knownThrough}: releases after ${coverage.uncovered.after} up to ${coverage.uncovered.to} are not covered (see NOT COVERED).`,
    );
  const fix = values.fix
    ? await notesFix(selected, results, {
        configPaths: values.config ?? [],
        workerConfigPaths: values['worker-config'] ?? [],
        apply: values.yes,
        stateDir: values['state-dir'],
      })
    : undefined;
  if (fix && !fix.ok) {
    io.stderr(fix.error.join('\n'));
    return ExitCode.failed;
  }
  for (const warning of warnings) io.stderr(`warning: ${warning}`);
  if (values.json) {
    io.stdout(
      exactJson(
        { ...notesJson(range.from.text, range.to.text, results), coverage: coverageJson(coverage), ...(fix?.ok ? { fixes: notesFixJson(fix) } : {}) },
        2,
      ),
    );
  } else {
    const lines = renderNotesText(range.from.text, range.to.text, results, new Map(selected.map((n) => [n.id, n])));
    const report = coverageJson(coverage);
    if (report.uncovered) lines.push('', ...coverageLines(report));
    for (const note of report.unchecked) lines.push(...uncheckedLines(note));
    if (fix?.ok) lines.push(...notesFixText(fix, selected));
    io.stdout(lines.join('\n'));
  }
  return ExitCode.ok;
}
