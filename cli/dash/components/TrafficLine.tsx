import { Box, Text } from 'ink';
import { rate } from '../format.js';
import { Sparkline } from './Sparkline.js';

/** Two labelled sparklines side by side: per-second history and the current rate. */
export function TrafficLine({ series, width }: { series: Array<{ label: string; values: number[]; current: number }>; width: number }) {
  const each = Math.floor(width / Math.max(1, series.length));
  return (
    <Box>
      {series.map(({ label, values, current }) => {
        const text = `${label} `;
        const value = ` ${rate(current)}/s`;
        const bars = Math.max(0, each - text.length - value.length - 2);
        return (
          <Box key={label} width={each}>
            <Text dimColor>{text}</Text>
            <Sparkline values={values} width={bars} />
            <Text bold>{value}</Text>
          </Box>
        );
      })}
    </Box>
  );
}
