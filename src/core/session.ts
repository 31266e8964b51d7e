import type { NoteEvent, Question, Result, WizardEvent } from './events.js';
import type { StepId, StepStatus } from './steps.js';
import { coverageLines } from './notes/coverage.js';

/** What the screen shows, derived from events alone. Pure: no React, no I/O. */
export interface SessionView {
  steps: { id: StepId; title: string; status: StepStatus; summary?: string }[];
  /** Finished lines (messages, command headers): append-only, rendered once. */
  log: { key: number; level: 'info' | 'warn' | 'error' | 'command'; text: string }[];
  /** The newest lines of the running command or of the homeserver log, bounded. */
  tail: string[];
  running: { argv: string[]; title: string | undefined } | undefined;
  waiting: { elapsedMs: number; progress: string | undefined } | undefined;
  question: Question | undefined;
  result: Result | undefined;
}

export const TAIL_LIMIT = 200;

/** One line per note that applies or may apply, with its first piece of evidence. */
export function noteLine(note: NoteEvent): string {
  const first = note.findings[0];
  const evidence = first ? ` — ${first.file ? `${first.file}${first.line ? `:${first.line}` : ''}: ` : ''}${first.message}` : '';
  return `${note.applies === 'yes' ? 'Applies' : 'May apply'} [${note.severity}] v${note.version} ${note.title}${evidence}`;
}

export const checkLine = (c: { name: string; status: string; evidence: string; probed: boolean }): string =>
  `${c.status === 'pass' ? 'ok' : c.status}: ${c.name}: ${c.evidence}${c.probed ? '' : ' (assumed)'}`;

export function initialView(): SessionView {
  return {
    steps: [],
    log: [],
    tail: [],
    running: undefined,
    waiting: undefined,
    question: undefined,
    result: undefined,
  };
}

/** The step's new state; a step no flow announced is added at the end (never dropped). */
function setStep(view: SessionView, id: StepId, status: StepStatus, extra: { title?: string; summary?: string }): SessionView['steps'] {
  const summary = extra.summary ? { summary: extra.summary } : {};
  if (!view.steps.some((step) => step.id === id)) return [...view.steps, { id, title: extra.title ?? id, status, ...summary }];
  return view.steps.map((step) => (step.id === id ? { ...step, status, ...summary } : step));
}

/** Steps a flow announces join the list as pending; one already there keeps its place and state. */
const announce = (view: SessionView, steps: { id: StepId; title: string }[]): SessionView['steps'] => [
  ...view.steps,
  ...steps.filter((step) => !view.steps.some((s) => s.id === step.id)).map((step) => ({ ...step, status: 'pending' as const })),
];

const appendLog = (view: SessionView, level: SessionView['log'][number]['level'], text: string): SessionView['log'] => [
  ...view.log,
  { key: view.log.length, level, text },
];

export function reduceView(view: SessionView, event: WizardEvent): SessionView {
  switch (event.type) {
    case 'steps':
      return { ...view, steps: announce(view, event.steps) };
    case 'step.started':
      return { ...view, steps: setStep(view, event.step, 'running', { title: event.title }), tail: [], waiting: undefined };
    case 'step.finished':
      return { ...view, steps: setStep(view, event.step, event.status, event.summary ? { summary: event.summary } : {}), waiting: undefined };
    case 'command.started': {
      const shown = `${event.dryRun ? '(dry run, not run) ' : ''}$ ${event.argv.join(' ')}`;
      return { ...view, log: appendLog(view, 'command', shown), running: { argv: event.argv, title: event.title }, tail: [] };
    }
    case 'command.output':
      return { ...view, tail: [...view.tail.slice(-(TAIL_LIMIT - 1)), ownCopy(event.line)] };
    case 'command.lines':
      return { ...view, tail: [...view.tail, ...event.lines.slice(-TAIL_LIMIT).map(ownCopy)].slice(-TAIL_LIMIT) };
    case 'command.finished':
      return { ...view, running: undefined };
    case 'message':
      return { ...view, log: appendLog(view, event.level, event.text) };
    case 'note':
      return { ...view, log: appendLog(view, event.note.applies === 'yes' && event.note.severity !== 'info' ? 'warn' : 'info', noteLine(event.note)) };
    case 'notes.coverage':
      return coverageLines(event.coverage).reduce((v, line) => ({ ...v, log: appendLog(v, 'warn', line) }), view);
    case 'check':
      return { ...view, log: appendLog(view, event.status === 'pass' ? 'info' : event.status === 'warn' ? 'warn' : 'error', checkLine(event)) };
    case 'waiting':
      return { ...view, waiting: { elapsedMs: event.elapsedMs, progress: event.progress }, tail: event.logLines.slice(-TAIL_LIMIT) };
    case 'question':
      return { ...view, question: event.question };
    case 'answer':
      return { ...view, question: undefined };
    case 'result':
      return { ...view, result: event.result, running: undefined, waiting: undefined, question: undefined };
    default:
      return view;
  }
}

/**
 * A line of output kept in the tail, as a string of its own: a line cut from a large read is a view into that
 * read, and whatever keeps the line (the tail, the renderer's caches) would keep the whole read alive.
 */
const ownCopy = (line: string): string => JSON.parse(JSON.stringify(line)) as string;

/**
 * Folds a batch of events, taking each run of output lines in one step: a flood of output
 * costs one copy of the tail per batch instead of one per line.
 */
export function reduceEvents(view: SessionView, events: readonly WizardEvent[]): SessionView {
  let current = view;
  let lines: string[] = [];
  const flushLines = (): void => {
    if (lines.length === 0) return;
    current = { ...current, tail: [...current.tail, ...lines.slice(-TAIL_LIMIT).map(ownCopy)].slice(-TAIL_LIMIT) };
    lines = [];
  };
  for (const event of events) {
    if (event.type === 'command.output' || event.type === 'command.lines') {
      if (event.type === 'command.output') lines.push(event.line);
      else for (const line of event.lines.length > TAIL_LIMIT ? event.lines.slice(-TAIL_LIMIT) : event.lines) lines.push(line);
      if (lines.length > TAIL_LIMIT * 4) lines = lines.slice(-TAIL_LIMIT);
      continue;
    }
    flushLines();
    current = reduceView(current, event);
  }
  flushLines();
  return current;
}
