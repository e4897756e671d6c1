/**
 * A pause of this process's group commits, asked for by the checkpoint thread (checkpoint-thread.ts)
 * so that its checkpoint can catch up with the whole WAL and the next commit starts the WAL file
 * over. Held writes wait without blocking the event loop: requests go on being read and queued, and
 * their commits run when the hold ends.
 */
const OPEN = Promise.resolve();

export class WriteHold {
  private waiting: (() => void)[] = [];
  private held = false;

  get isHeld(): boolean {
    return this.held;
  }

  hold(): void {
    this.held = true;
  }

  /**
   * Ends the hold. What waited for it runs in the order it waited, each in a `setImmediate` of its
   * own, as it would have run without the hold (a throw in one cannot keep the others waiting).
   */
  release(): void {
    if (!this.held) return;
    this.held = false;
    const waiting = this.waiting;
    this.waiting = [];
    for (const run of waiting) setImmediate(run);
  }

  /** Runs `write` now, or when the hold ends. */
  whenOpen(write: () => void): void {
    if (this.held) this.waiting.push(write);
    else write();
  }

  /** Resolved already, or resolves when the hold ends (no promise made per call while open: claims and records await it). */
  opened(): Promise<void> {
    return this.held ? new Promise<void>((resolve) => this.waiting.push(resolve)) : OPEN;
  }
}
