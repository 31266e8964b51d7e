import * as z from 'zod/mini';
import { DATABASE_ENGINES, EFFECTS, NOTE_METHODS, RESTART_MANAGERS, SEVERITIES, SEVERITY_OF_EFFECT, type Note, type ReleaseFile } from './types.js';
import { fixesSchema } from '../fixes/validate-fix.js';
import { checkSchema } from './validate-check.js';
import { ReleaseDataError, type Problem } from './yaml-nodes.js';
import { addProblem, fields, readYaml, releaseVersion, text, words, type ParsedYaml } from './yaml-schema.js';

export type { ParsedYaml } from './yaml-schema.js';

export const NOTE_ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;
/** One code location a check was traced to: a path in element-hq/synapse at a release tag. */
export const SOURCE_REF = /^[A-Za-z0-9_./-]+@v\d+\.\d+\.\d+(rc\d+)?$/;

/** Kebab-case ids (a-z, 0-9, single dashes), for notes and queries. */
export const kebabId = (what: string) =>
  text.check(z.refine((id) => NOTE_ID.test(id), { error: (iss) => `${what} ${JSON.stringify(iss.input)} must be kebab-case (a-z, 0-9, single dashes)` }));

const plainVersion = releaseVersion('a plain release version');

/** Which servers a note is about: the ones with these methods, engines, workers, modules, restart managers. */
export const concernsSchema = fields('concerns', {
  methods: z.optional(words(NOTE_METHODS)),
  database: z.optional(words(DATABASE_ENGINES)),
  workers: z.optional(z.boolean()),
  modules: z.optional(z.boolean()),
  restart: z.optional(words(RESTART_MANAGERS)),
});

/** `source`: one line, one or more `path@vX.Y.Z` separated by ", ". */
const sourceRefs = z.pipe(
  text,
  z.transform((line: string, ctx) => {
    const refs = line.split(/,\s*/);
    const bad = refs.find((ref) => !SOURCE_REF.test(ref));
    return bad === undefined
      ? refs
      : addProblem(ctx, `source "${bad}" must be a file of element-hq/synapse at a release tag, like synapse/config/sso.py@v1.13.0`);
  }),
);

/** One note as written in steps/releases/v<version>.yaml. */
export const noteSchema = (queryIds?: ReadonlySet<string>) =>
  fields('a note', {
    id: kebabId('id'),
    version: z.optional(plainVersion),
    title: text,
    summary: text,
    severity: z.enum(SEVERITIES),
    concerns: z.optional(concernsSchema),
    checks: z.optional(checkSchema(queryIds)),
    applies: z.optional(z.enum(['always'])),
    action: text,
    upstream: text,
    source: z.optional(sourceRefs),
    effect: z.optional(z.enum(EFFECTS)),
    /** The mechanical config change that does what the note asks (src/core/fixes). */
    fixes: z.optional(fixesSchema),
  }).check(
    z.superRefine((note, ctx) => {
      const { effect, severity } = note;
      if (effect && SEVERITY_OF_EFFECT[effect] !== severity) {
        const message = `severity ${severity} does not match effect ${effect} (a server that ${effect.replace(/-/g, ' ')} needs ${SEVERITY_OF_EFFECT[effect]})`;
        ctx.addIssue({ code: 'custom', path: ['severity'], message });
      }
      if (note.applies && note.checks) ctx.addIssue({ code: 'custom', path: ['applies'], message: 'a note has either checks or "applies: always", not both' });
    }),
  );

export type NoteFields = z.output<ReturnType<typeof noteSchema>>;

/** steps/releases/v<version>.yaml: `version` (the file's name) plus a non-empty list of `notes`. */
const releaseSchema = (fileName: string, queryIds?: ReadonlySet<string>) =>
  fields('a release file', {
    version: plainVersion,
    notes: z.array(noteSchema(queryIds)).check(z.minLength(1, { error: 'notes must list at least one note' })),
  }).check(
    z.superRefine((release, ctx) => {
      if (fileName !== `v${release.version}.yaml`) {
        ctx.addIssue({
          code: 'custom',
          path: ['version'],
          message: `version ${release.version} does not match the file name ${fileName} (expected v${release.version}.yaml)`,
        });
      }
      release.notes.forEach((note, i) => {
        if (note.version && note.version !== release.version) {
          ctx.addIssue({
            code: 'custom',
            path: ['notes', i, 'version'],
            message: `note version ${note.version} differs from the file's version ${release.version}`,
          });
        }
      });
    }),
  );

/** Reads one release file; a note keeps the line it starts on, for messages. */
export function readReleaseFile(file: ParsedYaml, queryIds?: ReadonlySet<string>): { release?: ReleaseFile; problems: Problem[] } {
  const fileName = file.path.split(/[\\/]/).pop() ?? file.path;
  const { value, problems } = readYaml(releaseSchema(fileName, queryIds), file);
  if (!value) return { problems };
  const items = file.doc.get('notes', true) as { items?: { range?: [number, number, number] }[] } | undefined;
  const notes = value.notes.map((fields, i): Note => {
    const { applies, concerns, version: _ownVersion, ...rest } = fields;
    const start = items?.items?.[i]?.range?.[0];
    return {
      ...rest,
      version: value.version,
      concerns: concerns ?? {},
      always: applies === 'always',
      file: file.path,
      line: start === undefined ? 1 : file.lines.linePos(start).line,
    };
  });
  return { release: { version: value.version, file: file.path, notes }, problems: [] };
}

/** Validates every release file together: each must read cleanly and note ids must be unique. */
export function validateReleases(files: readonly ParsedYaml[], queryIds?: ReadonlySet<string>): ReleaseFile[] {
  const problems: Problem[] = [];
  const releases: ReleaseFile[] = [];
  const seen = new Map<string, Note>();
  for (const file of files) {
    const { release, problems: own } = readReleaseFile(file, queryIds);
    problems.push(...own);
    if (!release) continue;
    releases.push(release);
    for (const note of release.notes) {
      const first = seen.get(note.id);
      if (first) problems.push({ file: note.file, line: note.line, message: `note id "${note.id}" is already used at ${first.file}:${first.line}` });
      else seen.set(note.id, note);
    }
  }
  if (problems.length) throw new ReleaseDataError(problems);
  return releases;
}
