import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../core/errors.js';
import type { Store } from '../store.js';
import {
  collectPages,
  countWork,
  createApp,
  createEndpoint,
  LEASE_MS,
  messageInput,
  type SuiteContext,
  T0,
  claimMessages,
  ROOMY_APPLICATIONS,
} from './fixtures.suite.js';

/** The ids of the endpoints that a message has deliveries to. */
async function destinationsOf(store: Store, appId: string, msgId: string): Promise<string[]> {
  const page = await store.attempts.messageDestinations(appId, msgId, { limit: 250 });
  return page.data.map((d) => d.endpoint.id);
}

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

export function describeMessages(ctx: SuiteContext): void {
  describe('messages', () => {
    it('creates a message with a pending delivery due now, found by id and by eventId', async () => {
      const app = await createApp(ctx.store);
      const endpoint = await createEndpoint(ctx.store, app.id);
      const { message, created } = await ctx.store.messages.create(
        messageInput(app.id, { eventId: 'evt-1', channels: ['eu'], traceparent: TRACEPARENT }),
        T0,
      );
      expect(created).toBe(true);
      expect(message).toEqual({
        id: expect.stringMatching(/^msg_/),
        appId: app.id,
        eventType: 'invoice.paid',
        eventId: 'evt-1',
        channels: ['eu'],
        payload: '{"amount":100}',
        createdAt: T0,
        traceparent: TRACEPARENT,
      });
      expect(await ctx.store.messages.get(app.id, message.id)).toEqual(message);
      expect(await ctx.store.messages.get(app.id, 'evt-1')).toEqual(message);
      expect(await ctx.store.messages.get((await createApp(ctx.store)).id, message.id)).toBeNull();

      const [claimed] = await claimMessages(ctx.store, 'w', 10, LEASE_MS, T0);
      expect(claimed.message.traceparent).toBe(TRACEPARENT);
      expect(claimed.delivery).toMatchObject({
        appId: app.id,
        msgId: message.id,
        endpointId: endpoint.id,
        trigger: 0,
        attemptCount: 0,
        nextAttemptAt: T0,
        createdAt: T0,
      });
    });

    it('rejects a message for an unknown application', async () => {
      await expect(ctx.store.messages.create(messageInput('app_nope'), T0)).rejects.toBeInstanceOf(NotFoundError);
      await expect(ctx.store.messages.create(messageInput('no-such-uid'), T0)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('finds the application by uid; an id wins over an equal uid; one eventId whichever ref names it', async () => {
      const app = await createApp(ctx.store, 'acme');
      await createEndpoint(ctx.store, app.id);
      // In one batch: by uid and by id, the same eventId, and a third application whose uid is app's id.
      const impostor = await createApp(ctx.store, app.id);
      const [byUid, byId, other] = await Promise.all([
        ctx.store.messages.create(messageInput('acme', { eventId: 'e1' }), T0),
        ctx.store.messages.create(messageInput(app.id, { eventId: 'e1' }), T0),
        ctx.store.messages.create(messageInput(impostor.id, { eventId: 'e1' }), T0),
      ]);
      expect(byUid.message.appId).toBe(app.id);
      expect(byUid.created).toBe(true);
      expect(byId).toEqual({ message: byUid.message, created: false });
      expect(other.message.appId).toBe(impostor.id);
      expect(other.created).toBe(true);
      // And in a later batch, by uid, the earlier message is found.
      expect(await ctx.store.messages.create(messageInput('acme', { eventId: 'e1' }), T0 + 1)).toEqual({
        message: byUid.message,
        created: false,
      });
      expect(await claimMessages(ctx.store, 'w', 10, LEASE_MS, T0 + 1)).toHaveLength(1);
    });

    it('fans out by event type, channels and disabled state', async () => {
      const app = await createApp(ctx.store);
      const all = await createEndpoint(ctx.store, app.id);
      const paid = await createEndpoint(ctx.store, app.id, { eventTypes: ['invoice.paid', 'x'] });
      const other = await createEndpoint(ctx.store, app.id, { eventTypes: ['invoice.failed'] });
      const eu = await createEndpoint(ctx.store, app.id, { channels: ['eu', 'fr'] });
      const us = await createEndpoint(ctx.store, app.id, { channels: ['us'] });
      await createEndpoint(ctx.store, app.id, { disabled: true });
      const euPaid = await createEndpoint(ctx.store, app.id, { channels: ['eu'], eventTypes: ['invoice.paid'] });
      const sorted = (...ids: string[]) => ids.sort();

      const inEu = await ctx.store.messages.create(messageInput(app.id, { channels: ['eu', 'de'] }), T0);
      expect(await destinationsOf(ctx.store, app.id, inEu.message.id)).toEqual(
        sorted(all.id, paid.id, eu.id, euPaid.id),
      );

      const noChannel = await ctx.store.messages.create(messageInput(app.id), T0);
      expect(await destinationsOf(ctx.store, app.id, noChannel.message.id)).toEqual(sorted(all.id, paid.id));

      const failedInput = messageInput(app.id, { eventType: 'invoice.failed', channels: ['us'] });
      const failed = await ctx.store.messages.create(failedInput, T0);
      expect(await destinationsOf(ctx.store, app.id, failed.message.id)).toEqual(sorted(all.id, other.id, us.id));
    });

    it('sends to onlyEndpointId alone, whatever its filters', async () => {
      const app = await createApp(ctx.store);
      await createEndpoint(ctx.store, app.id);
      const picky = await createEndpoint(ctx.store, app.id, { eventTypes: ['something.else'], disabled: true });
      const { message } = await ctx.store.messages.create(messageInput(app.id, { onlyEndpointId: picky.id }), T0);
      expect(await destinationsOf(ctx.store, app.id, message.id)).toEqual([picky.id]);
      await expect(
        ctx.store.messages.create(messageInput(app.id, { onlyEndpointId: 'ep_nope' }), T0),
      ).rejects.toBeInstanceOf(NotFoundError);
    });

    it('returns the earlier message for a repeated eventId and inserts nothing', async () => {
      const app = await createApp(ctx.store);
      await createEndpoint(ctx.store, app.id);
      const first = await ctx.store.messages.create(messageInput(app.id, { eventId: 'e1' }), T0);
      const work = countWork(ctx.store);
      const again = await ctx.store.messages.create(messageInput(app.id, { eventId: 'e1', payload: '{}' }), T0 + 1);
      expect(again).toEqual({ message: first.message, created: false });
      expect(work.count).toBe(0);
      expect((await ctx.store.messages.list(app.id, { limit: 10 })).data).toHaveLength(1);
      expect(await claimMessages(ctx.store, 'w', 10, LEASE_MS, T0 + 1)).toHaveLength(1);
      // Scoped per application; and two at once with the same new eventId make one message.
      const other = await createApp(ctx.store);
      expect((await ctx.store.messages.create(messageInput(other.id, { eventId: 'e1' }), T0)).created).toBe(true);
      const twins = await Promise.all(
        [1, 2].map(() => ctx.store.messages.create(messageInput(app.id, { eventId: 'e2' }), T0)),
      );
      expect(twins.map((t) => t.created).sort()).toEqual([false, true]);
      expect(twins[0].message.id).toBe(twins[1].message.id);
    });

    it('signals onWork after the commit, and stops after unsubscribing', async () => {
      const app = await createApp(ctx.store);
      await createEndpoint(ctx.store, app.id);
      const seen: Promise<number | null>[] = [];
      const stop = ctx.store.queue.onWork(() => seen.push(ctx.store.queue.nextDueAt()));
      await ctx.store.messages.create(messageInput(app.id), T0);
      expect(seen).toHaveLength(1);
      expect(await seen[0]).toBe(T0); // the delivery was visible to the listener
      stop();
      await ctx.store.messages.create(messageInput(app.id), T0);
      expect(seen).toHaveLength(1);
    });

    it('pages through 300 messages newest first, each exactly once, and back again', async () => {
      const app = await createApp(ctx.store);
      const created = await Promise.all(
        Array.from({ length: 300 }, (_, i) => ctx.store.messages.create(messageInput(app.id), T0 + i)),
      );
      const newestFirst = created
        .map((c) => c.message.id)
        .sort()
        .reverse();
      const pages = await collectPages((iterator) => ctx.store.messages.list(app.id, { limit: 50, iterator }));
      expect(pages).toHaveLength(6);
      expect(pages.flat().map((m) => m.id)).toEqual(newestFirst);

      const last = await ctx.store.messages.list(app.id, { limit: 50, iterator: newestFirst[249] });
      expect(last.done).toBe(true);
      const back = await collectPages(
        (iterator) => ctx.store.messages.list(app.id, { limit: 50, iterator }),
        last.prevIterator,
        true,
      );
      expect(back).toHaveLength(5);
      expect(
        back
          .reverse()
          .flat()
          .map((m) => m.id),
      ).toEqual(newestFirst.slice(0, 250));
      for (const page of back) expect(page).toHaveLength(50);

      const ascending = await ctx.store.messages.list(app.id, { limit: 3, order: 'ascending' });
      expect(ascending.data.map((m) => m.id)).toEqual([...newestFirst].reverse().slice(0, 3));
    });

    it('filters the list by channel, event types and creation time', async () => {
      const app = await createApp(ctx.store);
      const make = async (at: number, eventType: string, channels: string[] | null) =>
        (await ctx.store.messages.create(messageInput(app.id, { eventType, channels }), at)).message.id;
      const a = await make(T0, 'a', ['eu']);
      const b = await make(T0 + 10, 'b', ['us', 'eu']);
      const c = await make(T0 + 20, 'c', null);
      const ids = async (q: object) =>
        (await ctx.store.messages.list(app.id, { limit: 10, ...q })).data.map((m) => m.id);
      expect(await ids({ channel: 'eu' })).toEqual([b, a]);
      expect(await ids({ eventTypes: ['a', 'c'] })).toEqual([c, a]);
      expect(await ids({ before: T0 + 20 })).toEqual([b, a]);
      expect(await ids({ after: T0 })).toEqual([c, b]);
      expect(await ids({ after: T0, before: T0 + 20, channel: 'eu' })).toEqual([b]);
    });

    it('expunges the payload and keeps the message', async () => {
      const app = await createApp(ctx.store);
      const { message } = await ctx.store.messages.create(messageInput(app.id), T0);
      await ctx.store.messages.expungeContent(app.id, message.id);
      expect(await ctx.store.messages.get(app.id, message.id)).toEqual({ ...message, payload: null });
      await expect(ctx.store.messages.expungeContent(app.id, 'msg_nope')).rejects.toBeInstanceOf(NotFoundError);
    });

    it('lands 200 concurrent messages with their own deliveries; one bad input fails alone', async () => {
      // Limits above the burst: this test counts what the writer lands, not fair shares.
      await ctx.useFairLimits(ROOMY_APPLICATIONS);
      const app = await createApp(ctx.store);
      const roomy = { maxConcurrency: 1_000 };
      const endpoints = [
        await createEndpoint(ctx.store, app.id, roomy),
        await createEndpoint(ctx.store, app.id, roomy),
      ];
      const inputs = Array.from({ length: 200 }, (_, i) =>
        messageInput(i === 77 ? 'app_missing' : app.id, { eventId: `evt-${i}`, payload: `{"i":${i}}` }),
      );
      const work = countWork(ctx.store);
      const results = await Promise.allSettled(inputs.map((input) => ctx.store.messages.create(input, T0)));
      expect(work.count).toBeGreaterThan(0);

      expect(results[77].status).toBe('rejected');
      expect((results[77] as PromiseRejectedResult).reason).toBeInstanceOf(NotFoundError);
      const messages = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.message] : []));
      expect(messages).toHaveLength(199);
      expect(new Set(messages.map((m) => m.id)).size).toBe(199);
      for (const m of messages) expect(m.payload).toBe(`{"i":${m.eventId!.slice(4)}}`);

      const claimed = await claimMessages(ctx.store, 'w', 1_000, LEASE_MS, T0);
      expect(claimed).toHaveLength(199 * 2);
      const pairs = new Set(claimed.map((c) => `${c.message.id}/${c.endpoint.id}`));
      expect(pairs.size).toBe(199 * 2);
      for (const m of messages) for (const e of endpoints) expect(pairs.has(`${m.id}/${e.id}`)).toBe(true);
    });
  });
}
