import { Box, Text, useStdout } from 'ink';
import type { Question } from '../../core/events.js';
import { hangingIndent } from '../layout.js';
import { Choices } from './Choices.js';

/** One question with its details (wrapped, cut to `maxDetails`) and choices; sends the chosen value back. */
export function QuestionView({
  question,
  onAnswer,
  active,
  maxDetails,
  color,
}: {
  question: Question;
  onAnswer: (value: string) => void;
  active: boolean;
  maxDetails: number;
  color: boolean;
}) {
  const details = question.details ?? [];
  const columns = useStdout().stdout.columns || 80;
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold>? {question.text}</Text>
      {details.slice(0, maxDetails).map((line, index) => {
        // Wrapped rows keep the line's indent (under the command, not under the `1. Install:` label).
        const indent = hangingIndent(line, columns - 2);
        return (
          <Box key={index} paddingLeft={2}>
            {indent > 0 ? (
              <Box width={indent} flexShrink={0}>
                <Text>{line.slice(0, indent)}</Text>
              </Box>
            ) : null}
            <Text>{line.slice(indent)}</Text>
          </Box>
        );
      })}
      {details.length > maxDetails ? <Text dimColor> … {details.length - maxDetails} more lines: widen the terminal or read the transcript</Text> : null}
      <Choices choices={question.choices} onSelect={onAnswer} active={active} color={color} />
    </Box>
  );
}
