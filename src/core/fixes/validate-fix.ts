import { isSeq } from 'yaml';
import type { NodeReader } from '../notes/yaml-nodes.js';
import { TRANSFORMS } from './transforms.js';
import { FIX_SCOPES, type FixOp, type FixScope } from './types.js';

const PATH = /^(\*|[A-Za-z0-9_@-]+)(\.(\*|[A-Za-z0-9_@-]+))*$/;
const KEY = /^[A-Za-z0-9_@-]+$/;
const OPS = ['rename', 'move', 'delete', 'transform'] as const;

/** Reads a note's `fixes:` (a list of ops; see src/core/fixes/types.ts and steps/README.md). */
export function readFixes(r: NodeReader, node: unknown): FixOp[] | undefined {
  const items = r.list(node, 'fixes');
  if (!items) return undefined;
  if (items.length === 0) return r.fail(node, 'fixes must list at least one fix');
  const out: FixOp[] = [];
  const before = r.problems.length;
  for (const item of items) {
    const op = readOp(r, item);
    if (op) out.push(op);
  }
  return r.problems.length > before ? undefined : out;
}

function readPath(r: NodeReader, node: unknown, what: string, wildcards: boolean): string | undefined {
  const text = r.string(node, what);
  if (text === undefined) return undefined;
  if (text === '.' && what === 'transform') return text;
  if (!PATH.test(text)) return r.fail(node, `${what} must be a dotted key path like a.b.c (got ${JSON.stringify(text)})`);
  if (!wildcards && text.split('.').includes('*')) return r.fail(node, `${what} cannot use * (it names one key)`);
  return text;
}

function readScopes(r: NodeReader, node: unknown, what: string): FixScope[] | undefined {
  return node === undefined ? ['config'] : r.words(node, what, FIX_SCOPES);
}

function readOp(r: NodeReader, node: unknown): FixOp | undefined {
  const probe = r.fields(node, 'a fix', ['rename', 'move', 'delete', 'transform', 'to', 'merge', 'with', 'from', 'in', 'unless_matches']);
  if (!probe) return undefined;
  const kinds = OPS.filter((k) => probe.has(k));
  if (kinds.length !== 1) return r.fail(node, `a fix needs exactly one of ${OPS.join(', ')} (found ${kinds.length ? kinds.join(', ') : 'none'})`);
  const kind = kinds[0] as (typeof OPS)[number];
  const allowed: Record<typeof kind, string[]> = {
    rename: ['rename', 'to', 'merge', 'in'],
    move: ['move', 'to', 'merge', 'with', 'from'],
    delete: ['delete', 'unless_matches', 'in'],
    transform: ['transform', 'with', 'in'],
  };
  const required: Record<typeof kind, string[]> = { rename: ['rename', 'to'], move: ['move', 'to'], delete: ['delete'], transform: ['transform', 'with'] };
  const f = r.fields(node, `a ${kind} fix`, allowed[kind], required[kind]);
  if (!f) return undefined;
  const merge = f.has('merge') ? r.word(f.get('merge'), 'merge', ['union'] as const) : undefined;
  const withName = f.has('with') ? r.string(f.get('with'), 'with') : undefined;
  if (withName !== undefined && !(withName in TRANSFORMS)) return r.fail(f.get('with'), `with names an unknown transform "${withName}" (known: ${Object.keys(TRANSFORMS).join(', ')})`);
  const scopes = readScopes(r, f.has('in') ? f.get('in') : f.has('from') ? f.get('from') : undefined, f.has('from') ? 'from' : 'in');
  if (!scopes) return undefined;
  switch (kind) {
    case 'rename': {
      const path = readPath(r, f.get('rename'), 'rename', false);
      const to = r.string(f.get('to'), 'to');
      if (to !== undefined && !KEY.test(to)) return r.fail(f.get('to'), 'to of a rename is one key name (the key stays in its section); use move to change section');
      return path && to ? { op: 'rename', path, to, ...(merge ? { merge } : {}), in: scopes } : undefined;
    }
    case 'move': {
      const sources = isSeq(f.get('move')) ? (f.get('move') as { items: unknown[] }).items : [f.get('move')];
      const paths = sources.map((s) => readPath(r, s, 'move', false));
      const to = readPath(r, f.get('to'), 'to', false);
      if (paths.some((p) => p === undefined) || !to) return undefined;
      return { op: 'move', paths: paths as string[], to, ...(merge ? { merge } : {}), ...(withName ? { with: withName } : {}), from: scopes };
    }
    case 'delete': {
      const path = readPath(r, f.get('delete'), 'delete', true);
      const unless = f.has('unless_matches') ? r.string(f.get('unless_matches'), 'unless_matches') : undefined;
      if (unless !== undefined) {
        try {
          new RegExp(unless);
        } catch {
          return r.fail(f.get('unless_matches'), 'unless_matches is not a valid regular expression');
        }
      }
      return path ? { op: 'delete', path, ...(unless !== undefined ? { unlessMatches: unless } : {}), in: scopes } : undefined;
    }
    case 'transform': {
      const path = readPath(r, f.get('transform'), 'transform', true);
      return path && withName ? { op: 'transform', path, with: withName, in: scopes } : undefined;
    }
  }
}
