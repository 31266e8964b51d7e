import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, stringify, type Document, type Node, type Pair, type YAMLMap } from 'yaml';

/**
 * Edits of YAML text that leave every byte outside the edited key as it was: comments, key order, quoting,
 * blank lines and indentation. Each edit finds the key's node in the parsed document (its source range) and
 * splices new text into the original string; nothing is re-serialised except the value being changed. Pure.
 */

export type KeyPath = readonly (string | number)[];

/** An edit the text cannot take safely (an alias, a flow mapping inside a list...): the fix is refused with this. */
export class EditRefused extends Error {}

interface Parsed {
  doc: Document;
  lines: LineCounter;
}

export function parseForEdit(text: string): Parsed {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, keepSourceTokens: false });
  if (doc.errors.length) throw new EditRefused(`the file is not valid YAML (${doc.errors[0]?.message.split('\n')[0]})`);
  return { doc, lines };
}

interface Located {
  map: YAMLMap;
  pair: Pair<Node, Node | null>;
}

const keyName = (pair: Pair): string | undefined => (isScalar(pair.key) ? String(pair.key.value) : undefined);

/** The pair at `path` (a key path from the top; numbers index lists). */
function locate(doc: Document, path: KeyPath): Located | undefined {
  let node: unknown = doc.contents;
  let found: Located | undefined;
  for (const segment of path) {
    if (isAlias(node)) throw new EditRefused('the setting is reached through a YAML alias (*name)');
    if (isMap(node)) {
      // Several pairs with one key: Synapse (PyYAML) keeps the last one.
      const pair = [...node.items].reverse().find((p) => keyName(p) === String(segment)) as Pair<Node, Node | null> | undefined;
      if (!pair) return undefined;
      if (keyName(pair) === '<<') throw new EditRefused('the setting comes from a YAML merge key (<<)');
      found = { map: node as YAMLMap, pair };
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      found = undefined;
      if (node === undefined) return undefined;
    } else {
      return undefined;
    }
  }
  return found;
}

/** The line (1-based) of the key at `path`, if it is in the text. */
export function lineOfKey(text: string, path: KeyPath): number | undefined {
  const { doc, lines } = parseForEdit(text);
  const at = locate(doc, path);
  const offset = at?.pair.key.range?.[0];
  return offset === undefined ? undefined : lines.linePos(offset).line;
}

const lineStart = (text: string, offset: number): number => text.lastIndexOf('\n', offset - 1) + 1;
const lineEnd = (text: string, end: number): number => {
  if (end > 0 && text[end - 1] === '\n') return end;
  const next = text.indexOf('\n', end);
  return next === -1 ? text.length : next + 1;
};
const splice = (text: string, from: number, to: number, insert: string): string => text.slice(0, from) + insert + text.slice(to);

/** A key written the way YAML reads it back as the same string. */
export function keyText(key: string): string {
  return stringify(key, { lineWidth: 0 }).trimEnd();
}

/**
 * The start and end of a block pair's own lines: from the key's line to the end of its value's last line. For the
 * first key of a list item (`- key: ...`) the start is the key itself, so the `- ` stays (`inItem`).
 */
function pairLines(text: string, at: Located): { start: number; end: number; column: number; inItem: boolean } {
  const keyStart = at.pair.key.range?.[0];
  if (keyStart === undefined) throw new EditRefused('the key has no position in the file');
  const start = lineStart(text, keyStart);
  const prefix = text.slice(start, keyStart);
  const inItem = /^[ ]*(-[ ]+)+$/.test(prefix);
  if (prefix.trim() !== '' && !inItem) throw new EditRefused('the key shares its line with other YAML (a flow mapping)');
  const valueEnd = at.pair.value?.range?.[1] ?? at.pair.key.range?.[1] ?? keyStart;
  return { start: inItem ? keyStart : start, end: lineEnd(text, valueEnd), column: keyStart - start, inItem };
}

