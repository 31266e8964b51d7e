import * as z from 'zod/mini';
import { addProblem, fields, parseInside, regexText, text, words } from '../notes/yaml-schema.js';
import { TRANSFORMS } from './transforms.js';
import { FIX_SCOPES, type FixOp } from './types.js';

const PATH = /^(\*|[A-Za-z0-9_@-]+)(\.(\*|[A-Za-z0-9_@-]+))*$/;
const KEY = /^[A-Za-z0-9_@-]+$/;
const OPS = ['rename', 'move', 'delete', 'transform'] as const;
type Op = (typeof OPS)[number];

/** A dotted key path like a.b.c; `*` (any key or index) only where `wildcards`; `.` (the whole file) only for transform. */
const keyPath = (what: string, wildcards: boolean) =>
  text.check(
    z.superRefine((path: string, ctx) => {
      if (path === '.' && what === 'transform') return;
      if (!PATH.test(path)) ctx.addIssue({ code: 'custom', message: `${what} must be a dotted key path like a.b.c (got ${JSON.stringify(path)})` });
      else if (!wildcards && path.split('.').includes('*')) ctx.addIssue({ code: 'custom', message: `${what} cannot use * (it names one key)` });
    }),
  );

const scopes = z.optional(words(FIX_SCOPES));
const merge = z.optional(z.enum(['union']));
const transformName = text.check(
  z.refine((name) => name in TRANSFORMS, {
    error: (iss) => `with names an unknown transform ${JSON.stringify(iss.input)} (known: ${Object.keys(TRANSFORMS).join(', ')})`,
  }),
);
const unlessPattern = regexText('unless_matches is not a valid regular expression');

const renameFix = z.pipe(
  fields('a rename fix', {
    rename: keyPath('rename', false),
    to: text.check(z.refine((to) => KEY.test(to), { error: 'to of a rename is one key name (the key stays in its section); use move to change section' })),
    merge,
    in: scopes,
  }),
  z.transform((f): FixOp => ({ op: 'rename', path: f.rename, to: f.to, ...(f.merge ? { merge: f.merge } : {}), in: f.in ?? ['config'] })),
);

const moveFix = z.pipe(
  fields('a move fix', {
    move: z.pipe(
      z.transform((v: unknown) => (Array.isArray(v) ? v : [v])),
      z.array(keyPath('move', false)),
    ),
    to: keyPath('to', false),
    merge,
    with: z.optional(transformName),
    from: scopes,
  }),
  z.transform((f): FixOp => ({
    op: 'move',
    paths: f.move,
    to: f.to,
    ...(f.merge ? { merge: f.merge } : {}),
    ...(f.with ? { with: f.with } : {}),
    from: f.from ?? ['config'],
  })),
);

const deleteFix = z.pipe(
  fields('a delete fix', { delete: keyPath('delete', true), unless_matches: z.optional(unlessPattern), in: scopes }),
  z.transform((f): FixOp => ({
    op: 'delete',
    path: f.delete,
    ...(f.unless_matches !== undefined ? { unlessMatches: f.unless_matches } : {}),
    in: f.in ?? ['config'],
  })),
);

const transformFix = z.pipe(
  fields('a transform fix', { transform: keyPath('transform', true), with: transformName, in: scopes }),
  z.transform((f): FixOp => ({ op: 'transform', path: f.transform, with: f.with, in: f.in ?? ['config'] })),
);

const BY_OP: Record<Op, z.ZodMiniType<FixOp>> = { rename: renameFix, move: moveFix, delete: deleteFix, transform: transformFix };

/** One fix, picked by the one op key it has (see src/core/fixes/types.ts and steps/README.md). */
const fixSchema = z.transform((raw: unknown, ctx): FixOp => {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return addProblem(ctx, 'a fix must be a mapping such as { rename: a.b, to: c }');
  const ops = OPS.filter((k) => Object.hasOwn(raw, k));
  const [op] = ops;
  if (ops.length !== 1 || op === undefined)
    return addProblem(ctx, `a fix needs exactly one of ${OPS.join(', ')} (found ${ops.length ? ops.join(', ') : 'none'})`);
  return parseInside(BY_OP[op], raw, ctx);
});

/** A note's `fixes:`: a non-empty list of fixes. */
export const fixesSchema = z.array(fixSchema).check(z.minLength(1, { error: 'fixes must list at least one fix' }));
