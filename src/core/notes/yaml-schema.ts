import * as z from 'zod/mini';
import type { $ZodRawIssue, $ZodType, ParsePayload } from 'zod/v4/core';
import type { Document, LineCounter } from 'yaml';
import { yamlData, type Path, type Problem } from './yaml-nodes.js';

/**
 * The vocabulary the steps/ schemas are written in, and how a zod issue becomes a problem an editor of
 * steps/ can act on: `file:line:column: what is wrong`, worded for that person, not in zod's words.
 */

/** A YAML file parsed with positions kept (src/config/yaml-file.ts produces this shape). */
export interface ParsedYaml {
  path: string;
  doc: Document;
  lines: LineCounter;
}

/** The name a problem gives a value: its field's name, or for an item of a list, the list's. */
export const nameOf = (path: Path = []): string => String([...path].reverse().find((p) => typeof p === 'string') ?? 'the file');

/** What each mapping is called in problems ("a note"), by its error function (which zod keeps when a schema is refined). */
const NAMES = new WeakMap<object, string>();

/** A mapping with exactly these fields (unknown fields are problems); `what` names it in problems. */
export function fields<S extends z.core.$ZodLooseShape>(what: string, shape: S) {
  const allowed = Object.keys(shape).join(', ');
  const error = (iss: $ZodRawIssue): string | undefined => {
    if (iss.code === 'unrecognized_keys') {
      const keys = iss.keys.map((k) => `"${k}"`).join(', ');
      return `unknown field${iss.keys.length > 1 ? 's' : ''} ${keys} in ${what} (allowed: ${allowed})`;
    }
    return iss.code === 'invalid_type' && iss.input !== undefined ? `${what} must be a mapping` : undefined;
  };
  NAMES.set(error, what);
  return z.strictObject(shape, { error });
}

/** Text with something in it. */
export const text = z.string().check(z.refine((s) => s.trim() !== '', { error: (iss) => `${nameOf(iss.path)} must be a non-empty text` }));

/** A list of allowed words; a single word is read as a list of one. */
/** A text that compiles as a regular expression; `error` words the problem for the key that holds it. */
export const regexText = (error: string | ((iss: { input: unknown }) => string)) =>
  text.check(
    z.refine(
      (pattern) => {
        try {
          new RegExp(pattern);
          return true;
        } catch {
          return false;
        }
      },
      { error },
    ),
  );

export const words = <const T extends readonly [string, ...string[]]>(allowed: T) =>
  z.pipe(
    z.transform((v: unknown) => (Array.isArray(v) ? v : [v])),
    z.array(z.enum(allowed)).check(z.minLength(1)),
  );

export type Scalar = string | number | boolean | null;
/** A single value: text, number, true/false or empty. */
export const scalar = z.custom<Scalar>((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v), {
  error: (iss) => `${nameOf(iss.path)} must be a single value (text, number, true or false)`,
});

/** A release like 1.47.0; `kind` words it in the problem ("a plain release version"). */
export const releaseVersion = (kind = 'a release version') => {
  const error = (iss: $ZodRawIssue) =>
    iss.input === undefined ? undefined : `${nameOf(iss.path)} must be ${kind} like 1.47.0 (got ${JSON.stringify(iss.input)})`;
  return z.string({ error }).check(z.regex(/^\d+\.\d+\.\d+$/, { error }));
};

/** The schema of the value at `path` below `schema`, through lists, optionals, pipes and lazy schemas. */
function schemaAt(schema: $ZodType | undefined, path: Path): $ZodType | undefined {
  if (!schema || path.length === 0) return schema;
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  const [part, ...rest] = path;
  switch (def.type) {
    case 'object':
      return schemaAt((def.shape as Record<string, $ZodType>)[String(part)], rest);
    case 'array':
      return schemaAt(def.element as $ZodType, rest);
    case 'optional':
    case 'nullable':
    case 'default':
      return schemaAt(def.innerType as $ZodType, path);
    case 'lazy':
      return schemaAt((def.getter as () => $ZodType)(), path);
    case 'pipe':
      return schemaAt(def.out as $ZodType, path) ?? schemaAt(def.in as $ZodType, path);
    default:
      return undefined;
  }
}

/** The mapping's name at `path`, as `fields` registered it. */
function mappingName(root: $ZodType, path: Path): string {
  let schema = schemaAt(root, path);
  while (schema) {
    const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
    if (def.type === 'object') return NAMES.get(def.error as object) ?? nameOf(path);
    schema = def.type === 'pipe' ? (def.in as $ZodType) : undefined;
  }
  return nameOf(path);
}

/** The words of every problem no schema words itself. */
const messageFor =
  (root: $ZodType) =>
  (iss: $ZodRawIssue): string | undefined => {
    const name = nameOf(iss.path ?? []);
    switch (iss.code) {
      case 'invalid_type': {
        if (iss.input === undefined) {
          const path = iss.path ?? [];
          return `${mappingName(root, path.slice(0, -1))} is missing the required field "${String(path[path.length - 1])}"`;
        }
        if (iss.expected === 'array') return `${name} must be a list`;
        if (typeof iss.input === 'object' && iss.input !== null) return `${name} must be a single value`;
        if (iss.expected === 'number') return `${name} must be a number`;
        if (iss.expected === 'boolean') return `${name} must be true or false`;
        return `${name} must be a non-empty text`;
      }
      case 'invalid_value':
        return `${name} must be one of ${iss.values.map(String).join(', ')} (got ${JSON.stringify(iss.input)})`;
      case 'too_small':
        return `${name} must not be empty`;
      default:
        return `${name} is not valid`;
    }
  };

/** Adds a problem from inside a transform, at `path` below the value being transformed. */
export function addProblem(ctx: ParsePayload, message: string, path: PropertyKey[] = []): never {
  ctx.issues.push({ code: 'custom', message, path, input: ctx.value });
  return z.NEVER;
}

/** Parses `value` inside another schema's transform (a check picks its schema by the key it has), passing problems up. */
export function parseInside<S extends z.ZodMiniType>(schema: S, value: unknown, ctx: ParsePayload): z.output<S> {
  const result = z.safeParse(schema, value, { error: messageFor(schema) });
  if (result.success) return result.data as z.output<S>;
  ctx.issues.push(...result.error.issues.map((iss) => ({ ...iss, input: value }) as $ZodRawIssue));
  return z.NEVER;
}

/** Reads one steps/ file against its schema: the value, or every problem (file, line, column) in line order. */
export function readYaml<S extends z.ZodMiniType>(schema: S, file: ParsedYaml): { value?: z.output<S>; problems: Problem[] } {
  const data = yamlData(file.path, file.doc.contents, file.lines);
  const result = z.safeParse(schema, data.value, { error: messageFor(schema) });
  const problems = result.success
    ? []
    : result.error.issues.map((iss): Problem => {
        const key = iss.code === 'unrecognized_keys' ? iss.keys[0] : undefined;
        const at = key === undefined ? data.position(iss.path) : data.position([...iss.path, key], true);
        return { file: file.path, ...at, message: iss.message };
      });
  const all = [...data.problems, ...problems].sort((a, b) => a.line - b.line || (a.column ?? 0) - (b.column ?? 0));
  return all.length || !result.success ? { problems: all } : { value: result.data as z.output<S>, problems: [] };
}
