/** Text formatting shared by the dashboard's panels and the plain `--once` output. */

/** `text` cut to `width` columns (ending in "…" when cut) and padded to exactly `width`. */
export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  const chars = [...text];
  if (chars.length > width) return chars.slice(0, Math.max(0, width - 1)).join('') + '…';
  return text + ' '.repeat(width - chars.length);
}

/** Right-aligned in `width` columns (cut from the left if longer). */
export function right(text: string, width: number): string {
  return text.length >= width ? text.slice(text.length - width) : ' '.repeat(width - text.length) + text;
}

/** A per-second rate: one decimal below 10, whole numbers above. */
export function rate(perSecond: number): string {
  if (perSecond === 0) return '0';
  return perSecond < 10 ? perSecond.toFixed(1) : String(Math.round(perSecond));
}

/** How long ago: "0.4s", "12s", "5m", "3h"; "–" when unknown. */
export function age(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  const s = Math.max(0, ms) / 1000;
  if (s < 10) return `${s.toFixed(1)}s`;
  if (s < 60) return `${Math.floor(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  return `${Math.floor(s / 3600)}h`;
}

export function millis(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)}ms` : `${Math.round(ms)}ms`;
}

/** A coordinate in metres, one decimal. */
export function metres(value: number): string {
  if (Math.abs(value) >= 1000) return `${Math.round(value)}`;
  return Math.abs(value) < 0.05 ? '0.0' : value.toFixed(1); // never "-0.0"
}

/** Local wall-clock time, HH:MM:SS. */
export function clock(ts: number): string {
  const d = new Date(ts);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