/** The indent step and list style the file already uses, so new text looks like the rest. */
export function styleOf(text: string): { indent: number; indentSeq: boolean } {
  const steps = [...text.matchAll(/^([ ]*)[^\s#-][^\n]*:[ ]*\n((?:[ ]*#[^\n]*\n|[ ]*\n)*)([ ]*)(-?)/gm)];
  let indent = 2;
  let indentSeq = true;
  for (const m of steps) {
    const diff = (m[3]?.length ?? 0) - (m[1]?.length ?? 0);
    if (m[4] === '-') {
      indentSeq = diff > 0;
      break;
    }
    if (diff > 0) {
      indent = diff;
      break;
    }
  }
  return { indent, indentSeq };
}

/** Where a rendered pair goes: its column, the key as the file spells it (quotes kept), and whether it opens a list item. */
interface PairPlace {
  column: number;
  keySource?: string;
  inItem?: boolean;
}

/** `key: value` as block YAML starting at `column`, in the file's style. */
function renderPair(text: string, key: string, value: unknown, { column, keySource, inItem = false }: PairPlace): string {
  const style = styleOf(text);
  const body = stringify({ [key]: value }, { indent: style.indent, indentSeq: style.indentSeq, lineWidth: 0, aliasDuplicateObjects: false });
  const pad = ' '.repeat(column);
  const shown = keySource === undefined ? body : body.replace(/^[^\n]*?:/, `${keySource}:`);
  return shown
    .split('\n')
    .map((line, i) => (line === '' || (i === 0 && inItem) ? line : pad + line))
    .join('\n');
}

/** Renames the key at `path` in place (its value, comments and position unchanged). */
export function renameKey(text: string, path: KeyPath, to: string): string {
  const { doc } = parseForEdit(text);
  const at = locate(doc, path);
  if (!at) return text;
  const range = at.pair.key.range;
  if (!range) throw new EditRefused('the key has no position in the file');
  return splice(text, range[0], range[1], keyText(to));
}

/** Removes the key at `path` with its value. A mapping left empty becomes `{}`, so Synapse never reads null there. */
export function deleteKey(text: string, path: KeyPath): string {
  const { doc } = parseForEdit(text);
  const at = locate(doc, path);
  if (!at) return text;
  const others = at.map.items.filter((p) => p !== at.pair);
  if (at.map.flow || (others.length === 0 && path.length > 1)) {
    const parentPath = path.slice(0, -1);
    const rest = Object.fromEntries(others.map((p) => [keyName(p as Pair) ?? '', jsOf(doc, p.value as Node | null)]));
    return setValue(text, parentPath, rest);
  }
  const { start, end, inItem } = pairLines(text, at);
  if (inItem) throw new EditRefused('the key opens a list item (- key: ...); change it by hand');
  return splice(text, start, end, '');
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Sets the value at `path`. An existing scalar or flow value is replaced where it stands; an existing block value
 * is rewritten as a block at the key's column (its own inner comments go, everything else stays). A missing key is
 * added at the end of the deepest section that exists (sections created as needed), or at the end of the file.
 */
export function setValue(text: string, path: KeyPath, value: unknown): string {
  if (path.length === 0) throw new EditRefused('the whole document cannot be set this way');
  const { doc } = parseForEdit(text);
  const at = locate(doc, path);
  const key = String(path[path.length - 1]);
  if (at) {
    const node = at.pair.value;
    const inline = node === null || isScalar(node) || ((isMap(node) || isSeq(node)) && node.flow);
    const scalarNew = value === null || typeof value !== 'object';
    const emptyNew = (Array.isArray(value) && value.length === 0) || (isPlainObject(value) && Object.keys(value).length === 0);
    const emptySource = node === null || (node.range !== undefined && node.range !== null && node.range[0] === node.range[1]);
    if (node && node.range && !emptySource && inline && (scalarNew || (node as { flow?: boolean }).flow || emptyNew)) {
      const flow = stringify(value, { flow: true, lineWidth: 0, flowCollectionPadding: false }).trimEnd();
      return splice(text, node.range[0], node.range[1], flow);
    }
    if (emptySource && (scalarNew || emptyNew)) {
      const end = at.pair.key.range?.[1] ?? 0;
      const colon = text.indexOf(':', end);
      const flow = stringify(value, { flow: true, lineWidth: 0, flowCollectionPadding: false }).trimEnd();
      return splice(text, colon + 1, colon + 1, ` ${flow}`);
    }
    const lines = pairLines(text, at);
    const keySource = text.slice(at.pair.key.range?.[0] ?? 0, at.pair.key.range?.[1] ?? 0);
    return splice(text, lines.start, lines.end, renderPair(text, key, value, { column: lines.column, keySource, inItem: lines.inItem }));
  }
  // Find the deepest existing mapping on the path and add the rest under it.
  for (let depth = path.length - 1; depth >= 0; depth -= 1) {
    const parentPath = path.slice(0, depth);
    const rest = path.slice(depth);
    const nested = rest.slice(1).reduceRight<unknown>((inner, segment) => ({ [String(segment)]: inner }), value);
    const head = String(rest[0]);
    if (depth === 0) return appendTop(text, doc, head, nested);
    const parent = locate(doc, parentPath);
    if (!parent) continue;
    const node = parent.pair.value;
    if (isMap(node) && !node.flow && node.items.length > 0) {
      const last = node.items[node.items.length - 1] as Pair<Node, Node | null>;
      const lines = pairLines(text, { map: node, pair: last });
      return splice(
        text,
        lines.end,
        lines.end,
        (text[lines.end - 1] === '\n' || lines.end === 0 ? '' : '\n') + renderPair(text, head, nested, { column: lines.column }),
      );
    }
    if (node === null || isMap(node)) {
      const current = node === null ? {} : (jsOf(doc, node) as Record<string, unknown>);
      return setValue(text, parentPath, { ...current, [head]: nested });
    }
    throw new EditRefused(`${parentPath.join('.')} is not a mapping`);
  }
  return text;
}

function appendTop(text: string, doc: Document, key: string, value: unknown): string {
  const top = doc.contents;
  if (top !== null && !isMap(top)) throw new EditRefused('the file is not a mapping of keys to values');
  if (isMap(top) && top.flow) throw new EditRefused('the file is one flow mapping ({...})');
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  return text + sep + renderPair(text, key, value, { column: 0 });
}

/** Adds `items` at the end of the list at `path`; a block list keeps its other lines, a flow list is rewritten inline. */
export function appendItems(text: string, path: KeyPath, items: readonly unknown[]): string {
  if (items.length === 0) return text;
  const { doc } = parseForEdit(text);
  const at = locate(doc, path);
  const seq = at?.pair.value;
  if (!at || !isSeq(seq) || seq.flow || seq.items.length === 0) {
    const current = at && isSeq(seq) ? (jsOf(doc, seq) as unknown[]) : [];
    return setValue(text, path, [...current, ...items]);
  }
  const last = seq.items[seq.items.length - 1] as Node;
  const first = seq.items[0] as Node;
  const firstStart = first.range?.[0] ?? 0;
  const dash = text.lastIndexOf('-', firstStart);
  const column = dash - lineStart(text, dash);
  const end = lineEnd(text, last.range?.[1] ?? 0);
  const lines = items
    .map((item) => `${' '.repeat(column)}- ${stringify(item, { flow: true, lineWidth: 0, flowCollectionPadding: false }).trimEnd()}\n`)
    .join('');
  return splice(text, end, end, (text[end - 1] === '\n' ? '' : '\n') + lines);
}

/** The plain value at `path`, or undefined. */
export function valueAt(text: string, path: KeyPath): unknown {
  const { doc } = parseForEdit(text);
  const at = locate(doc, path);
  if (!at) return undefined;
  return jsOf(doc, at.pair.value);
}

function jsOf(doc: Document, node: Node | null): unknown {
  if (node === null) return null;
  return node.toJS(doc, { maxAliasCount: 100 });
}
