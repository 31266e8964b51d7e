import { Box, Text } from 'ink';

/** The newest lines of the running command or the homeserver log, clipped to `height` rows. */
export function LiveTail({ lines, height, heading }: { lines: string[]; height: number; heading?: string | undefined }) {
  if (height <= 0 || (lines.length === 0 && !heading)) return null;
  const shown = lines.slice(-height);
  return (
    <Box flexDirection="column" marginLeft={2}>
      {heading ? <Text bold>{heading}</Text> : null}
      {shown.map((line, index) => (
        <Text key={index} dimColor wrap="truncate-end">
          {line || ' '}
        </Text>
      ))}
    </Box>
  );
}
