/** Small DOM helpers: typed lookups that fail loudly when index.html and the code disagree. */

export function byId<T extends HTMLElement = HTMLElement>(id: string, type?: new () => T): T {
  const el = document.getElementById(id);
  if (!el || (type && !(el instanceof type))) throw new Error(`index.html has no #${id}${type ? ` of type ${type.name}` : ''}`);
  return el as T;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * A stable colour per user id (the avatar, its list swatch and its chat name share it). Picked in
 * OKLCH at one lightness, so every hue has the same contrast: white text on it, and it as text on
 * white, both stay above 4.5:1 (WCAG AA), which plain HSL does not give for yellows and greens.
 */
export function colourFor(userId: string): string {
  let h = 2166136261;
  for (let i = 0; i < userId.length; i++) h = Math.imul(h ^ userId.charCodeAt(i), 16777619);
  return PALETTE[(h >>> 0) % PALETTE.length]!;
}

/** Twelve hues 30 degrees apart: neighbours in a room are told apart at a glance more often than with any hue. */
const PALETTE = Array.from({ length: 12 }, (_, i) => oklchToHex(0.5, 0.13, 15 + i * 30));

function oklchToHex(L: number, C: number, hueDeg: number): string {
  const h = (hueDeg * Math.PI) / 180;
  const a = C * Math.cos(h);
  const b = C * Math.sin(h);
  const l = (L + 0.3963377774 * a + 0.2158037573 * b) ** 3;
  const m = (L - 0.1055613458 * a - 0.0638541728 * b) ** 3;
  const s = (L - 0.0894841775 * a - 1.291485548 * b) ** 3;
  const rgb = [
    4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s,
    -1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s,
    -0.0041960863 * l - 0.7034186147 * m + 1.707614701 * s,
  ];
  return `#${rgb.map((x) => {
    const v = Math.min(1, Math.max(0, x));
    const srgb = v <= 0.0031308 ? 12.92 * v : 1.055 * v ** (1 / 2.4) - 0.055;
    return Math.round(srgb * 255).toString(16).padStart(2, '0');
  }).join('')}`;
}
