import { Box, Text } from 'ink';
import { drawMap } from '../minimap.js';
import type { MemberRow } from '../room-model.js';

/** Members seen from above, marked as in the member table; a title line with the scale, then the map. */
export function MiniMap({ members, width, height }: { members: MemberRow[]; width: number; height: number }) {
  const points = members.flatMap((m) => (m.transform ? [{ marker: m.marker, x: m.transform.p[0], z: m.transform.p[2] }] : []));
  const { lines, extent } = drawMap(points, width, Math.max(1, height - 1));
  return (
    <Box flexDirection="column" width={width}>
      <Text dimColor wrap="truncate-end">
        map ±{extent} m · x→ z↓
      </Text>
      {lines.map((line, i) => (
        <Text key={i} color="cyan">
          {line}
        </Text>
      ))}
    </Box>
  );
}
