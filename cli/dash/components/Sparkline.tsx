import { Text } from 'ink';

const BARS = '▁▂▃▄▅▆▇█';

/** Values as bars, scaled to the largest; zero is a blank (so idle time reads as a gap). */
export function sparkline(values: number[], width: number): string {
  const shown = values.slice(-Math.max(0, width));
  const max = Math.max(0, ...shown);
  const line = shown.map((v) => (v <= 0 || max === 0 ? ' ' : BARS[Math.min(BARS.length - 1, Math.floor((v / max) * (BARS.length - 1) + 0.5))]!)).join('');
  return line.padStart(width, ' ');
}

export function Sparkline({ values, width, color = 'cyan' }: { values: number[]; width: number; color?: string }) {
  return <Text color={color}>{sparkline(values, width)}</Text>;
}
