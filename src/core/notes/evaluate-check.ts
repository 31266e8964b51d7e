import { compareDotted } from '../platform.js';
import { ownKeyOf, redactSecrets } from '../secret-values.js';
import type { Applies, Check, ConfigSource, Finding, KeyScope, KeyTest, NoteFacts, QueryTest, SourceMatch, SourceSet } from './types.js';

/** A three-valued result: `unknown` whenever a needed fact is missing, never a silent `no`. */
export interface Verdict {
  value: Applies;
  findings: Finding[];
  /** Why the outcome is unknown (facts missing, queries not run). */
  reasons: string[];
}

const yes = (findings: Finding[]): Verdict => ({ value: 'yes', findings, reasons: [] });
/** `no` may carry its evidence too (e.g. "detection found no worker"), shown with the verdict. */
const no = (findings: Finding[] = []): Verdict => ({ value: 'no', findings, reasons: [] });
const unknown = (reason: string): Verdict => ({ value: 'unknown', findings: [], reasons: [reason] });
const fact = (message: string): Finding => ({ file: null, line: null, message });

export function evaluateCheck(check: Check, facts: NoteFacts): Verdict {
  switch (check.kind) {
    case 'key':
      return evaluateKey(check.scope, check.key, check.test, facts);
    case 'platform': {
      const have = facts.platform?.[check.component];
      if (have === undefined) return unknown(`the ${check.component} version is not known`);
      const order = compareDotted(have, check.below);
      if (order === undefined) return unknown(`the ${check.component} version "${have}" could not be read`);
      const where = facts.platformSources?.[check.component];
      const found = `${check.component} ${have}${where ? ` (${where})` : ''}`;
      return order < 0 ? yes([fact(`${found} is below ${check.below}`)]) : no([fact(`${found} is not below ${check.below}`)]);
    }
    case 'method':
      if (!facts.installMethod) return unknown('the install method is not known');
      return (check.methods as readonly string[]).includes(facts.installMethod)
        ? yes([fact(`installed with ${facts.installMethod}`)])
        : no([fact(`installed with ${facts.installMethod}`)]);
    case 'database':
      if (!facts.database) return unknown('the database engine is not known');
      return check.engines.includes(facts.database)
        ? yes([fact(`the database engine is ${facts.database}`)])
        : no([fact(`the database engine is ${facts.database}`)]);
    case 'workers': {
      if (facts.hasWorkers === undefined) return unknown('whether the server runs workers is not known');
      const evidence = [fact(facts.workersEvidence ?? (facts.hasWorkers ? 'the server runs workers' : 'the server runs no workers'))];
      return facts.hasWorkers === check.value ? yes(evidence) : no(evidence);
    }
    case 'restart': {
      if (!facts.restart) return unknown('how Synapse is restarted is not known');
      const evidence = [fact(facts.restart.evidence)];
      return check.managers.includes(facts.restart.kind) ? yes(evidence) : no(evidence);
    }
    case 'query':
      return evaluateQuery(check.id, check.test, facts);
    case 'not': {
      const inner = evaluateCheck(check.check, facts);
      return inner.value === 'unknown' ? { ...inner, findings: [] } : inner.value === 'yes' ? no(inner.findings) : yes(inner.findings);
    }
    case 'all':
    case 'any':
      return combine(
        check.kind,
        check.checks.map((c) => evaluateCheck(c, facts)),
      );
  }
}

export function combine(kind: 'all' | 'any', parts: Verdict[]): Verdict {
  const decisive = kind === 'all' ? 'no' : 'yes';
  const winners = parts.filter((p) => p.value === decisive);
  if (winners.length) return kind === 'all' ? no(winners.flatMap((p) => p.findings)) : yes(winners.flatMap((p) => p.findings));
  const open = parts.filter((p) => p.value === 'unknown');
  if (open.length) {
    return { value: 'unknown', findings: parts.flatMap((p) => p.findings), reasons: [...new Set(open.flatMap((p) => p.reasons))] };
  }
  return kind === 'all' ? yes(parts.flatMap((p) => p.findings)) : no(parts.flatMap((p) => p.findings));
}

const SCOPE_NAMES: Record<KeyScope, string> = {
  config: 'the homeserver config',
  log_config: 'the log config',
  app_service: 'the app service registrations',
  worker: 'the worker configs',
};

