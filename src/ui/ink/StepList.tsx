import { Box, Text } from 'ink';
import type { SessionView } from '../../core/session.js';
import type { StepStatus } from '../../core/steps.js';

const ICON: Record<StepStatus, string> = { pending: '·', running: '▸', done: '✔', failed: '✘', skipped: '–' };
const COLOR: Record<StepStatus, string | undefined> = { pending: 'gray', running: 'cyan', done: 'green', failed: 'red', skipped: 'gray' };

/** The steps with their state: a pure function of the view. */
export function StepList({ steps, color }: { steps: SessionView['steps']; color: boolean }) {
  return (
    <Box flexDirection="column">
      {steps.map((step) => (
        <Text key={step.id} {...(color && COLOR[step.status] ? { color: COLOR[step.status] } : {})} wrap="truncate-end">
          {ICON[step.status]} {step.title}
          {step.summary ? `  (${step.summary})` : ''}
        </Text>
      ))}
    </Box>
  );
}
