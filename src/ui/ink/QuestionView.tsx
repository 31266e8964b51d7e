import { Box, Text } from 'ink';
import SelectInput from 'ink-select-input';
import type { Question } from '../../core/events.js';

/** One question with its details and choices; sends the chosen value back. */
export function QuestionView({ question, onAnswer, active, maxDetails }: { question: Question; onAnswer: (value: string) => void; active: boolean; maxDetails: number }) {
  const details = question.details ?? [];
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold>? {question.text}</Text>
      {details.slice(0, maxDetails).map((line, index) => (
        <Text key={index} wrap="truncate-end">
          {'  '}
          {line}
        </Text>
      ))}
      {details.length > maxDetails ? <Text dimColor>  … {details.length - maxDetails} more lines in the transcript</Text> : null}
      <SelectInput
        items={question.choices.map((choice) => ({ key: choice.value, label: choice.label, value: choice.value }))}
        isFocused={active}
        onSelect={(item) => onAnswer(item.value)}
      />
    </Box>
  );
}
