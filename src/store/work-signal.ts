/**
 * The in-process "new work may be due" signal behind `Store.onWork`. Stores call `emit()` after
 * a commit, never inside a transaction: a listener that reads the queue at once must see the rows.
 */
export class WorkSignal {
  private readonly listeners = new Set<() => void>();

  /** Adds `listener`; returns the function that removes it. */
  subscribe(listener: () => void): () => void {
    // Wrapped so that subscribing the same function twice gives two independent subscriptions.
    const entry = () => listener();
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  emit(): void {
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch (error) {
        // The data is committed; a broken listener must not turn the caller's success into a failure.
        process.emitWarning(`onWork listener threw: ${String(error)}`);
      }
    }
  }
}
