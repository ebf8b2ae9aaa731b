import { Box, Text } from 'ink';
import type { RoomSummary } from '../../../gateway/admin-schema.js';
import { rate } from '../format.js';
import { HeaderRow, Row, type Column } from './Table.js';

const COLUMNS: Column[] = [
  { title: '', width: 1 },
  { title: 'room', width: 20, grow: true },
  { title: 'members', width: 7, align: 'right' },
  { title: 'transforms/s', width: 12, align: 'right' },
  { title: 'chat/s', width: 7, align: 'right' },
];

/** The rooms, `selected` marked; scrolls to keep the selection within `height` rows. */
export function RoomList({ rooms, selected, height }: { rooms: RoomSummary[]; selected: number; height: number }) {
  if (rooms.length === 0) return <Text dimColor>no room has members right now</Text>;
  const rows = Math.max(1, height - 1);
  const first = Math.min(Math.max(0, selected - rows + 1), Math.max(0, rooms.length - rows));
  const shown = rooms.slice(first, first + rows);
  return (
    <Box flexDirection="column">
      <HeaderRow columns={COLUMNS} />
      {shown.map((room, i) => {
        const isSelected = first + i === selected;
        return (
          <Row
            key={room.roomId}
            columns={COLUMNS}
            bold={isSelected}
            cells={[isSelected ? '›' : ' ', room.roomId, String(room.members), rate(room.transformsPerSec), rate(room.chatPerSec)]}
          />
        );
      })}
    </Box>
  );
}
