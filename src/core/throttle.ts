/**
 * Spaces sends to one target at most `ratePerSecond` apart (a virtual-schedule leaky bucket,
 * GCRA without burst): each send takes the next free slot, `1000 / ratePerSecond` ms after the
 * previous one. A slot in the future means "not now: at that time", so a delivery over the rate
 * is rescheduled to its own slot instead of holding a place of the engine or being retried in a
 * herd. (Rate-limit libraries answer "allowed or not, and when the window resets": every waiting
 * delivery would come back at the same reset.) Per process; the store-backed budget shared by
 * every worker is the delivery-control issue's.
 */
export class SendSpacer {
  private readonly nextSlot = new Map<string, number>();

  /** The time (epoch ms) at which this send may go: `now` when it may go now. */
  take(key: string, ratePerSecond: number, now: number): number {
    const slot = Math.max(now, this.nextSlot.get(key) ?? now);
    this.nextSlot.set(key, slot + 1000 / ratePerSecond);
    // Forget targets that have been idle for a while, so that the map stays bounded.
    if (this.nextSlot.size > 10_000) {
      for (const [k, t] of this.nextSlot) if (t < now) this.nextSlot.delete(k);
    }
    return slot;
  }
}
