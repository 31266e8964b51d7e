import { Box, Text } from 'ink';
import type { Question } from '../../core/events.js';
import { Choices } from './Choices.js';

/** One question with its details (wrapped, cut to `maxDetails`) and choices; sends the chosen value back. */
export function QuestionView({ question, onAnswer, active, maxDetails, color }: { question: Question; onAnswer: (value: string) => void; active: boolean; maxDetails: number; color: boolean }) {
  const details = question.details ?? [];
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold>? {question.text}</Text>
      {details.slice(0, maxDetails).map((line, index) => (
        <Text key={index}>
          {'  '}
          {line}
        </Text>
      ))}
      {details.length > maxDetails ? <Text dimColor>  … {details.length - maxDetails} more lines: widen the terminal or read the transcript</Text> : null}
      <Choices choices={question.choices} onSelect={onAnswer} active={active} color={color} />
    </Box>
  );
}
