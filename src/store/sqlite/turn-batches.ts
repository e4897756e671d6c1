import type { WriteHold } from './write-hold.js';

/**
 * A group commit's queue: the calls of one event-loop turn are handed to `flush` together on the
 * next `setImmediate` (not a microtask: the requests parsed in one poll phase all queue before it
 * runs), at most `maxBatch` at a time, in call order; a burst larger than one batch goes on after
 * letting I/O in. `flush` is synchronous (one SQLite transaction) and settles each call itself.
 * While the checkpoint thread holds writes (`WriteHold`), the flush waits for the hold to end.
 */
export class TurnBatches<T> {
  private queue: T[] = [];
  private scheduled = false;

  constructor(
    private readonly maxBatch: number,
    private readonly flush: (batch: T[]) => void,
    private readonly hold: WriteHold,
  ) {}

  push(item: T): void {
    this.queue.push(item);
    this.schedule();
  }

  /** Flushes everything queued now (a store's `close()`: no accepted call is dropped). */
  drain(): void {
    while (this.queue.length > 0) this.flushNext();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() =>
      this.hold.whenOpen(() => {
        this.scheduled = false;
        this.flushNext();
        if (this.queue.length > 0) this.schedule();
      }),
    );
  }

  private flushNext(): void {
    const batch = this.queue.splice(0, this.maxBatch);
    if (batch.length > 0) this.flush(batch);
  }
}
