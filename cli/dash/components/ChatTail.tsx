import { Box, Text } from 'ink';
import type { ChatMessage } from '../../../protocol/index.js';
import { clock } from '../format.js';

/** The newest `height` chat messages, one line each, oldest at the top. */
export function ChatTail({ messages, height }: { messages: ChatMessage[]; height: number }) {
  const shown = messages.slice(-Math.max(0, height));
  return (
    <Box flexDirection="column" height={height}>
      {shown.length === 0 && <Text dimColor>no chat yet</Text>}
      {shown.map((m) => (
        <Text key={m.id} wrap="truncate-end">
          <Text dimColor>{clock(m.ts)} </Text>
          <Text bold>{m.displayName}</Text>: {m.text.replace(/\s+/g, ' ')}
        </Text>
      ))}
    </Box>
  );
}
