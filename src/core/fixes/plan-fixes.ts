import { isDeepStrictEqual } from 'node:util';
import { parse, stringify } from 'yaml';
import { ownKeyOf, redactSecrets } from '../secret-values.js';
import type { Note } from '../notes/types.js';
import { TRANSFORMS } from './transforms.js';
import { secretStrings } from './secret-guard.js';
import type { FixChange, FixFile, FixOp, FixPlan, FixScope } from './types.js';
import { appendItems, deleteKey, EditRefused, lineOfKey, renameKey, setValue, valueAt } from './yaml-edit.js';

/** Files by path, with the text as the fixes so far left it. */
type Texts = Map<string, { scope: FixScope; text: string }>;

class Refused extends Error {}

const split = (dotted: string): string[] => dotted.split('.');
const shownValue = (path: readonly (string | number)[], value: unknown): unknown => redactSecrets(value, ownKeyOf(path));
const shownPath = (path: readonly (string | number)[]): string => path.map(String).join('.');

/** Every concrete key path matching a dotted pattern (`*`: any key or index) in a plain value. */
function expand(root: unknown, pattern: readonly string[]): (string | number)[][] {
  let frontier: { path: (string | number)[]; value: unknown }[] = [{ path: [], value: root }];
  for (const segment of pattern) {
    const next: typeof frontier = [];
    for (const { path, value } of frontier) {
      if (Array.isArray(value)) value.forEach((item, i) => (segment === '*' || segment === String(i)) && next.push({ path: [...path, i], value: item }));
      else if (value !== null && typeof value === 'object') {
        for (const [k, v] of Object.entries(value as Record<string, unknown>))
          if (segment === '*' || segment === k) next.push({ path: [...path, k], value: v });
      }
    }
    frontier = next;
  }
  return frontier.map((f) => f.path);
}

const plain = (text: string): unknown => parse(text, { uniqueKeys: false, maxAliasCount: 100 }) ?? {};

class Run {
  readonly changes: FixChange[] = [];
  constructor(
    readonly noteId: string,
    readonly texts: Texts,
  ) {}

  files(scopes: readonly FixScope[]): string[] {
    return [...this.texts].filter(([, f]) => scopes.includes(f.scope)).map(([path]) => path);
  }
  text(path: string): string {
    return this.texts.get(path)?.text ?? '';
  }
  write(path: string, text: string): void {
    const entry = this.texts.get(path);
    if (entry) entry.text = text;
  }
  record(file: string, line: number | undefined, before: FixChange['before'], after: FixChange['after']): void {
    this.changes.push({ noteId: this.noteId, file, line: line ?? null, before, after });
  }

  apply(op: FixOp): void {
    if (op.op === 'rename') return this.rename(op);
    if (op.op === 'move') return this.move(op);
    if (op.op === 'delete') return this.remove(op);
    return this.transform(op);
  }

  rename(op: Extract<FixOp, { op: 'rename' }>): void {
    const from = split(op.path);
    const to = [...from.slice(0, -1), op.to];
    for (const file of this.files(op.in)) {
      const text = this.text(file);
      const value = valueAt(text, from);
      if (value === undefined) continue;
      const line = lineOfKey(text, from);
      const existing = valueAt(text, to);
      let next: string;
      if (existing === undefined) next = renameKey(text, from, op.to);
      else if (isDeepStrictEqual(existing, value)) next = deleteKey(text, from);
      else if (op.merge === 'union' && Array.isArray(existing) && Array.isArray(value)) {
        next = deleteKey(
          appendItems(
            text,
            to,
            value.filter((v) => !existing.some((e) => isDeepStrictEqual(e, v))),
          ),
          from,
        );
      } else throw new Refused(`${file}: both ${op.path} and ${shownPath(to)} are set, to different values`);
      this.write(file, next);
      this.record(file, line, { key: op.path, value: shownValue(from, value) }, { key: shownPath(to), value: shownValue(to, valueAt(next, to)) });
    }
  }

  move(op: Extract<FixOp, { op: 'move' }>): void {
    const found: { file: string; path: string[]; value: unknown; line: number | undefined }[] = [];
    for (const dotted of op.paths) {
      for (const file of this.files(op.from)) {
        const value = valueAt(this.text(file), split(dotted));
        if (value !== undefined && value !== null) found.push({ file, path: split(dotted), value, line: lineOfKey(this.text(file), split(dotted)) });
      }
    }
    if (found.length === 0) return;
    const first = found[0]!;
    const differ = found.find((f) => !isDeepStrictEqual(f.value, first.value));
    if (differ) {
      const list = found.map((f) => `${f.file}:${f.line ?? '?'} ${shownPath(f.path)} = ${JSON.stringify(shownValue(f.path, f.value))}`).join('; ');
      throw new Refused(`the settings to merge into ${op.to} do not agree (${list}); choose one value by hand`);
    }
    let value: unknown = first.value;
    let drop = false;
    if (op.with) {
      const result = TRANSFORMS[op.with]!(value);
      if ('refuse' in result) throw new Refused(result.refuse);
      if ('keep' in result) return;
      if ('delete' in result) drop = true;
      else value = result.value;
    }
    const to = split(op.to);
    if (!drop) {
      const targets = this.files(['config']);
      const target =
        targets.find((f) => valueAt(this.text(f), to) !== undefined) ??
        targets.find((f) => valueAt(this.text(f), to.slice(0, 1)) !== undefined) ??
        found.find((f) => this.texts.get(f.file)?.scope === 'config')?.file ??
        targets[0];
      if (!target) throw new Refused(`no homeserver config file to write ${op.to} into`);
      const existing = valueAt(this.text(target), to);
      let next = this.text(target);
      if (existing === undefined || existing === null) next = setValue(next, to, value);
      else if (isDeepStrictEqual(existing, value)) {
        // already there: nothing to write
      } else if (op.merge === 'union' && Array.isArray(existing) && Array.isArray(value))
        next = appendItems(
          next,
          to,
          value.filter((v) => !existing.some((e) => isDeepStrictEqual(e, v))),
        );
      else
        throw new Refused(
          `${target}: ${op.to} is already set, to ${JSON.stringify(shownValue(to, existing))}, not ${JSON.stringify(shownValue(to, value))}; decide by hand`,
        );
      this.write(target, next);
      this.record(target, lineOfKey(next, to), null, { key: op.to, value: shownValue(to, valueAt(next, to)) });
    }
    for (const f of found) {
      const text = this.text(f.file);
      this.write(f.file, deleteKey(text, f.path));
      this.record(f.file, f.line, { key: shownPath(f.path), value: shownValue(f.path, f.value) }, null);
    }
  }

