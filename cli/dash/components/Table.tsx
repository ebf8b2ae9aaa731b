import { Box, Text } from 'ink';
import type { ReactNode } from 'react';

/** A column: a fixed width (or `grow` to take what is left) and an alignment. */
export interface Column {
  title: string;
  width: number;
  grow?: boolean;
  align?: 'left' | 'right';
}

/** One row of cells, each cut to its column (ink measures wide characters correctly). */
export function Row({ columns, cells, inverse, bold, dim }: { columns: Column[]; cells: ReactNode[]; inverse?: boolean; bold?: boolean; dim?: boolean }) {
  return (
    <Box>
      {columns.map((column, i) => (
        <Box
          key={i}
          width={column.grow ? undefined : column.width}
          minWidth={column.width}
          flexGrow={column.grow ? 1 : 0}
          flexShrink={column.grow ? 1 : 0}
          justifyContent={column.align === 'right' ? 'flex-end' : 'flex-start'}
          marginRight={i < columns.length - 1 ? 1 : 0}
        >
          <Text wrap="truncate-end" inverse={inverse} bold={bold} dimColor={dim}>
            {cells[i]}
          </Text>
        </Box>
      ))}
    </Box>
  );
}

export function HeaderRow({ columns }: { columns: Column[] }) {
  return <Row columns={columns} cells={columns.map((c) => c.title)} dim />;
}
