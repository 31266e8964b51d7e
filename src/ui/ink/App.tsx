import { Box, Static, Text, useApp, useInput, useStdin, useStdout } from 'ink';
import { useEffect, useState } from 'react';
import type { WizardEvent } from '../../core/events.js';
import { initialView, reduceEvents, reduceView, type SessionView } from '../../core/session.js';
import type { StepId } from '../../core/steps.js';
import { LiveTail } from './LiveTail.js';
import { QuestionView } from './QuestionView.js';
import { ResultView } from './ResultView.js';
import { StepList } from './StepList.js';
import { Choices } from './Choices.js';
import { layout } from '../layout.js';
import { EventQueue } from '../event-queue.js';

export interface AppProps {
  subscribe: (listener: (event: WizardEvent) => void) => () => void;
  onAnswer: (questionId: string, value: string) => void;
  /**
   * The admin confirmed quitting mid-step: 'leave' (the default) leaves a running command running and
   * quits (resumable); 'stop' asks the running command to stop.
   */
  onQuit: (how?: 'leave' | 'stop') => void;
  /**
   * The "Quit the wizard now?" question opened (true) or was answered "Keep going" (false): while it is open
   * the session starts no next step and no next command.
   */
  onHold?: (held: boolean) => void;
  color: boolean;
  /** How often queued events are drawn (ms); output floods are batched into one frame. */
  flushMs?: number;
  /**
   * The steps to draw before the first event: the wizard's list, drawn at once while the engine loads (its
   * `steps` event then names the same ones, which adds nothing).
   */
  initialSteps?: { id: StepId; title: string }[];
}

const LOG_COLOR = { info: undefined, warn: 'yellow', error: 'red', command: 'blue' } as const;

/** The one stateful owner: folds events into the view, draws it, and exits when the result is in. */
export function App({ subscribe, onAnswer, onQuit, onHold, color, flushMs = 50, initialSteps }: AppProps) {
  const [view, setView] = useState<SessionView>(() => (initialSteps ? reduceView(initialView(), { type: 'steps', steps: initialSteps }) : initialView()));
  const [confirmQuit, setConfirmQuit] = useState(false);
  const [queue] = useState(() => new EventQueue());
  const { exit } = useApp();
  const { isRawModeSupported } = useStdin();
  const { stdout } = useStdout();
  const [, setSize] = useState(0);
  useEffect(() => {
    // The layout depends on the terminal's size: draw again when it changes.
    const onResize = (): void => setSize((n) => n + 1);
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  const rows = stdout.rows || 24;
  const columns = stdout.columns || 80;

  useEffect(() => {
    const flush = (): void => {
      if (queue.length === 0) return;
      const events = queue.take();
      setView((current) => reduceEvents(current, events));
    };
    const timer = setInterval(flush, flushMs);
    const unsubscribe = subscribe((event) => {
      queue.push(event);
      if (event.type !== 'command.output' && event.type !== 'command.lines' && event.type !== 'waiting') queueMicrotask(flush);
    });
    return () => {
      clearInterval(timer);
      unsubscribe();
    };
  }, [subscribe, flushMs, queue]);

  useEffect(() => {
    if (view.result) setTimeout(() => exit(), 0);
  }, [view.result, exit]);

  useInput(
    (input, key) => {
      if (key.ctrl && input === 'c' && !confirmQuit) {
        setConfirmQuit(true);
        onHold?.(true);
      }
    },
    { isActive: isRawModeSupported === true && !view.result },
  );

  const heading = view.waiting
    ? `Waiting ${Math.round(view.waiting.elapsedMs / 1000)} s for Synapse${view.waiting.progress ? `: ${view.waiting.progress}` : ''}`
    : view.running?.title;
  const quitRows = confirmQuit && !view.result ? (view.running ? 6 : 4) : 0;
  const question =
    view.question && !quitRows ? { text: view.question.text, details: view.question.details ?? [], choices: view.question.choices.length } : undefined;
  const fit = layout({ rows, columns, steps: view.steps, question, quitRows, heading: Boolean(heading) });
  const tailHeight = fit.tailHeight;

  return (
    <>
      <Static items={view.log}>
        {(entry) => (
          <Text key={entry.key} {...(color && LOG_COLOR[entry.level] ? { color: LOG_COLOR[entry.level] } : {})}>
            {entry.text}
          </Text>
        )}
      </Static>
      <Box flexDirection="column">
        <StepList steps={view.steps} color={color} foldDone={fit.foldDone} foldPending={fit.foldPending} />
        {view.result ? null : <LiveTail lines={view.tail} height={view.question ? 0 : tailHeight} heading={heading} />}
        {confirmQuit && !view.result ? (
          <Box flexDirection="column" marginTop={1}>
            <Text bold>Quit the wizard now? A step is in progress.</Text>
            {view.running ? <Text wrap="truncate-end">{`Its command is running: ${view.running.argv.join(' ')}`}</Text> : null}
            <Choices
              choices={
                view.running
                  ? [
                      { value: 'stay', label: 'Keep going' },
                      { value: 'leave', label: 'Quit, leave the command running (resume later)' },
                      { value: 'stop', label: 'Stop the command (the step fails)' },
                    ]
                  : [
                      { value: 'stay', label: 'Keep going' },
                      { value: 'quit', label: 'Quit (the journal records where things stand)' },
                    ]
              }
              active={isRawModeSupported === true}
              color={color}
              onSelect={(value) => {
                setConfirmQuit(false);
                if (value === 'stay') onHold?.(false);
                else onQuit(value === 'stop' ? 'stop' : 'leave');
              }}
            />
          </Box>
        ) : view.question ? (
          <QuestionView
            question={view.question}
            active={isRawModeSupported === true}
            maxDetails={fit.details}
            color={color}
            onAnswer={(value) => onAnswer(view.question!.id, value)}
          />
        ) : null}
        {view.result ? <ResultView result={view.result} color={color} /> : null}
      </Box>
    </>
  );
}
