/**
 * The send schedule of one worker: every client's next slot in a min-heap, one timer for the
 * earliest. Per-client timers (1,000 x 20/s) would cost more than the sends. When the generator falls
 * behind, a client sends only its newest due slot, as the SDK's pacer keeps only the newest
 * pending transform; the slots it jumped are counted (`skipped`), never sent in a burst that the
 * gateway's rate limiter would drop.
 */

export interface Scheduled {
  /** Unix µs of slot 0. */
  readonly baseUs: number;
  readonly intervalUs: number;
  /** Next slot to consider. */
  nextK: number;
}

export class SendHeap<T extends Scheduled> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  dueOf(item: T): number {
    return item.baseUs + item.nextK * item.intervalUs;
  }

  peekDue(): number {
    const top = this.items[0];
    return top ? this.dueOf(top) : Number.POSITIVE_INFINITY;
  }

  push(item: T): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    const due = this.dueOf(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.dueOf(a[parent]!) <= due) break;
      a[i] = a[parent]!;
      i = parent;
    }
    a[i] = item;
  }

  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    const due = this.dueOf(last);
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const r = l + 1;
      const child = r < a.length && this.dueOf(a[r]!) < this.dueOf(a[l]!) ? r : l;
      if (this.dueOf(a[child]!) >= due) break;
      a[i] = a[child]!;
      i = child;
    }
    a[i] = last;
    return top;
  }
}

/** The newest slot due at `nowUs` (>= nextK when called for a due item). */
export function newestDueSlot(item: Scheduled, nowUs: number): number {
  return Math.max(item.nextK, Math.floor((nowUs - item.baseUs) / item.intervalUs));
}
