import { describe, expect, it } from 'vitest';
import {
  attemptFor,
  claimMessages,
  createApp,
  createEndpoint,
  messageInput,
  type SuiteContext,
  T0,
} from './fixtures.suite.js';

const MINUTE_MS = 60_000;
const WORKER = 'wrk_stats';

export function describeStats(ctx: SuiteContext): void {
  describe('stats', () => {
    it('counts attempts per minute by outcome, ranks latencies, and reads the queue', async () => {
      const { store } = ctx;
      const app = await createApp(store);
      await createEndpoint(store, app.id);
      for (let i = 0; i < 5; i++) await store.messages.create(messageInput(app.id), T0);
      const claimed = await claimMessages(store, WORKER, 4, 30_000, T0);
      expect(claimed).toHaveLength(4);
      // Minute 0: two successes (10 and 20 ms); minute 1: one failure (30 ms), one success (1000 ms).
      const at = [T0 + 1_000, T0 + 2_000, T0 + MINUTE_MS + 5_000, T0 + MINUTE_MS + 6_000];
      const outcomes = claimed.map((c, i) => {
        const status = i === 2 ? 'fail' : 'success';
        const attempt = { ...attemptFor(c, status, at[i]), responseDurationMs: [10, 20, 30, 1000][i] };
        return { attempt, status, nextAttemptAt: null } as const;
      });
      await store.queue.record(WORKER, outcomes, T0 + 2 * MINUTE_MS);

      const stats = await store.stats.deliveryStats(T0);
      const minute0 = Math.floor(T0 / MINUTE_MS) * MINUTE_MS;
      expect(stats.perMinute).toEqual([
        { minute: minute0, success: 2, fail: 0 },
        { minute: minute0 + MINUTE_MS, success: 1, fail: 1 },
      ]);
      expect([stats.success, stats.fail]).toEqual([3, 1]);
      expect(stats.latencyP50Ms).toBe(20);
      expect(stats.latencyP99Ms).toBe(1000);
      // One message was left unclaimed: pending, due at T0.
      expect([stats.pending, stats.sending, stats.oldestDueAt]).toEqual([1, 0, T0]);

      // An event waiting for a `hookd listen` session is not the engine's queue.
      const source = await store.sources.create({ name: 'cli', verification: { type: 'none' } }, T0);
      const cli = await store.listen.open(
        { sourceId: source.id, device: 'laptop', forwardTo: 'http://localhost:3000/', filter: null },
        T0,
      );
      const route = { connectionId: cli.connection.id, destinationId: cli.destination.id };
      const input = { sourceId: source.id, method: 'POST', path: '', headers: [], body: Buffer.from('x') };
      const received = await store.inbound.receive(input, [route], null, T0 - MINUTE_MS);
      expect(received.events.map((e) => e.status)).toEqual(['pending']);
      const withCli = await store.stats.deliveryStats(T0);
      expect([withCli.pending, withCli.sending, withCli.oldestDueAt]).toEqual([1, 0, T0]);
      // Nor in the monitor's figures (/metrics), though it is due and the older.
      const queue = await store.monitor.queueStats(T0);
      expect(queue).toEqual({ pending: 1, due: 1, sending: 0, oldestDueAt: T0 });

      const later = await store.stats.deliveryStats(T0 + MINUTE_MS);
      expect([later.success, later.fail]).toEqual([1, 1]);
      const none = await store.stats.deliveryStats(T0 + 10 * MINUTE_MS);
      expect(none).toMatchObject({ perMinute: [], success: 0, fail: 0, latencyP50Ms: null, latencyP99Ms: null });
    });
  });
}