  remove(op: Extract<FixOp, { op: 'delete' }>): void {
    for (const file of this.files(op.in)) {
      // Deepest first, so earlier list indexes stay valid.
      const paths = expand(plain(this.text(file)), split(op.path)).reverse();
      for (const path of paths) {
        const text = this.text(file);
        const value = valueAt(text, path);
        if (value === undefined) continue;
        if (op.unlessMatches !== undefined && typeof value === 'string' && new RegExp(op.unlessMatches).test(value)) continue;
        const line = lineOfKey(text, path);
        this.write(file, deleteKey(text, path));
        this.record(file, line, { key: shownPath(path), value: shownValue(path, value) }, null);
      }
    }
  }

  transform(op: Extract<FixOp, { op: 'transform' }>): void {
    const fn = TRANSFORMS[op.with]!;
    for (const file of this.files(op.in)) {
      if (op.path === '.') {
        const text = this.text(file);
        const result = fn(plain(text));
        if ('refuse' in result) throw new Refused(`${file}: ${result.refuse}`);
        if (!('value' in result)) continue;
        const header = /^(?:[ \t]*(?:#[^\n]*)?\n)*/.exec(text)?.[0] ?? '';
        const next = header + stringify(result.value, { lineWidth: 0, indent: 2 });
        this.write(file, next);
        this.record(file, 1, { key: '.', value: shownValue([], plain(text)) }, { key: '.', value: shownValue([], result.value) });
        continue;
      }
      const paths = expand(plain(this.text(file)), split(op.path)).reverse();
      for (const path of paths) {
        const text = this.text(file);
        const value = valueAt(text, path);
        const result = fn(value);
        if ('refuse' in result) throw new Refused(`${file}:${lineOfKey(text, path) ?? '?'}: ${result.refuse}`);
        if ('keep' in result) continue;
        const next = 'delete' in result ? deleteKey(text, path) : setValue(text, path, result.value);
        this.write(file, next);
        const after = 'delete' in result ? null : { key: shownPath(path), value: shownValue(path, result.value) };
        this.record(file, lineOfKey(text, path), { key: shownPath(path), value: shownValue(path, value) }, after);
      }
    }
  }
}

/**
 * The fixes of `notes` (those that apply, in release order) on `files`. A note's ops are all made or none: an op
 * that would not be exact, or that would change a secret's value, refuses that note's whole fix with the reason.
 * Nothing is written; the plan holds each changed file's text before and after.
 */
export function planFixes(notes: readonly Note[], files: readonly FixFile[]): FixPlan {
  const texts: Texts = new Map(files.map((f) => [f.path, { scope: f.scope, text: f.text }]));
  const plan: FixPlan = { files: [], changes: [], refused: [], unchanged: [] };
  for (const note of notes) {
    if (!note.fixes?.length) continue;
    const snapshot = new Map([...texts].map(([path, f]) => [path, f.text]));
    const run = new Run(note.id, texts);
    try {
      for (const op of note.fixes) run.apply(op);
      const known = new Set([...snapshot.values()].flatMap((t) => [...secretStrings(plain(t))]));
      for (const [path, f] of texts) {
        if ([...secretStrings(plain(f.text))].some((s) => !known.has(s))) throw new Refused(`the fix would change a secret in ${path}; change it by hand`);
      }
    } catch (error) {
      for (const [path, text] of snapshot) texts.get(path)!.text = text;
      if (error instanceof Refused || error instanceof EditRefused) plan.refused.push({ noteId: note.id, reason: error.message });
      else throw error;
      continue;
    }
    // An added key's line is where it ends up once all of the note's edits are made.
    for (const change of run.changes) {
      if (change.before === null && change.after) change.line = lineOfKey(texts.get(change.file)?.text ?? '', split(change.after.key)) ?? null;
    }
    if (run.changes.length === 0) plan.unchanged.push(note.id);
    plan.changes.push(...run.changes);
  }
  for (const f of files) {
    const after = texts.get(f.path)?.text ?? f.text;
    if (after !== f.text) plan.files.push({ path: f.path, scope: f.scope, before: f.text, after });
  }
  return plan;
}
