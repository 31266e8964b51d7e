/**
 * How the live (redrawn) part of the screen is shared out. Ink redraws it on every frame and,
 * on Ink 6, clears the whole terminal once it reaches the terminal's height, so it is kept below
 * that: finished steps fold into one line when space is short, question details are cut to fit
 * (the transcript has them all), and the output tail gets what is left. Pure.
 */
export interface LayoutInput {
  rows: number;
  columns: number;
  steps: { status: string }[];
  question: { text: string; details: string[]; choices: number } | undefined;
  /** Rows of the "Quit the wizard now?" box, 0 when it is not shown. */
  quitRows: number;
  /** A heading line above the tail (waiting, or the running command's title). */
  heading: boolean;
}

export interface Layout {
  /** Finished steps shown as one summary line. */
  foldDone: boolean;
  /** Steps still to come shown as one summary line (only when a question needs the room). */
  foldPending: boolean;
  /** How many of the question's detail lines are shown. */
  details: number;
  tailHeight: number;
}

export const MAX_TAIL = 10;

/** Rows a line takes once the terminal wraps it. */
export function wrappedRows(line: string, columns: number): number {
  return Math.max(1, Math.ceil([...line].length / Math.max(1, columns)));
}

/** The columns a detail line's wrapped rows are indented by: its leading spaces and a `1. Install: ` label. */
export function hangingIndent(line: string, columns = 80): number {
  const prefix = /^(\s*)(\d+\.\s+[A-Za-z]+:\s+)?/.exec(line)?.[0].length ?? 0;
  return Math.min(prefix, Math.floor(columns / 3));
}

/** Rows a question detail line takes (drawn after two spaces), its wrapped rows keeping its indent. */
export function detailLineRows(line: string, columns: number): number {
  const width = Math.max(1, columns - 2);
  const indent = hangingIndent(line, width);
  const rest = [...line].length - indent;
  return Math.max(1, Math.ceil(rest / Math.max(1, width - indent)));
}

function stepRows(steps: LayoutInput['steps'], foldDone: boolean, foldPending = false): number {
  const done = steps.filter((s) => s.status === 'done' || s.status === 'skipped').length;
  const pending = steps.filter((s) => s.status === 'pending').length;
  return steps.length - (foldDone && done > 0 ? done - 1 : 0) - (foldPending && pending > 0 ? pending - 1 : 0);
}

export function layout(input: LayoutInput): Layout {
  const available = Math.max(1, input.rows - 1);
  const { question } = input;
  if (!question) {
    const foldDone = stepRows(input.steps, false) + input.quitRows + 4 > available;
    const used = stepRows(input.steps, foldDone) + input.quitRows + (input.heading ? 1 : 0);
    return { foldDone, foldPending: false, details: 0, tailHeight: Math.max(0, Math.min(MAX_TAIL, available - used)) };
  }
  const fixed = 1 + wrappedRows(`? ${question.text}`, input.columns) + question.choices + input.quitRows;
  const detailRows = (count: number): number =>
    question.details.slice(0, count).reduce((sum, line) => sum + detailLineRows(line, input.columns), 0) + (count < question.details.length ? 1 : 0);
  for (const [foldDone, foldPending] of [
    [false, false],
    [true, false],
    [true, true],
  ] as const) {
    const room = available - stepRows(input.steps, foldDone, foldPending) - fixed;
    if (detailRows(question.details.length) <= room) return { foldDone, foldPending, details: question.details.length, tailHeight: 0 };
  }
  const room = available - stepRows(input.steps, true, true) - fixed;
  let details = question.details.length;
  while (details > 0 && detailRows(details) > room) details--;
  return { foldDone: true, foldPending: true, details, tailHeight: 0 };
}
