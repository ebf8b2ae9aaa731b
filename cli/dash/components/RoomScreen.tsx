import { Box, Text } from 'ink';
import { plural } from '../format.js';
import { roomLayout, type Size } from '../layout.js';
import type { Link } from '../link.js';
import type { RoomView } from '../room-model.js';
import { ChatTail } from './ChatTail.js';
import { LinkState } from './Header.js';
import { MemberTable } from './MemberTable.js';
import { MiniMap } from './MiniMap.js';
import { TrafficLine } from './TrafficLine.js';

/** One room: title, members beside the map, the chat tail, and the room's traffic. */
export function RoomScreen({ view, link, size, now }: { view: RoomView; link: Link; size: Size; now: number }) {
  const layout = roomLayout(size);
  const inner = layout.panelHeight - 2; // borders
  return (
    <Box flexDirection="column">
      <Box>
        <Text wrap="truncate-end">
          <Text bold>room {view.roomId}</Text> · {plural(view.members.length, 'member')} ·{' '}
        </Text>
        {link.status === 'up' ? <Text dimColor>live</Text> : <LinkState link={link} now={now} label="stream " brief />}
        <Box flexGrow={1} />
        <Box flexShrink={0}>
          <Text dimColor> b back · q quit</Text>
        </Box>
      </Box>
      <Box height={layout.panelHeight}>
        <Box borderStyle="round" borderColor="gray" width={layout.memberWidth} flexDirection="column">
          {view.loaded ? <MemberTable members={view.members} height={inner} /> : <Text dimColor>loading…</Text>}
        </Box>
        <Box borderStyle="round" borderColor="gray" width={layout.mapWidth} flexDirection="column">
          <MiniMap members={view.members} width={layout.mapWidth - 2} height={inner} />
        </Box>
      </Box>
      <Text dimColor>chat</Text>
      <ChatTail messages={view.chat} height={layout.chatLines} />
      <TrafficLine
        width={size.columns}
        series={[
          { label: 'transforms', values: view.history.transforms, current: view.transformsPerSec },
          { label: 'chat', values: view.history.chat, current: view.chatPerSec },
        ]}
      />
    </Box>
  );
}

