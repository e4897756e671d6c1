/**
 * Spaces sends to one target at most `ratePerSecond` apart (a virtual-schedule leaky bucket,
 * GCRA without burst): each send takes the next free slot, `1000 / ratePerSecond` ms after the
 * previous one. A slot in the future means "not now: at that time", so a delivery over the rate
 * is rescheduled to its own slot instead of holding a place of the engine or being retried in a
 * herd. (Rate-limit libraries answer "allowed or not, and when the window resets": every waiting
 * delivery would come back at the same reset.) Per process; the store-backed budget shared by
 * every worker is the delivery-control issue's.
 *
 * A send told to wait holds its slot: when it comes back (with the same `holder`, its delivery
 * id) at or after that slot it goes, instead of taking a new slot behind every send that was told
 * to wait after it (which would push each waiting send back for ever).
 */
export class SendSpacer {
  private readonly nextSlot = new Map<string, number>();
  /** Slots held by sends told to wait, by holder. */
  private readonly held = new Map<string, number>();

  /**
   * The time (epoch ms) at which this send may go: `now` when it may go now. With a `holder`, a
   * future slot is kept for it, and its next call returns `now` once that slot has come.
   */
  take(key: string, ratePerSecond: number, now: number, holder?: string): number {
    const reserved = holder === undefined ? undefined : this.held.get(holder);
    if (reserved !== undefined) {
      if (reserved > now) return reserved;
      this.held.delete(holder!);
      return now;
    }
    const slot = Math.max(now, this.nextSlot.get(key) ?? now);
    this.nextSlot.set(key, slot + 1000 / ratePerSecond);
    if (holder !== undefined && slot > now) this.held.set(holder, slot);
    // Forget targets idle for a while, and slots never claimed (their delivery went elsewhere,
    // e.g. to another worker after a lease ran out), so that the maps stay bounded.
    if (this.nextSlot.size > 10_000) {
      for (const [k, t] of this.nextSlot) if (t < now) this.nextSlot.delete(k);
    }
    if (this.held.size > 10_000) {
      for (const [h, t] of this.held) if (t < now - HELD_SLOT_GRACE_MS) this.held.delete(h);
    }
    return slot;
  }
}

/** How long past its slot a held slot is kept for a send that has not come back. */
const HELD_SLOT_GRACE_MS = 60_000;
