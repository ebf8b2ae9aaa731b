import { Box } from 'ink';
import type { NodeStats } from '../../../gateway/admin-schema.js';
import { age, millis, rate } from '../format.js';
import { HeaderRow, Row, type Column } from './Table.js';

const COLUMNS: Column[] = [
  { title: 'node', width: 16, grow: true },
  { title: 'conns', width: 5, align: 'right' },
  { title: 'members', width: 7, align: 'right' },
  { title: 'in/s', width: 6, align: 'right' },
  { title: 'out/s', width: 6, align: 'right' },
  { title: 'drops', width: 5, align: 'right' },
  { title: 'loop', width: 6, align: 'right' },
  { title: 'store', width: 5 },
  { title: 'up', width: 4, align: 'right' },
];

const sum = (values: Record<string, number>) => Object.values(values).reduce((a, b) => a + b, 0);

/** One row per live gateway node (with Redis, the whole cluster). */
export function NodeTable({ nodes, height }: { nodes: NodeStats[]; height: number }) {
  const shown = nodes.slice(0, Math.max(0, height - 1));
  return (
    <Box flexDirection="column">
      <HeaderRow columns={COLUMNS} />
      {shown.map((n) => (
        <Row
          key={n.nodeId}
          columns={COLUMNS}
          cells={[
            n.nodeId,
            String(n.connections),
            String(n.members),
            rate(sum(n.messagesInPerSec)),
            rate(sum(n.messagesOutPerSec)),
            String(sum(n.drops)),
            millis(n.eventLoopDelayP99Ms),
            n.storeUp ? 'ok' : 'DOWN',
            age(n.uptimeMs),
          ]}
        />
      ))}
    </Box>
  );
}