function sourcesFor(scope: KeyScope, facts: NoteFacts): SourceSet | undefined {
  if (scope === 'config') return facts.config ? { sources: [facts.config], unreadable: [] } : undefined;
  return scope === 'log_config' ? facts.logConfig : scope === 'app_service' ? facts.appServices : facts.workerConfigs;
}

function evaluateKey(scope: KeyScope, key: string, test: KeyTest, facts: NoteFacts): Verdict {
  const set = sourcesFor(scope, facts);
  if (!set) {
    const why = scope === 'config' && facts.configProblem ? `: ${facts.configProblem}` : '';
    return unknown(`${SCOPE_NAMES[scope]} was not read${why}`);
  }
  const matches = set.sources.flatMap((source: ConfigSource) => source.find(key));
  const missing = set.unreadable.map((u) => `${u.file} could not be read (${u.reason})`);
  if (test.op === 'absent') {
    if (matches.length)
      return no(matches.map((m) => ({ file: m.file, line: m.line ?? null, message: `${m.path.join('.')} is ${show(m.value, String(m.path.at(-1) ?? ''))}` })));
    if (missing.length) return { value: 'unknown', findings: [], reasons: missing };
    const where = set.sources.map((s) => s.file);
    return yes(
      where.length ? where.map((file) => ({ file, line: null, message: `${key} is not set` })) : [fact(`no file in ${SCOPE_NAMES[scope]} sets ${key}`)],
    );
  }
  const hits = matches.filter((m) => passes(test, m.value));
  if (hits.length) return yes(hits.map((m) => ({ file: m.file, line: m.line ?? null, message: describe(test, m) })));
  return missing.length ? { value: 'unknown', findings: [], reasons: missing } : no();
}

export function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (value !== null && typeof value === 'object') return Object.keys(value).length > 0;
  return Boolean(value);
}

/**
 * Values compared as Synapse reads them: numbers and strings by text (port 8008 equals "8008"), but a boolean or
 * null only equals itself, so the string "false" (which Python reads as true) never equals false.
 */
const same = (a: unknown, b: unknown): boolean => {
  if (a === b) return true;
  if (a === null || b === null || typeof a === 'boolean' || typeof b === 'boolean') return false;
  return typeof a !== 'object' && typeof b !== 'object' && String(a) === String(b);
};

function passes(test: KeyTest, value: unknown): boolean {
  switch (test.op) {
    case 'present':
    case 'absent':
      return true;
    case 'truthy':
      return truthy(value);
    case 'equals':
      return same(value, test.value);
    case 'contains':
      if (Array.isArray(value)) return value.some((item) => same(item, test.value));
      if (typeof value === 'string') return value.includes(String(test.value));
      return value !== null && typeof value === 'object' && String(test.value) in value;
    case 'matches':
      return typeof value === 'string' && new RegExp(test.value).test(value);
  }
}

/** A value as note evidence: secrets masked (src/core/secret-values.ts), at most 80 characters. */
export const show = (value: unknown, ownKey?: string): string => {
  const shown = redactSecrets(value, ownKey);
  const text = JSON.stringify(shown) ?? String(shown);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

function describe(test: KeyTest, match: SourceMatch): string {
  const path = match.path.join('.');
  if (test.op === 'contains') return `${path} contains ${show(test.value)}`;
  const key = ownKeyOf(match.path);
  if (test.op === 'matches') return `${path} is ${show(match.value, key)} (matches /${test.value}/)`;
  return `${path} is ${show(match.value, key)}`;
}

function evaluateQuery(id: string, test: QueryTest, facts: NoteFacts): Verdict {
  const outcome = facts.queries?.[id];
  if (!outcome) return unknown(`the read-only query "${id}" was not run`);
  if ('error' in outcome) return unknown(`the read-only query "${id}" failed: ${outcome.error}`);
  const rows = outcome.rows;
  const firstColumn = rows[0] ? Object.keys(rows[0])[0] : undefined;
  const first = firstColumn !== undefined ? rows[0]![firstColumn] : undefined;
  const ok =
    test.op === 'rows_above'
      ? rows.length > test.value
      : test.op === 'value_equals'
        ? first !== undefined && same(first, test.value)
        : first !== undefined && first !== null && (test.op === 'value_above' ? Number(first) > test.value : Number(first) < test.value);
  if (!ok) return no();
  const detail = test.op === 'rows_above' ? `${rows.length} row(s), first ${show(rows[0])}` : `value ${show(first, firstColumn)}`;
  return yes([fact(`query ${id}: ${detail}`)]);
}
