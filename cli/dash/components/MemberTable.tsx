import { Box, Text } from 'ink';
import { age, metres, rate } from '../format.js';
import type { MemberRow } from '../room-model.js';
import { HeaderRow, Row, type Column } from './Table.js';

const COLUMNS: Column[] = [
  { title: '', width: 2 },
  { title: 'name', width: 8, grow: true },
  { title: 'dev', width: 3 },
  { title: 'x', width: 5, align: 'right' },
  { title: 'z', width: 5, align: 'right' },
  { title: 'age', width: 4, align: 'right' },
  { title: 'upd/s', width: 5, align: 'right' },
];

/** Who is in the room: map marker, name, device, position, how old the latest transform is, update rate. */
export function MemberTable({ members, height }: { members: MemberRow[]; height: number }) {
  const rows = Math.max(1, height - 1);
  const overflow = members.length > rows;
  const shown = members.slice(0, overflow ? rows - 1 : rows);
  return (
    <Box flexDirection="column">
      <HeaderRow columns={COLUMNS} />
      {members.length === 0 && <Text dimColor>nobody here</Text>}
      {shown.map((m) => (
        <Row
          key={m.userId}
          columns={COLUMNS}
          cells={[
            m.marker,
            m.displayName,
            m.device === 'mobile' ? 'mob' : 'dsk',
            m.transform ? metres(m.transform.p[0]) : '–',
            m.transform ? metres(m.transform.p[2]) : '–',
            age(m.ageMs),
            rate(m.updatesPerSec),
          ]}
        />
      ))}
      {overflow && <Text dimColor>+{members.length - shown.length} more</Text>}
    </Box>
  );
}
