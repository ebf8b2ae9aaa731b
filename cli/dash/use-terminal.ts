/** React hooks for the terminal: its size (following resizes) and a steady re-render tick. */
import { useStdout } from 'ink';
import { useEffect, useState } from 'react';
import type { Size } from './layout.js';

/** The terminal's size, updated on resize; `fixed` (tests) wins. */
export function useTerminalSize(fixed?: Size): Size {
  const { stdout } = useStdout();
  const read = (): Size => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    if (fixed) return;
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => void stdout.off('resize', onResize);
  }, [stdout, fixed]);
  return fixed ?? size;
}

/** Re-render every `ms` (ages and rates change with time, not only with data). */
export function useTick(ms: number): void {
  const [, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), ms);
    return () => clearInterval(timer);
  }, [ms]);
}
