import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../core/errors.js';
import type { AttemptQuery } from '../store.js';
import {
  collectPages,
  createApp,
  createEndpoint,
  LEASE_MS,
  messageInput,
  outcomeFor,
  type SuiteContext,
  T0,
  claimMessages,
} from './fixtures.suite.js';

export function describeAttempts(ctx: SuiteContext): void {
  /**
   * Two endpoints, two messages, every delivery tried once at T0+10 (fail) and again at T0+20
   * (success for endpoint `a`, fail for `b`): 8 attempts.
   */
  async function seedAttempts() {
    const app = await createApp(ctx.store);
    const a = await createEndpoint(ctx.store, app.id);
    const b = await createEndpoint(ctx.store, app.id);
    const m1 = (await ctx.store.messages.create(messageInput(app.id), T0)).message;
    const m2 = (await ctx.store.messages.create(messageInput(app.id), T0 + 1)).message;
    const first = await claimMessages(ctx.store, 'w', 10, LEASE_MS, T0 + 10);
    await ctx.store.queue.record(
      'w',
      first.map((c) => outcomeFor(c, T0 + 10, { status: 'pending', nextAttemptAt: T0 + 20 })),
      T0 + 10,
    );
    const second = await claimMessages(ctx.store, 'w', 10, LEASE_MS, T0 + 20);
    const outcomes = second.map((c) =>
      c.endpoint.id === a.id
        ? outcomeFor(c, T0 + 20, { status: 'success', nextAttemptAt: null })
        : outcomeFor(c, T0 + 20, { status: 'fail', nextAttemptAt: null }),
    );
    await ctx.store.queue.record('w', outcomes, T0 + 20);
    return { app, a, b, m1, m2 };
  }

  describe('attempts', () => {
    it('lists attempts newest first, filtered by message, endpoint, status and time', async () => {
      const { app, a, m1 } = await seedAttempts();
      const list = async (q: Partial<AttemptQuery>) =>
        (await ctx.store.attempts.list(app.id, { limit: 50, ...q })).data;
      const all = await list({});
      expect(all).toHaveLength(8);
      expect(all.map((x) => x.id)).toEqual(
        all
          .map((x) => x.id)
          .sort()
          .reverse(),
      );
      expect(await list({ msgId: m1.id })).toHaveLength(4);
      expect((await list({ msgId: m1.id, endpointId: a.id })).map((x) => x.status)).toEqual(['success', 'fail']);
      expect(await list({ endpointId: a.id, status: 'success' })).toHaveLength(2);
      expect(await list({ status: 'fail' })).toHaveLength(6);
      expect(await list({ after: T0 + 10 })).toHaveLength(4);
      expect(await list({ before: T0 + 20 })).toHaveLength(4);
      expect(await list({ msgId: m1.id, order: 'ascending' })).toEqual((await list({ msgId: m1.id })).reverse());
      expect((await ctx.store.attempts.list((await createApp(ctx.store)).id, { limit: 50 })).data).toEqual([]);

      const pages = await collectPages((iterator) => ctx.store.attempts.list(app.id, { limit: 3, iterator }));
      expect(pages.map((p) => p.length)).toEqual([3, 3, 2]);
      expect(pages.flat()).toEqual(all);
    });

    it('gets one attempt within its application and message, and expunges its content', async () => {
      const { app, m1, m2 } = await seedAttempts();
      const [attempt] = (await ctx.store.attempts.list(app.id, { limit: 1, msgId: m1.id })).data;
      expect(await ctx.store.attempts.get(app.id, m1.id, attempt.id)).toEqual(attempt);
      expect(await ctx.store.attempts.get(app.id, m2.id, attempt.id)).toBeNull();
      expect(attempt.requestHeaders).toEqual({ 'webhook-id': m1.id });

      await ctx.store.attempts.expungeContent(app.id, m1.id, attempt.id);
      expect(await ctx.store.attempts.get(app.id, m1.id, attempt.id)).toEqual({
        ...attempt,
        response: '',
        requestHeaders: {},
      });
      await expect(ctx.store.attempts.expungeContent(app.id, m2.id, attempt.id)).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe('endpoint messages and message destinations', () => {
    it("lists an endpoint's messages newest first with the latest delivery's state", async () => {
      const { app, a, b, m1, m2 } = await seedAttempts();
      const m3 = (
        await ctx.store.messages.create(messageInput(app.id, { eventType: 'other', channels: ['eu'] }), T0 + 30)
      ).message;
      const list = async (endpointId: string, q: object = {}) =>
        (await ctx.store.attempts.endpointMessages(app.id, endpointId, { limit: 50, ...q })).data;

      expect(await list(a.id)).toEqual([
        { message: m3, status: 'pending', nextAttemptAt: T0 + 30 },
        { message: m2, status: 'success', nextAttemptAt: null },
        { message: m1, status: 'success', nextAttemptAt: null },
      ]);
      // A resend adds a newer delivery: its state is the one shown.
      await ctx.store.requeue.resend(app.id, m1.id, b.id, T0 + 40);
      expect((await list(b.id)).map((x) => [x.message.id, x.status])).toEqual([
        [m3.id, 'pending'],
        [m2.id, 'fail'],
        [m1.id, 'pending'],
      ]);
      expect((await list(b.id, { status: 'fail' })).map((x) => x.message.id)).toEqual([m2.id]);
      expect((await list(b.id, { channel: 'eu' })).map((x) => x.message.id)).toEqual([m3.id]);
      expect((await list(b.id, { eventTypes: ['invoice.paid'] })).map((x) => x.message.id)).toEqual(
        [m1.id, m2.id].reverse(),
      );
      expect((await list(b.id, { before: T0 + 1 })).map((x) => x.message.id)).toEqual([m1.id]);
      expect((await list(b.id, { after: T0 })).map((x) => x.message.id)).toEqual([m3.id, m2.id]);

      const pages = await collectPages((iterator) =>
        ctx.store.attempts.endpointMessages(app.id, b.id, { limit: 2, iterator }),
      );
      expect(pages.map((p) => p.map((x) => x.message.id))).toEqual([[m3.id, m2.id], [m1.id]]);
      // Nothing for an endpoint of another application.
      expect(await list((await createEndpoint(ctx.store, (await createApp(ctx.store)).id)).id)).toEqual([]);
    });

    it("lists a message's destinations by endpoint id with the latest delivery's state", async () => {
      const { app, a, b, m1 } = await seedAttempts();
      const c = await createEndpoint(ctx.store, app.id); // created after m1: no delivery
      await ctx.store.requeue.resend(app.id, m1.id, a.id, T0 + 50);
      const page = await ctx.store.attempts.messageDestinations(app.id, m1.id, { limit: 10 });
      expect(page.data).toEqual([
        { endpoint: a, status: 'pending', nextAttemptAt: T0 + 50 },
        { endpoint: b, status: 'fail', nextAttemptAt: null },
      ]);
      expect(page.data.some((d) => d.endpoint.id === c.id)).toBe(false);
      const first = await ctx.store.attempts.messageDestinations(app.id, m1.id, { limit: 1 });
      expect(first).toMatchObject({ iterator: a.id, done: false });
      const second = await ctx.store.attempts.messageDestinations(app.id, m1.id, {
        limit: 1,
        iterator: first.iterator,
      });
      expect(second.data.map((d) => d.endpoint.id)).toEqual([b.id]);
      expect(second.done).toBe(true);
      expect(
        (await ctx.store.attempts.messageDestinations((await createApp(ctx.store)).id, m1.id, { limit: 10 })).data,
      ).toEqual([]);
    });
  });
}
