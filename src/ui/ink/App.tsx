import { Box, Static, Text, useApp, useInput, useStdin, useStdout } from 'ink';
import SelectInput from 'ink-select-input';
import { useEffect, useRef, useState } from 'react';
import type { WizardEvent } from '../../core/events.js';
import { initialView, reduceView, type SessionView } from '../../core/session.js';
import { LiveTail } from './LiveTail.js';
import { QuestionView } from './QuestionView.js';
import { ResultView } from './ResultView.js';
import { StepList } from './StepList.js';

export interface AppProps {
  subscribe: (listener: (event: WizardEvent) => void) => () => void;
  onAnswer: (questionId: string, value: string) => void;
  /** The admin confirmed quitting mid-step. */
  onQuit: () => void;
  color: boolean;
  /** How often queued events are drawn (ms); output floods are batched into one frame. */
  flushMs?: number;
}

const LOG_COLOR = { info: undefined, warn: 'yellow', error: 'red', command: 'blue' } as const;

/** The one stateful owner: folds events into the view, draws it, and exits when the result is in. */
export function App({ subscribe, onAnswer, onQuit, color, flushMs = 50 }: AppProps) {
  const [view, setView] = useState<SessionView>(initialView);
  const [confirmQuit, setConfirmQuit] = useState(false);
  const queue = useRef<WizardEvent[]>([]);
  const { exit } = useApp();
  const { isRawModeSupported } = useStdin();
  const { stdout } = useStdout();
  const rows = stdout.rows || 24;

  useEffect(() => {
    const flush = (): void => {
      if (queue.current.length === 0) return;
      const events = queue.current;
      queue.current = [];
      setView((current) => events.reduce(reduceView, current));
    };
    const timer = setInterval(flush, flushMs);
    const unsubscribe = subscribe((event) => {
      queue.current.push(event);
      if (event.type !== 'command.output' && event.type !== 'waiting') queueMicrotask(flush);
    });
    return () => {
      clearInterval(timer);
      unsubscribe();
    };
  }, [subscribe, flushMs]);

  useEffect(() => {
    if (view.result) setTimeout(() => exit(), 0);
  }, [view.result, exit]);

  useInput(
    (input, key) => {
      if (key.ctrl && input === 'c') setConfirmQuit(true);
    },
    { isActive: isRawModeSupported === true && !view.result },
  );

  const questionRows = view.question ? 3 + view.question.choices.length + Math.min(view.question.details?.length ?? 0, 6) : 0;
  const tailHeight = Math.max(0, Math.min(10, rows - 1 - view.steps.length - questionRows - 4));
  const heading = view.waiting
    ? `Waiting ${Math.round(view.waiting.elapsedMs / 1000)} s for Synapse${view.waiting.progress ? `: ${view.waiting.progress}` : ''}`
    : view.running?.title;

  return (
    <>
      <Static items={view.log}>
        {(entry) => (
          <Text key={entry.key} {...(color && LOG_COLOR[entry.level] ? { color: LOG_COLOR[entry.level] } : {})} wrap="truncate-end">
            {entry.text}
          </Text>
        )}
      </Static>
      <Box flexDirection="column">
        <StepList steps={view.steps} color={color} />
        {view.result ? null : <LiveTail lines={view.tail} height={view.question ? 0 : tailHeight} heading={heading} />}
        {confirmQuit && !view.result ? (
          <Box flexDirection="column" marginTop={1}>
            <Text bold>Quit the wizard now? A step is in progress.</Text>
            <SelectInput
              items={[
                { key: 'stay', label: 'Keep going', value: 'stay' },
                { key: 'quit', label: 'Quit (the journal records where things stand)', value: 'quit' },
              ]}
              isFocused={isRawModeSupported === true}
              onSelect={(item) => (item.value === 'quit' ? onQuit() : setConfirmQuit(false))}
            />
          </Box>
        ) : view.question ? (
          <QuestionView question={view.question} active={isRawModeSupported === true} maxDetails={6} onAnswer={(value) => onAnswer(view.question!.id, value)} />
        ) : null}
        {view.result ? <ResultView result={view.result} color={color} /> : null}
      </Box>
    </>
  );
}
