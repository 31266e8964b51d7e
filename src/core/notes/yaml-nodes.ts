import { isAlias, isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import { AdminError, ExitCode } from '../errors.js';

export interface Problem {
  file: string;
  line: number;
  /** 1-based; absent when the problem is about the whole file. */
  column?: number;
  message: string;
}

/** `file:line:column` (or `file:line`) as editors and terminals link it. */
export const whereOf = (p: Problem): string => `${p.file}:${p.line}${p.column === undefined ? '' : `:${p.column}`}`;

/** Thrown when a file in steps/ does not validate; every problem names its file, line and column. */
export class ReleaseDataError extends AdminError {
  readonly problems: Problem[];
  constructor(problems: Problem[]) {
    const shown = problems.slice(0, 20).map((p) => `${whereOf(p)}: ${p.message}`);
    if (problems.length > 20) shown.push(`… and ${problems.length - 20} more`);
    super(`The upgrade notes in steps/ are not valid:\n${shown.join('\n')}`, {
      exitCode: ExitCode.failed,
      nextStep: 'Fix the file at the line named above (see steps/README.md); nothing was changed.',
    });
    this.name = 'ReleaseDataError';
    this.problems = problems;
  }
}

export type Path = readonly PropertyKey[];

/** Where each value of a YAML document is written: the value's node and, for a field, its key's node. */
interface Located {
  node: Node | null;
  key?: Node;
  children: Map<PropertyKey, Located>;
}

/** A YAML document as plain data, with the position of every value kept for problems. */
export interface YamlData {
  value: unknown;
  /** Problems the data cannot show: keys that are not text, a key written twice, aliases. */
  problems: Problem[];
  /** Line and column of the value at `path`, or of its key; a path that is not there points at its deepest parent. */
  position(path: Path, atKey?: boolean): { line: number; column: number };
}

/** Turns a parsed document into plain data (mappings with text keys, lists, scalars), noting positions. */
export function yamlData(file: string, contents: unknown, lines: LineCounter): YamlData {
  const problems: Problem[] = [];
  const pos = (node: unknown): { line: number; column: number } => {
    const range = (node as Node | null | undefined)?.range;
    if (!range) return { line: 1, column: 1 };
    const { line, col } = lines.linePos(range[0]);
    return { line, column: col };
  };
  const fail = (node: unknown, message: string): void => void problems.push({ file, ...pos(node), message });

  const convert = (node: unknown): { value: unknown; at: Located } => {
    const at: Located = { node: (node as Node | null) ?? null, children: new Map() };
    if (isMap(node)) {
      const value: Record<string, unknown> = {};
      for (const pair of node.items) {
        const key = isScalar(pair.key) && typeof pair.key.value === 'string' ? pair.key.value : undefined;
        if (key === undefined) {
          fail(pair.key ?? node, 'a key that is not plain text');
          continue;
        }
        if (Object.hasOwn(value, key)) fail(pair.key, `field "${key}" appears twice`);
        const child = convert(pair.value ?? null);
        Object.defineProperty(value, key, { value: child.value, enumerable: true, writable: true, configurable: true });
        at.children.set(key, { ...child.at, key: pair.key as Node });
      }
      return { value, at };
    }
    if (isSeq(node)) {
      const value = node.items.map((item, i) => {
        const child = convert(item);
        at.children.set(i, child.at);
        return child.value;
      });
      return { value, at };
    }
    if (isAlias(node)) {
      fail(node, 'aliases (*name) are not used in steps/: write the value out');
      return { value: undefined, at };
    }
    return { value: isScalar(node) ? node.value : null, at };
  };

  const { value, at: root } = convert(contents);
  const position = (path: Path, atKey = false): { line: number; column: number } => {
    let at = root;
    for (const part of path) {
      const next = at.children.get(part);
      if (!next) return pos(at.node);
      at = next;
    }
    return pos(atKey ? (at.key ?? at.node) : at.node);
  };
  return { value, problems, position };
}
