import { describe, expect, it } from 'vitest';
import { TriggerType } from '../../core/types.js';
import type { ClaimedMessage, LocalWorker } from '../store.js';
import {
  countWork,
  createApp,
  createEndpoint,
  LEASE_MS,
  messageInput,
  outcomeFor,
  type SuiteContext,
  T0,
  claimMessages,
  ROOMY_APPLICATIONS,
} from './fixtures.suite.js';

export function describeQueue(ctx: SuiteContext): void {
  /** An application with one endpoint and `n` messages created at T0, T0+1, ... */
  async function seed(n: number, headers: Record<string, string> = {}) {
    const app = await createApp(ctx.store);
    const endpoint = await createEndpoint(ctx.store, app.id, { headers });
    const messages = [];
    for (let i = 0; i < n; i++) messages.push((await ctx.store.messages.create(messageInput(app.id), T0 + i)).message);
    return { app, endpoint, messages };
  }

  async function statusOf(appId: string, endpointId: string, msgId: string) {
    const page = await ctx.store.attempts.endpointMessages(appId, endpointId, { limit: 250 });
    return page.data.find((m) => m.message.id === msgId);
  }

  describe('claiming deliveries', () => {
    it('leases due deliveries oldest first, with the message and the full endpoint', async () => {
      const { endpoint, messages } = await seed(3, { 'x-h': 'v' });
      expect(await claimMessages(ctx.store, 'w', 10, LEASE_MS, T0 - 1)).toEqual([]);
      const claimed = await claimMessages(ctx.store, 'w', 2, LEASE_MS, T0 + 5);
      expect(claimed.map((c) => c.message.id)).toEqual([messages[0].id, messages[1].id]);
      expect(claimed[0].delivery).toMatchObject({ status: 'sending', nextAttemptAt: T0, attemptCount: 0 });
      expect(claimed[0].message).toEqual(messages[0]);
      expect(claimed[0].endpoint).toEqual(endpoint);
      expect(claimed[0].endpoint.headers).toEqual({ 'x-h': 'v' });
      expect(claimed[0].endpoint.secrets).toHaveLength(1);
    });

    it('does not hand out a leased delivery again until the lease expires', async () => {
      await seed(2);
      const first = await claimMessages(ctx.store, 'a', 10, LEASE_MS, T0 + 10);
      expect(first).toHaveLength(2);
      expect(await claimMessages(ctx.store, 'b', 10, LEASE_MS, T0 + 10 + LEASE_MS - 1)).toEqual([]);
      expect(await ctx.store.queue.nextDueAt()).toBe(T0 + 10 + LEASE_MS);
      const again = await claimMessages(ctx.store, 'b', 10, LEASE_MS, T0 + 10 + LEASE_MS);
      expect(again.map((c) => c.delivery.id).sort()).toEqual(first.map((c) => c.delivery.id).sort());
    });

    it('cancels, instead of returning, deliveries whose endpoint was disabled', async () => {
      const { app, endpoint, messages } = await seed(1);
      const live = await createEndpoint(ctx.store, app.id);
      const { message } = await ctx.store.messages.create(messageInput(app.id), T0);
      await ctx.store.endpoints.update(app.id, endpoint.id, { url: endpoint.url, disabled: true }, T0);
      const claimed = await claimMessages(ctx.store, 'w', 10, LEASE_MS, T0 + 10);
      expect(claimed.map((c) => c.endpoint.id)).toEqual([live.id]);
      expect(claimed[0].message.id).toBe(message.id);
      expect(await statusOf(app.id, endpoint.id, messages[0].id)).toMatchObject({
        status: 'canceled',
        nextAttemptAt: null,
      });
      expect((await ctx.store.endpoints.stats(endpoint.id, {})).canceled).toBe(2);
      expect(await claimMessages(ctx.store, 'w', 10, LEASE_MS, T0 + 11)).toEqual([]);
      // Re-enabled, the endpoint gets its canceled deliveries back through recover.
      await ctx.store.endpoints.update(app.id, endpoint.id, { url: endpoint.url, disabled: false }, T0 + 12);
      expect(await ctx.store.requeue.recoverFailed(endpoint.id, {}, T0 + 13)).toBe(2);
      expect(await claimMessages(ctx.store, 'w', 10, LEASE_MS, T0 + 13)).toHaveLength(2);
    });

    it('gives leases back on queue.release, only the worker’s own, and signals work', async () => {
      await seed(3);
      const mine = await claimMessages(ctx.store, 'a', 2, LEASE_MS, T0 + 10);
      const theirs = await claimMessages(ctx.store, 'b', 1, LEASE_MS, T0 + 10);
      const work = countWork(ctx.store);
      await ctx.store.queue.release('a', T0 + 20);
      expect(work.count).toBe(1);
      expect(await ctx.store.queue.nextDueAt()).toBe(T0 + 20);
      const reclaimed = await claimMessages(ctx.store, 'c', 10, LEASE_MS, T0 + 20);
      expect(reclaimed.map((c) => c.delivery.id).sort()).toEqual(mine.map((c) => c.delivery.id).sort());
      expect(reclaimed.some((c) => c.delivery.id === theirs[0].delivery.id)).toBe(false);
    });

    it('reports the next due time: pending due times and lease ends, or null', async () => {
      expect(await ctx.store.queue.nextDueAt()).toBeNull();
      await seed(2);
      expect(await ctx.store.queue.nextDueAt()).toBe(T0);
      await claimMessages(ctx.store, 'w', 1, 5, T0 + 100);
      expect(await ctx.store.queue.nextDueAt()).toBe(T0 + 1);
      await claimMessages(ctx.store, 'w', 1, 5, T0 + 100);
      expect(await ctx.store.queue.nextDueAt()).toBe(T0 + 105);
    });
  });

  describe('recording outcomes', () => {
    it('ends a delivery on success and logs the attempt', async () => {
      const { app, endpoint, messages } = await seed(1);
      const [c] = await claimMessages(ctx.store, 'w', 10, LEASE_MS, T0 + 10);
      const outcome = outcomeFor(c, T0 + 20, { status: 'success', nextAttemptAt: null });
      await ctx.store.queue.record('w', [outcome], T0 + 20);
      expect(await statusOf(app.id, endpoint.id, messages[0].id)).toMatchObject({
        status: 'success',
        nextAttemptAt: null,
      });
      expect(await ctx.store.attempts.get(app.id, messages[0].id, outcome.attempt.id)).toEqual(outcome.attempt);
      // Recording the same batch again (a retry after an unclear failure) changes nothing.
      await ctx.store.queue.record('w', [outcome], T0 + 30);
      expect((await ctx.store.attempts.list(app.id, { limit: 10 })).data).toHaveLength(1);
      expect(await claimMessages(ctx.store, 'w', 10, LEASE_MS, T0 + 10 + 2 * LEASE_MS)).toEqual([]);
      expect(await ctx.store.queue.nextDueAt()).toBeNull();
    });

    it('reschedules a pending delivery, counts the attempt, and signals work', async () => {
      await seed(1);
      const [c] = await claimMessages(ctx.store, 'w', 10, LEASE_MS, T0);
      const work = countWork(ctx.store);
      await ctx.store.queue.record(
        'w',
        [outcomeFor(c, T0 + 1, { status: 'pending', nextAttemptAt: T0 + 5_000 })],
        T0 + 1,
      );
      expect(work.count).toBe(1);
      expect(await ctx.store.queue.nextDueAt()).toBe(T0 + 5_000);
      expect(await claimMessages(ctx.store, 'w', 10, LEASE_MS, T0 + 4_999)).toEqual([]);
      const [retry] = await claimMessages(ctx.store, 'w', 10, LEASE_MS, T0 + 5_000);
      expect(retry.delivery).toMatchObject({ id: c.delivery.id, attemptCount: 1, nextAttemptAt: T0 + 5_000 });
    });

    it('fails a delivery, and disables the endpoint when asked, in one batch', async () => {
      const { app, endpoint, messages } = await seed(2);
      const work = countWork(ctx.store);
      const claimed = await claimMessages(ctx.store, 'w', 10, LEASE_MS, T0 + 10);
      await ctx.store.queue.record(
        'w',
        [
          outcomeFor(claimed[0], T0 + 20, { status: 'fail', nextAttemptAt: null }),
          outcomeFor(claimed[1], T0 + 20, { status: 'fail', nextAttemptAt: null, disableEndpoint: true }),
        ],
        T0 + 20,
      );
      expect(work.count).toBe(0);
      for (const m of messages) expect((await statusOf(app.id, endpoint.id, m.id))?.status).toBe('fail');
      expect(await ctx.store.endpoints.get(app.id, endpoint.id)).toMatchObject({ disabled: true, updatedAt: T0 + 20 });
      expect((await ctx.store.attempts.list(app.id, { limit: 10 })).data).toHaveLength(2);
    });

    it('only logs the attempt when the lease has moved to another worker', async () => {
      const { app, endpoint, messages } = await seed(1);
      const [byA] = await claimMessages(ctx.store, 'a', 10, LEASE_MS, T0);
      const [byB] = await claimMessages(ctx.store, 'b', 10, LEASE_MS, T0 + LEASE_MS);
      expect(byB.delivery.id).toBe(byA.delivery.id);

      const late = outcomeFor(byA, T0 + LEASE_MS + 1, { status: 'fail', nextAttemptAt: null, disableEndpoint: true });
      await ctx.store.queue.record('a', [late], T0 + LEASE_MS + 1);
      expect(await ctx.store.attempts.get(app.id, messages[0].id, late.attempt.id)).not.toBeNull();
      expect(await statusOf(app.id, endpoint.id, messages[0].id)).toMatchObject({ status: 'sending' });
      expect((await ctx.store.endpoints.get(app.id, endpoint.id))?.disabled).toBe(false);

      const next = T0 + LEASE_MS + 9_000;
      const retry = outcomeFor(byB, T0 + LEASE_MS + 2, { status: 'pending', nextAttemptAt: next });
      await ctx.store.queue.record('b', [retry], T0 + LEASE_MS + 2);
      const [c] = await claimMessages(ctx.store, 'c', 10, LEASE_MS, next);
      expect(c.delivery.attemptCount).toBe(1); // only B's attempt counted
    });

    it('drops the attempt of a delivery deleted while it was in flight', async () => {
      const { app, endpoint } = await seed(1);
      const [c] = await claimMessages(ctx.store, 'w', 10, LEASE_MS, T0);
      await ctx.store.endpoints.delete(app.id, endpoint.id);
      await ctx.store.queue.record('w', [outcomeFor(c, T0 + 1, { status: 'success', nextAttemptAt: null })], T0 + 1);
      expect((await ctx.store.attempts.list(app.id, { limit: 10 })).data).toEqual([]);
    });
  });

  describe('handing new deliveries to a local worker', () => {
    /** A worker that keeps what it takes and reserves room as the engine does; `reserved` must end at 0. */
    function localWorker(capacity: number) {
      const taken: ClaimedMessage[] = [];
      const held = { reserved: 0 };
      const worker: LocalWorker = {
        workerId: 'wrk_local',
        leaseMs: LEASE_MS,
        reserve: (wanted) => {
          const granted = Math.min(wanted, capacity - taken.length - held.reserved);
          held.reserved += granted;
          return granted;
        },
        unreserve: (count) => {
          held.reserved -= count;
        },
        take: (claimed) => {
          held.reserved -= claimed.length;
          taken.push(...(claimed as ClaimedMessage[]));
        },
      };
      void ctx.store.queue.attachLocalWorker(worker);
      return { taken, held };
    }

    it('inserts them leased to it, up to its room, and hands them over after the commit', async () => {
      const app = await createApp(ctx.store);
      for (const n of [1, 2, 3]) await createEndpoint(ctx.store, app.id, { url: `https://example.com/${n}` });
      const { taken, held } = localWorker(2);
      const work = countWork(ctx.store);
      const { message } = await ctx.store.messages.create(messageInput(app.id, { payload: '{"a":1}' }), T0);
      expect(taken.map((c) => [c.message.id, c.message.payload, c.delivery.status])).toEqual([
        [message.id, '{"a":1}', 'sending'],
        [message.id, '{"a":1}', 'sending'],
      ]);
      expect(taken[0].message).toEqual(message);
      expect(taken[0].endpoint.secrets).toHaveLength(1);
      expect(work.count).toBe(1); // the third delivery waits for a claim
      // Leased to the local worker: another worker claims only the third, until the lease expires.
      expect(await claimMessages(ctx.store, 'wrk_other', 10, 10 * LEASE_MS, T0 + 1)).toHaveLength(1);
      expect(await claimMessages(ctx.store, 'wrk_other', 10, LEASE_MS, T0 + LEASE_MS + 1)).toHaveLength(2);

      expect(held.reserved).toBe(0);
      await ctx.store.queue.attachLocalWorker(null);
      await ctx.store.messages.create(messageInput(app.id), T0 + 2 * LEASE_MS);
      expect(taken).toHaveLength(2);
      expect(await claimMessages(ctx.store, 'wrk_other', 10, LEASE_MS, T0 + 2 * LEASE_MS)).toHaveLength(3);
    });

    it('never hands more than its room across a burst, and nothing for a repeated eventId', async () => {
      await ctx.useFairLimits(ROOMY_APPLICATIONS);
      const app = await createApp(ctx.store);
      await createEndpoint(ctx.store, app.id, { maxConcurrency: 1_000 }); // the worker's room is what binds here
      const burst = () =>
        Promise.all(Array.from({ length: 100 }, () => ctx.store.messages.create(messageInput(app.id), T0)));
      await burst(); // warms up what a backend pools, so that the measured burst's batches overlap
      expect(await claimMessages(ctx.store, 'wrk_other', 200, LEASE_MS, T0)).toHaveLength(100);
      const { taken, held } = localWorker(10);
      const work = countWork(ctx.store);
      await burst();
      expect(taken).toHaveLength(10);
      expect(held.reserved).toBe(0);
      expect(work.count).toBeGreaterThan(0);
      expect(await claimMessages(ctx.store, 'wrk_other', 200, LEASE_MS, T0)).toHaveLength(90);

      taken.length = 0;
      const first = await ctx.store.messages.create(messageInput(app.id, { eventId: 'e1' }), T0);
      const again = await ctx.store.messages.create(messageInput(app.id, { eventId: 'e1' }), T0);
      expect(again.created).toBe(false);
      expect(taken.map((c) => c.message.id)).toEqual([first.message.id]);
      expect(held.reserved).toBe(0);
    });
  });

  describe('requeueing', () => {
    it('resends a message to an endpoint as a new manual delivery', async () => {
      const { app, endpoint, messages } = await seed(1);
      const [c] = await claimMessages(ctx.store, 'w', 10, LEASE_MS, T0);
      await ctx.store.queue.record('w', [outcomeFor(c, T0, { status: 'success', nextAttemptAt: null })], T0);
      const work = countWork(ctx.store);
      const delivery = await ctx.store.requeue.resend(app.id, messages[0].id, endpoint.id, T0 + 100);
      expect(work.count).toBe(1);
      expect(delivery).toEqual({
        id: expect.stringMatching(/^dlv_/),
        appId: app.id,
        msgId: messages[0].id,
        endpointId: endpoint.id,
        status: 'pending',
        trigger: TriggerType.Manual,
        attemptCount: 0,
        nextAttemptAt: T0 + 100,
        createdAt: T0 + 100,
        updatedAt: T0 + 100,
      });
      const [again] = await claimMessages(ctx.store, 'w', 10, LEASE_MS, T0 + 100);
      expect(again.delivery).toMatchObject({ id: delivery.id, trigger: TriggerType.Manual });
    });

    it('refuses to resend an unknown message or endpoint', async () => {
      const { app, endpoint, messages } = await seed(1);
      const other = await createApp(ctx.store);
      const foreign = await createEndpoint(ctx.store, other.id);
      const resend = (appId: string, msgId: string, endpointId: string) =>
        ctx.store.requeue.resend(appId, msgId, endpointId, T0);
      await expect(resend(app.id, 'msg_nope', endpoint.id)).rejects.toMatchObject({
        code: 'not_found',
        message: 'message not found',
      });
      await expect(resend(app.id, messages[0].id, 'ep_nope')).rejects.toMatchObject({ message: 'endpoint not found' });
      await expect(resend(app.id, messages[0].id, foreign.id)).rejects.toMatchObject({ message: 'endpoint not found' });
      await expect(resend(other.id, messages[0].id, foreign.id)).rejects.toMatchObject({
        message: 'message not found',
      });
    });

    it('recovers failed deliveries created in the range', async () => {
      const { app, endpoint, messages } = await seed(3);
      const claimed = await claimMessages(ctx.store, 'w', 10, LEASE_MS, T0 + 10);
      await ctx.store.queue.record(
        'w',
        claimed.map((c) => outcomeFor(c, T0 + 10, { status: 'fail', nextAttemptAt: null })),
        T0 + 10,
      );
      const work = countWork(ctx.store);
      expect(await ctx.store.requeue.recoverFailed(endpoint.id, { since: T0 + 1, until: T0 + 3 }, T0 + 50)).toBe(2);
      expect(work.count).toBe(1);
      expect((await statusOf(app.id, endpoint.id, messages[0].id))?.status).toBe('fail');
      const again = await claimMessages(ctx.store, 'w', 10, LEASE_MS, T0 + 50);
      expect(again.map((c) => c.message.id)).toEqual([messages[1].id, messages[2].id]);
      expect(again[0].delivery).toMatchObject({ attemptCount: 0, nextAttemptAt: T0 + 50 });
      expect(await ctx.store.requeue.recoverFailed(endpoint.id, {}, T0 + 60)).toBe(1);
    });

    it('lists dead letters across endpoints, filtered, and retries them except to a disabled endpoint', async () => {
      const app = await createApp(ctx.store);
      const endpoint = await createEndpoint(ctx.store, app.id);
      const other = await createEndpoint(ctx.store, app.id, { url: 'https://other.example.com/' });
      for (const at of [T0, T0 + 1]) await ctx.store.messages.create(messageInput(app.id), at);
      const typed = (await ctx.store.messages.create(messageInput(app.id, { eventType: 'x.y' }), T0 + 5)).message;
      const claimed = await claimMessages(ctx.store, 'w', 10, LEASE_MS, T0 + 10);
      expect(claimed).toHaveLength(6);
      // All fail for good but one, which is retried later (still pending): not a dead letter.
      const [kept, ...failed] = claimed;
      await ctx.store.queue.record(
        'w',
        [
          outcomeFor(kept, T0 + 10, { status: 'pending', nextAttemptAt: T0 + 1000 }),
          ...failed.map((c) => outcomeFor(c, T0 + 10, { status: 'fail', nextAttemptAt: null })),
        ],
        T0 + 10,
      );
      const all = await ctx.store.messages.listDeadLetters({ limit: 10 });
      expect(all.data).toHaveLength(5);
      expect(all.data.map((d) => d.deliveryId)).toEqual([...all.data.map((d) => d.deliveryId)].sort().reverse());
      const one = all.data.find((d) => d.msgId === typed.id && d.endpointId === other.id)!;
      expect(one).toMatchObject({
        appId: app.id,
        url: 'https://other.example.com/',
        eventType: 'x.y',
        updatedAt: T0 + 10,
      });
      const byEndpoint = await ctx.store.messages.listDeadLetters({ limit: 10, endpointId: other.id });
      expect(byEndpoint.data.every((d) => d.endpointId === other.id)).toBe(true);
      expect((await ctx.store.messages.listDeadLetters({ limit: 10, eventType: 'x.y' })).data).toHaveLength(2);
      expect((await ctx.store.messages.listDeadLetters({ limit: 10, appId: 'app_nope' })).data).toHaveLength(0);
      const page1 = await ctx.store.messages.listDeadLetters({ limit: 2 });
      const page2 = await ctx.store.messages.listDeadLetters({ limit: 2, iterator: page1.iterator });
      expect([...page1.data, ...page2.data]).toEqual(all.data.slice(0, 4));

      // Retrying: one by id, then the rest but those of a disabled endpoint.
      const work = countWork(ctx.store);
      expect(await ctx.store.requeue.retryDeadLetters({ ids: [one.deliveryId] }, T0 + 20)).toBe(1);
      expect(work.count).toBe(1);
      await ctx.store.endpoints.update(app.id, endpoint.id, { url: endpoint.url, disabled: true }, T0 + 21);
      const toOther = byEndpoint.data.length - 1;
      expect(await ctx.store.requeue.retryDeadLetters({ appId: app.id }, T0 + 22)).toBe(toOther);
      const again = await claimMessages(ctx.store, 'w', 10, LEASE_MS, T0 + 22);
      expect(again.every((c) => c.endpoint.id === other.id)).toBe(true);
      expect(again).toHaveLength(toOther + 1);
      expect(again[0].delivery).toMatchObject({ attemptCount: 0, trigger: TriggerType.Manual });
      const left = await ctx.store.messages.listDeadLetters({ limit: 10 });
      expect(left.data.every((d) => d.endpointId === endpoint.id)).toBe(true);
    });

    it('replays the messages an endpoint never got, following its filters', async () => {
      const app = await createApp(ctx.store);
      const early = await createEndpoint(ctx.store, app.id);
      const make = async (at: number, eventType: string) =>
        (await ctx.store.messages.create(messageInput(app.id, { eventType }), at)).message;
      const m1 = await make(T0, 'a');
      const m2 = await make(T0 + 10, 'b');
      const m3 = await make(T0 + 20, 'a');
      await make(T0 + 30, 'a');
      const late = await createEndpoint(ctx.store, app.id, { eventTypes: ['a'] });
      await ctx.store.requeue.resend(app.id, m3.id, late.id, T0 + 40); // already has a delivery

      const work = countWork(ctx.store);
      expect(await ctx.store.requeue.replayMissing(late.id, { since: T0, until: T0 + 30 }, T0 + 50)).toBe(1);
      expect(work.count).toBe(1);
      const claimed = await claimMessages(ctx.store, 'w', 10, LEASE_MS, T0 + 50);
      const toLate = claimed.filter((c) => c.endpoint.id === late.id).map((c) => c.message.id);
      expect(toLate.sort()).toEqual([m1.id, m3.id].sort());
      expect(claimed.filter((c) => c.endpoint.id === early.id)).toHaveLength(4);
      expect(m2.eventType).toBe('b');

      expect(await ctx.store.requeue.replayMissing(late.id, {}, T0 + 60)).toBe(1); // m4
      expect(await ctx.store.requeue.replayMissing(late.id, {}, T0 + 70)).toBe(0);
      expect(await ctx.store.requeue.replayMissing(early.id, {}, T0 + 70)).toBe(0);
      await expect(ctx.store.requeue.replayMissing('ep_nope', {}, T0)).rejects.toMatchObject({ code: 'not_found' });
      await expect(ctx.store.requeue.recoverFailed('ep_nope', {}, T0)).rejects.toMatchObject({ code: 'not_found' });
    });

    it('replays nothing to a disabled endpoint, so that a replay after enabling it still works', async () => {
      const app = await createApp(ctx.store);
      await ctx.store.messages.create(messageInput(app.id), T0);
      const endpoint = await createEndpoint(ctx.store, app.id, { disabled: true });
      expect(await ctx.store.requeue.replayMissing(endpoint.id, {}, T0 + 1)).toBe(0);
      await ctx.store.endpoints.update(app.id, endpoint.id, { url: endpoint.url, disabled: false }, T0 + 2);
      expect(await ctx.store.requeue.replayMissing(endpoint.id, {}, T0 + 3)).toBe(1);
    });
  });
}
