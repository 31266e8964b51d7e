import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { LineCounter, parseDocument, isMap, isSeq, isScalar, visit, type Document, type Node } from 'yaml';
import { usageError } from '../core/errors.js';

/** One YAML file, parsed with positions kept so findings can name a line. */
export interface YamlFile {
  path: string;
  doc: Document;
  lines: LineCounter;
  value: unknown;
}

export function parseYamlText(path: string, text: string): YamlFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const error = doc.errors[0];
  if (error) {
    const pos = lines.linePos(error.pos[0]);
    const reason = error.message.split('\n')[0] ?? error.message;
    throw usageError(
      `${path}:${pos.line}:${pos.col}: this file is not valid YAML: ${reason}`,
      `Fix the file at line ${pos.line}, column ${pos.col}; nothing was changed.`,
    );
  }
  let value: unknown;
  try {
    value = doc.toJS();
  } catch (error) {
    // An alias whose anchor is missing or comes later, or too many aliases (an alias bomb): the document cannot be built.
    let at: number | undefined;
    visit(doc, {
      Alias(_, node) {
        at = node.range?.[0];
        return visit.BREAK;
      },
    });
    const where = at === undefined ? '' : `:${lines.linePos(at).line}:${lines.linePos(at).col}`;
    throw usageError(
      `${path}${where}: this file is not valid YAML: ${(error as Error).message.split('\n')[0]}`,
      'Fix the anchors (&name) and aliases (*name) in the file; nothing was changed.',
    );
  }
  return { path, doc, lines, value: value ?? {} };
}

/** A config larger than this is refused: Synapse's own are a few hundred KiB at most. */
export const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

export async function readYamlFile(path: string): Promise<YamlFile> {
  let text: string;
  try {
    // O_NONBLOCK: a FIFO given as the config fails the regular-file check below instead of blocking the open.
    const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw usageError(`The config file ${path} is not a regular file.`, 'Point the wizard at homeserver.yaml with --config PATH.');
      if (info.size > MAX_CONFIG_BYTES)
        throw usageError(
          `The config file ${path} is ${info.size} bytes, more than the ${MAX_CONFIG_BYTES / 1024 / 1024} MiB a config may have.`,
          'Point the wizard at homeserver.yaml with --config PATH; nothing was changed.',
        );
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof Error && 'exitCode' in error) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'cannot be read (permission denied)' : `cannot be read (${code})`;
    throw usageError(`The config file ${path} ${why}.`, 'Point the wizard at homeserver.yaml with --config PATH.');
  }
  return parseYamlText(path, text);
}

export type PathSegment = string | number;

/** The line (1-based) where the node at `path` starts in this file, if it is there. */
export function lineOf(file: YamlFile, path: readonly PathSegment[]): number | undefined {
  let node: unknown = file.doc.contents;
  let keyNode: Node | undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) return undefined;
      keyNode = pair.key as Node;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      keyNode = undefined;
    } else {
      return undefined;
    }
  }
  const anchor = (keyNode ?? node) as Node | undefined;
  const offset = anchor?.range?.[0];
  return offset === undefined ? undefined : file.lines.linePos(offset).line;
}
