import { Box, Text } from 'ink';
import type { SessionView } from '../../core/session.js';
import type { StepStatus } from '../../core/steps.js';

const ICON: Record<StepStatus, string> = { pending: '·', running: '▸', done: '✔', failed: '✘', skipped: '–' };
const COLOR: Record<StepStatus, string | undefined> = { pending: 'gray', running: 'cyan', done: 'green', failed: 'red', skipped: 'gray' };

const finished = (status: StepStatus): boolean => status === 'done' || status === 'skipped';

/**
 * The steps with their state: a pure function of the view. With `foldDone`, the finished steps
 * are one line, so a question or the output tail fits a small terminal.
 */
export function StepList({
  steps,
  color,
  foldDone = false,
  foldPending = false,
}: {
  steps: SessionView['steps'];
  color: boolean;
  foldDone?: boolean;
  foldPending?: boolean;
}) {
  const done = foldDone ? steps.filter((step) => finished(step.status)) : [];
  const pending = foldPending ? steps.filter((step) => step.status === 'pending') : [];
  const shown = steps.filter((step) => !done.includes(step) && !pending.includes(step));
  return (
    <Box flexDirection="column">
      {done.length ? (
        <Text {...(color ? { color: 'green' } : {})} wrap="truncate-end">
          ✔ {done.length} steps done: {done.map((step) => step.id).join(', ')}
        </Text>
      ) : null}
      {shown.map((step) => (
        <Text key={step.id} {...(color && COLOR[step.status] ? { color: COLOR[step.status] } : {})} wrap="truncate-end">
          {ICON[step.status]} {step.title}
          {step.summary ? `  (${step.summary})` : ''}
        </Text>
      ))}
      {pending.length ? (
        <Text {...(color ? { color: 'gray' } : {})} wrap="truncate-end">
          · {pending.length} steps to come: {pending.map((step) => step.id).join(', ')}
        </Text>
      ) : null}
    </Box>
  );
}
