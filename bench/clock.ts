/**
 * Wall-clock milliseconds with sub-millisecond resolution, comparable across processes on one
 * machine: every bench process (generator, receiver, relay) stamps events with this, so a time
 * taken in one process can be subtracted from a time taken in another.
 */
export function wallNowMs(): number {
  return performance.timeOrigin + performance.now();
}
