/**
 * Toasts: each one a `role="alert"` element, so screen readers announce it when it appears (and
 * when its text changes, for a toast replaced under the same key). They leave by themselves after
 * a few seconds unless sticky, and every one has a Dismiss button.
 */
import { el } from './dom.js';
import type { ToastSpec } from './feedback-text.js';

const VISIBLE_MS = 7000;

interface Shown {
  spec: ToastSpec;
  node: HTMLElement;
  text: HTMLElement;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export class Toaster {
  private readonly shown = new Map<string, Shown>();
  /** Every toast shown, newest last (bounded): what tests and the page's snapshot report. */
  private readonly log: ToastSpec[] = [];

  constructor(private readonly container: HTMLElement) {}

  show(spec: ToastSpec): void {
    this.log.push({ ...spec });
    if (this.log.length > 50) this.log.shift();
    let t = this.shown.get(spec.key);
    if (!t) {
      const node = el('div', 'toast');
      node.setAttribute('role', 'alert');
      const text = el('p', 'toast-text');
      const close = el('button', 'toast-close', '×');
      close.type = 'button';
      close.setAttribute('aria-label', 'Dismiss notification');
      close.addEventListener('click', () => this.dismiss(spec.key));
      node.append(text, close);
      this.container.append(node);
      t = { spec, node, text, timer: undefined };
      this.shown.set(spec.key, t);
    }
    clearTimeout(t.timer);
    t.spec = spec;
    t.node.dataset.tone = spec.tone;
    t.node.dataset.key = spec.key;
    t.text.textContent = spec.text;
    t.timer = spec.sticky ? undefined : setTimeout(() => this.dismiss(spec.key), VISIBLE_MS);
  }

  dismiss(key: string): void {
    const t = this.shown.get(key);
    if (!t) return;
    clearTimeout(t.timer);
    t.node.remove();
    this.shown.delete(key);
  }

  /** What is on screen now, oldest first. */
  current(): ToastSpec[] {
    return [...this.shown.values()].map((t) => ({ ...t.spec }));
  }

  /** Every toast shown so far (the last 50), oldest first. */
  history(): ToastSpec[] {
    return this.log.map((t) => ({ ...t }));
  }
}
