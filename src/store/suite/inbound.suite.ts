import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { ClaimedDelivery, ClaimedEvent, LocalWorker, RequestInput } from '../store.js';
import {
  claimMessages,
  countWork,
  createApp,
  createEndpoint,
  LEASE_MS,
  messageInput,
  type SuiteContext,
  T0,
} from './fixtures.suite.js';

/** Not valid UTF-8, with a NUL: any text round trip would change these bytes. */
const BINARY = Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x80, 0x0a, 0xe2, 0x82]);

function requestInput(overrides: Partial<RequestInput> = {}): RequestInput {
  return {
    sourceId: null,
    method: 'PUT',
    path: '/orders?id=7&id=8',
    headers: [
      ['X-B', '2'],
      ['content-type', 'application/octet-stream'],
      ['x-b', '3'],
      ['Set-Cookie', 'a=1'],
    ],
    body: BINARY,
    ...overrides,
  };
}

function createDestination(ctx: SuiteContext, input: { url: string }, now: number) {
  return ctx.store.destinations.create(input, now);
}

/** Routes without a connection, one per destination. */
function routesTo(...destinationIds: string[]) {
  return destinationIds.map((destinationId) => ({ connectionId: null, destinationId }));
}

/** The conformance suite of the inbound port, and of the queue with deliveries of kind `event`. */
export function describeInbound(ctx: SuiteContext): void {
  describe('inbound: received requests and their event deliveries', () => {
    it('stores a request raw: method, path, ordered and repeated headers, body bytes', async () => {
      const destination = await createDestination(ctx, { url: 'https://svc.example/in' }, T0);
      const { request, events } = await ctx.store.inbound.receive(requestInput(), routesTo(destination.id), null, T0);
      const stored = await ctx.store.requests.getRequest(request.id);
      expect(stored).toEqual({
        ...request,
        sourceId: null,
        status: 'accepted',
        cause: null,
        detail: null,
        bodySize: BINARY.length,
        receivedAt: T0,
      });
      expect(stored!.body.equals(BINARY)).toBe(true);
      expect(stored!.headers).toEqual(requestInput().headers);
      expect(events).toEqual([
        expect.objectContaining({
          id: expect.stringMatching(/^evt_/),
          requestId: request.id,
          connectionId: null,
          destinationId: destination.id,
          status: 'pending',
          attemptCount: 0,
          nextAttemptAt: T0,
        }),
      ]);
      expect(await ctx.store.requests.getRequest('req_missing')).toBeNull();
    });

    it('refuses an unknown destination and writes nothing', async () => {
      const destination = await createDestination(ctx, { url: 'https://svc.example/in' }, T0);
      await expect(
        ctx.store.inbound.receive(requestInput(), routesTo(destination.id, 'dst_missing'), null, T0),
      ).rejects.toThrow(NotFoundError);
      expect(await ctx.store.queue.claim('w', 10, LEASE_MS, T0)).toEqual([]);
    });

    it('requests received at once: one naming an unknown destination fails alone, the others are stored', async () => {
      // On SQLite these share one group commit, which the bad one aborts: the others must be written again.
      const destination = await createDestination(ctx, { url: 'https://svc.example/in' }, T0);
      const results = await Promise.allSettled([
        ctx.store.inbound.receive(requestInput(), routesTo(destination.id), null, T0),
        ctx.store.inbound.receive(requestInput(), routesTo(destination.id, 'dst_missing'), null, T0),
        ctx.store.inbound.receive(requestInput(), routesTo(destination.id), null, T0),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(NotFoundError);
      const stored = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.request.id] : []));
      for (const id of stored) expect(await ctx.store.requests.getRequest(id)).not.toBeNull();
      const claimed = await ctx.store.queue.claim('w', 10, LEASE_MS, T0);
      expect(claimed.map((c) => (c as ClaimedEvent).request.id).sort()).toEqual([...stored].sort());
    });

    it('queues one event delivery per destination, claimed with the request and destination, beside messages', async () => {
      const app = await createApp(ctx.store);
      const endpoint = await createEndpoint(ctx.store, app.id);
      const work = countWork(ctx.store);
      const [d1, d2] = [
        await createDestination(ctx, { url: 'https://one.example/' }, T0),
        await createDestination(ctx, { url: 'https://two.example/' }, T0),
      ];
      const { message } = await ctx.store.messages.create(messageInput(app.id), T0);
      const { request } = await ctx.store.inbound.receive(requestInput(), routesTo(d1.id, d2.id), null, T0 + 1);
      expect(work.count).toBe(2);
      const claimed = await ctx.store.queue.claim('w', 10, LEASE_MS, T0 + 1);
      expect(claimed.map((c) => c.kind)).toEqual(['message', 'event', 'event']);
      const [first, ...events] = claimed as [ClaimedDelivery, ClaimedEvent, ClaimedEvent];
      expect(first).toMatchObject({ kind: 'message', message: { id: message.id }, endpoint: { id: endpoint.id } });
      expect(events.map((e) => e.destination).sort((a, b) => a.id.localeCompare(b.id))).toEqual(
        [d1, d2].sort((a, b) => a.id.localeCompare(b.id)),
      );
      for (const e of events) {
        expect(e.delivery).toMatchObject({ requestId: request.id, status: 'sending', attemptCount: 0 });
        expect(e.request).toEqual(request);
        expect(e.request.body.equals(BINARY)).toBe(true);
      }
      // Leased: nobody else gets them until the lease ends.
      expect(await ctx.store.queue.claim('other', 10, LEASE_MS, T0 + LEASE_MS)).toEqual([]);
      expect(await ctx.store.queue.claim('other', 10, LEASE_MS, T0 + 1 + LEASE_MS)).toHaveLength(3);
    });

    it('records an event attempt and reschedules, as for a message', async () => {
      const destination = await createDestination(ctx, { url: 'https://svc.example/in' }, T0);
      await ctx.store.inbound.receive(requestInput(), routesTo(destination.id), null, T0);
      const [c] = (await ctx.store.queue.claim('w', 10, LEASE_MS, T0)) as ClaimedEvent[];
      const attempt = {
        kind: 'event' as const,
        id: newId('atmpt', T0),
        deliveryId: c.delivery.id,
        requestId: c.request.id,
        destinationId: c.destination.id,
        url: 'https://svc.example/in/orders?id=7&id=8',
        status: 'fail' as const,
        responseStatusCode: 500,
        response: 'boom',
        responseDurationMs: 3,
        requestHeaders: { 'x-b': '2, 3' },
        trigger: c.delivery.trigger,
        createdAt: T0,
      };
      // disableEndpoint means nothing to an event: it is recorded all the same.
      await ctx.store.queue.record(
        'w',
        [{ attempt, status: 'pending', nextAttemptAt: T0 + 5_000, disableEndpoint: true }],
        T0 + 1,
      );
      expect(await ctx.store.queue.nextDueAt()).toBe(T0 + 5_000);
      expect(await ctx.store.queue.claim('w', 10, LEASE_MS, T0 + 4_999)).toEqual([]);
      const [retry] = (await ctx.store.queue.claim('w', 10, LEASE_MS, T0 + 5_000)) as ClaimedEvent[];
      expect(retry.delivery).toMatchObject({ id: c.delivery.id, attemptCount: 1 });
      await ctx.store.queue.record(
        'w',
        [
          {
            attempt: { ...attempt, id: newId('atmpt', T0 + 5_000), status: 'success' },
            status: 'success',
            nextAttemptAt: null,
          },
        ],
        T0 + 5_001,
      );
      expect(await ctx.store.queue.nextDueAt()).toBeNull();
      expect(await ctx.store.requests.listRequestAttempts(c.request.id)).toEqual([
        attempt,
        { ...attempt, id: expect.stringMatching(/^atmpt_/), status: 'success' },
      ]);
      // Message listings never show event attempts.
      const app = await createApp(ctx.store);
      expect((await ctx.store.attempts.list(app.id, { limit: 10 })).data).toEqual([]);
    });

    it('hands new event deliveries to the local worker, leased, up to its room', async () => {
      const destinations = [];
      for (const n of [1, 2, 3]) destinations.push(await createDestination(ctx, { url: `https://d${n}.example/` }, T0));
      const taken: ClaimedDelivery[] = [];
      const held = { reserved: 0 };
      const worker: LocalWorker = {
        workerId: 'wrk_local',
        leaseMs: LEASE_MS,
        reserve: (wanted) => {
          const granted = Math.min(wanted, 2 - taken.length - held.reserved);
          held.reserved += granted;
          return granted;
        },
        unreserve: (count) => {
          held.reserved -= count;
        },
        take: (claimed) => {
          held.reserved -= claimed.length;
          taken.push(...claimed);
        },
      };
      await ctx.store.queue.attachLocalWorker(worker);
      const work = countWork(ctx.store);
      const { request } = await ctx.store.inbound.receive(
        requestInput(),
        routesTo(...destinations.map((d) => d.id)),
        null,
        T0,
      );
      expect(taken.map((c) => [c.kind, c.delivery.status])).toEqual([
        ['event', 'sending'],
        ['event', 'sending'],
      ]);
      expect((taken[0] as ClaimedEvent).request).toEqual(request);
      expect((taken[0] as ClaimedEvent).destination.url).toMatch(/^https:\/\/d\d\.example\/$/);
      expect(held.reserved).toBe(0);
      expect(work.count).toBe(1); // the third waits for a claim
      expect(await ctx.store.queue.claim('wrk_other', 10, 10 * LEASE_MS, T0 + 1)).toHaveLength(1);
      await ctx.store.queue.attachLocalWorker(null);
      // Messages still claim as before beside them.
      expect(await claimMessages(ctx.store, 'wrk_other', 10, LEASE_MS, T0 + 1)).toEqual([]);
    });

    it("hands a local worker no more events than a destination's limit (16) allows, counting its live leases", async () => {
      const [busy, idle] = [
        await createDestination(ctx, { url: 'https://busy.example/' }, T0),
        await createDestination(ctx, { url: 'https://idle.example/' }, T0),
      ];
      const receiveTo = (destinationId: string, count: number) =>
        Promise.all(
          Array.from({ length: count }, () =>
            ctx.store.inbound.receive(requestInput(), routesTo(destinationId), null, T0),
          ),
        );
      await receiveTo(busy.id, 10);
      expect(await ctx.store.queue.claim('wrk_other', 100, LEASE_MS, T0)).toHaveLength(10);
      const taken: ClaimedDelivery[] = [];
      let reserved = 0;
      await ctx.store.queue.attachLocalWorker({
        workerId: 'wrk_local',
        leaseMs: LEASE_MS,
        reserve: (wanted) => {
          reserved += wanted;
          return wanted;
        },
        unreserve: (count) => {
          reserved -= count;
        },
        take: (claimed) => {
          reserved -= claimed.length;
          taken.push(...claimed);
        },
      });
      const work = countWork(ctx.store);
      await Promise.all([receiveTo(busy.id, 10), receiveTo(idle.id, 3)]);
      await ctx.store.queue.attachLocalWorker(null);
      const to = (d: { id: string }) => taken.filter((c) => (c as ClaimedEvent).destination.id === d.id);
      expect([to(busy).length, to(idle).length]).toEqual([6, 3]);
      expect(taken.every((c) => c.delivery.status === 'sending')).toBe(true);
      expect(reserved).toBe(0);
      expect(work.count).toBeGreaterThan(0); // the other 4 wait for a claim, which leaves them for now
      expect(await ctx.store.queue.claim('wrk_other', 100, LEASE_MS, T0 + 1)).toEqual([]);
    });
  });
}
