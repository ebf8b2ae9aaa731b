/** The base of the dashboard's live models (poller, room watch): React reads them with `useSyncExternalStore`. */
export class Observable {
  /** Bumped on every change; what `useSyncExternalStore` compares. */
  version = 0;
  private readonly listeners = new Set<() => void>();

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getVersion = (): number => this.version;

  protected changed(): void {
    this.version++;
    for (const listener of [...this.listeners]) listener();
  }
}
