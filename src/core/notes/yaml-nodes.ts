import { isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import { AdminError, ExitCode } from '../errors.js';

export interface Problem {
  file: string;
  line: number;
  message: string;
}

/** Thrown when a file in steps/ does not validate; every problem names its file and line. */
export class ReleaseDataError extends AdminError {
  readonly problems: Problem[];
  constructor(problems: Problem[]) {
    const shown = problems.slice(0, 20).map((p) => `${p.file}:${p.line}: ${p.message}`);
    if (problems.length > 20) shown.push(`… and ${problems.length - 20} more`);
    super(`The upgrade notes in steps/ are not valid:\n${shown.join('\n')}`, {
      exitCode: ExitCode.failed,
      nextStep: 'Fix the file at the line named above (see steps/README.md); nothing was changed.',
    });
    this.name = 'ReleaseDataError';
    this.problems = problems;
  }
}

export type Fields = Map<string, Node | null>;

/** Reads a parsed YAML document node by node, collecting problems with line numbers. */
export class NodeReader {
  readonly problems: Problem[] = [];
  constructor(
    readonly file: string,
    private readonly lines: LineCounter,
  ) {}

  line(node: unknown): number {
    const range = (node as Node | null | undefined)?.range;
    return range ? this.lines.linePos(range[0]).line : 1;
  }

  fail(node: unknown, message: string): undefined {
    this.problems.push({ file: this.file, line: this.line(node), message });
    return undefined;
  }

  /** The fields of a mapping. Unknown or duplicate keys and missing required keys are problems. */
  fields(node: unknown, what: string, allowed: readonly string[], required: readonly string[] = []): Fields | undefined {
    if (!isMap(node)) return this.fail(node, `${what} must be a mapping`);
    const out: Fields = new Map();
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key === undefined) {
        this.fail(pair.key ?? node, `${what} has a key that is not a plain string`);
      } else if (!allowed.includes(key)) {
        this.fail(pair.key, `unknown field "${key}" in ${what} (allowed: ${allowed.join(', ')})`);
      } else if (out.has(key)) {
        this.fail(pair.key, `field "${key}" appears twice in ${what}`);
      } else {
        out.set(key, (pair.value as Node | null) ?? null);
      }
    }
    for (const key of required) if (!out.has(key)) this.fail(node, `${what} is missing the required field "${key}"`);
    return out;
  }

  scalar(node: unknown, what: string): string | number | boolean | null | undefined {
    if (node === null) return null;
    if (!isScalar(node)) return this.fail(node, `${what} must be a single value`);
    const value = node.value;
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return value as string | number | boolean | null;
    return this.fail(node, `${what} must be a string, number or boolean`);
  }

  string(node: unknown, what: string): string | undefined {
    const value = this.scalar(node, what);
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.trim() === '') return this.fail(node, `${what} must be a non-empty text`);
    return value;
  }

  number(node: unknown, what: string): number | undefined {
    const value = this.scalar(node, what);
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    return value === undefined ? undefined : this.fail(node, `${what} must be a number`);
  }

  boolean(node: unknown, what: string): boolean | undefined {
    const value = this.scalar(node, what);
    if (typeof value === 'boolean') return value;
    return value === undefined ? undefined : this.fail(node, `${what} must be true or false`);
  }

  /** One of the allowed words. */
  word<T extends string>(node: unknown, what: string, words: readonly T[]): T | undefined {
    const value = this.scalar(node, what);
    if (typeof value === 'string' && (words as readonly string[]).includes(value)) return value as T;
    return value === undefined ? undefined : this.fail(node, `${what} must be one of ${words.join(', ')} (got ${JSON.stringify(value)})`);
  }

  /** A list of words; a single word is accepted as a list of one. */
  words<T extends string>(node: unknown, what: string, words: readonly T[]): T[] | undefined {
    const items = isSeq(node) ? node.items : [node];
    if (isSeq(node) && items.length === 0) return this.fail(node, `${what} must not be empty`);
    const out: T[] = [];
    for (const item of items) {
      const word = this.word(item, what, words);
      if (word === undefined) return undefined;
      out.push(word);
    }
    return out;
  }

  list(node: unknown, what: string): unknown[] | undefined {
    if (!isSeq(node)) return this.fail(node, `${what} must be a list`);
    return node.items;
  }
}
