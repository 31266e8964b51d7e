import { Box, Text } from 'ink';
import type { Result } from '../../core/events.js';

export function ResultView({ result, color }: { result: Result; color: boolean }) {
  const good = result.exitCode === 0;
  return (
    <Box flexDirection="column" marginTop={1}>
      {result.lines.map((line, index) => (
        <Text key={index} {...(color && index === 0 ? { color: good ? 'green' : 'red' } : {})} bold={index === 0}>
          {line}
        </Text>
      ))}
    </Box>
  );
}
