import { Box, Text } from 'ink';
import type { NodeStats, RoomSummary } from '../../../gateway/admin-schema.js';
import { plural } from '../format.js';
import { roomsLayout, type Size } from '../layout.js';
import { SORT_LABEL, type SortKey } from '../rooms-sort.js';
import { NodeTable } from './NodeTable.js';
import { RoomList } from './RoomList.js';
import { TrafficLine } from './TrafficLine.js';

export interface RoomsScreenProps {
  /** Already sorted; undefined until the first answer. */
  rooms: RoomSummary[] | undefined;
  selected: number;
  sort: SortKey;
  nodes: NodeStats[];
  history: { in: number[]; out: number[] };
  size: Size;
}

/** Every room with members, the selection, the nodes, and the cluster's traffic. */
export function RoomsScreen({ rooms, selected, sort, nodes, history, size }: RoomsScreenProps) {
  const layout = roomsLayout(size, nodes.length);
  return (
    <Box flexDirection="column">
      <Box>
        <Text bold wrap="truncate-end">
          {rooms ? plural(rooms.length, 'room') : 'rooms'}
        </Text>
        <Text dimColor wrap="truncate-end">
          {' '}· sorted by {SORT_LABEL[sort]}
        </Text>
        <Box flexGrow={1} />
        <Box flexShrink={0}>
          <Text dimColor> ↑↓ select · enter open · s sort · q quit</Text>
        </Box>
      </Box>
      <Box height={layout.listHeight} flexDirection="column">
        {rooms ? <RoomList rooms={rooms} selected={selected} height={layout.listHeight} /> : <Text dimColor>loading…</Text>}
      </Box>
      <Text dimColor>nodes</Text>
      <Box height={layout.nodeHeight}>
        <NodeTable nodes={nodes} height={layout.nodeHeight} />
      </Box>
      <TrafficLine
        width={size.columns}
        series={[
          { label: 'in', values: history.in, current: history.in.at(-1) ?? 0 },
          { label: 'out', values: history.out, current: history.out.at(-1) ?? 0 },
        ]}
      />
    </Box>
  );
}
