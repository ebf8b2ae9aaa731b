/** A small typed event emitter: `on` returns its own unsubscribe function. */

type Handler = (...args: any[]) => void;

export class Emitter<Events extends { [K in keyof Events]: Handler }> {
  private readonly handlers = new Map<keyof Events, Set<Handler>>();

  on<K extends keyof Events>(event: K, handler: Events[K]): () => void {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    // Wrap so the same function subscribed twice gets two independent subscriptions.
    const entry: Handler = (...args) => handler(...args);
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  }

  /**
   * Call every handler. A throwing handler must not break the connection state machine that is
   * emitting, so its error is rethrown on a fresh task, where the platform reports it as uncaught.
   */
  emit<K extends keyof Events>(event: K, ...args: Parameters<Events[K]>): void {
    const set = this.handlers.get(event);
    if (!set) return;
    for (const handler of [...set]) {
      try {
        handler(...args);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  listenerCount(event: keyof Events): number {
    return this.handlers.get(event)?.size ?? 0;
  }
}
