import type { StepId } from '../core/steps.js';

/**
 * The wizard's first frame, drawn on the terminal before Ink has loaded (Ink, React and yoga take 60-90 ms to
 * load and draw here, twice what Node itself takes to start): the session's steps, all still to come, as
 * StepList draws them then (`· Title` in gray, cut to the terminal's width with `…`). Ink's first render
 * replaces it in place (`eraseFirstFrame`), in the same turn of the event loop. Undefined when it would not fit
 * the terminal: Ink then clears the screen for its own frame, and nothing is drawn before it. Pure.
 */
export function firstFrameLines(
  steps: readonly { id: StepId; title: string }[],
  size: { columns: number; rows: number },
  color: boolean,
): string[] | undefined {
  if (steps.length === 0 || steps.length + 1 >= size.rows || size.columns < 20) return undefined;
  return steps.map(({ title }) => {
    const text = `· ${title}`;
    const shown = [...text].length > size.columns ? `${[...text].slice(0, size.columns - 1).join('')}…` : text;
    return color ? `\u001b[90m${shown}\u001b[39m` : shown;
  });
}

/** Moves back to the first frame's first line and clears from there down: Ink's first frame then takes its place. */
export const eraseFirstFrame = (lines: number): string => `\r\u001b[${lines}A\u001b[J`;
