import { describe, expect, it } from 'vitest';
import type { ClaimedEvent, RequestInput, StoredRequestNote } from '../store.js';
import { countWork, eventOutcomeFor, LEASE_MS, type SuiteContext, T0 } from './fixtures.suite.js';

/** A source with one connection to a destination: the receive side as the ingest uses it. */
async function setUpRoute(ctx: SuiteContext, transform: string | null = null) {
  const source = await ctx.store.sources.create({ name: 'stripe', verification: { type: 'none' } }, T0);
  const destination = await ctx.store.destinations.create({ url: 'https://svc.example/hooks' }, T0);
  const connection = await ctx.store.connections.create(
    { sourceId: source.id, destinationId: destination.id, transform },
    T0,
  );
  const input = (overrides: Partial<RequestInput> = {}): RequestInput => ({
    sourceId: source.id,
    method: 'POST',
    path: '/charges',
    headers: [['content-type', 'application/json']],
    body: Buffer.from('{"id":"evt_1"}'),
    ...overrides,
  });
  return {
    source,
    destination,
    connection,
    input,
    routes: [{ connectionId: connection.id, destinationId: destination.id }],
  };
}

/** The receive side of the inbound port: verdicts, dedup, replay, retries, the feed, postponement. */
export function describeReceive(ctx: SuiteContext): void {
  describe('inbound: verdicts, dedup, replay, retries and the feed', () => {
    it('stores a rejected request with its cause and no event', async () => {
      const { input, routes } = await setUpRoute(ctx);
      const work = countWork(ctx.store);
      const { request, events } = await ctx.store.inbound.receive(
        input({ status: 'rejected', cause: 'signature_invalid', detail: 'no signature matches' }),
        routes,
        null,
        T0,
      );
      expect(events).toEqual([]);
      expect(work.count).toBe(0);
      expect(await ctx.store.requests.getRequest(request.id)).toMatchObject({
        status: 'rejected',
        cause: 'signature_invalid',
        detail: 'no signature matches',
      });
      expect(await ctx.store.queue.claim('w', 10, LEASE_MS, T0)).toEqual([]);
    });

    it('takes routes with their targets as given, and still refuses a destination deleted since', async () => {
      const { input, connection, destination } = await setUpRoute(ctx);
      const routes = [
        { connectionId: connection.id, destinationId: destination.id, targets: { destination, connection } },
      ];
      const { events } = await ctx.store.inbound.receive(input(), routes, null, T0);
      const [claimed] = (await ctx.store.queue.claim('w', 10, LEASE_MS, T0)) as ClaimedEvent[];
      expect(claimed.delivery.id).toBe(events[0].id);
      expect(claimed.destination).toEqual(destination);
      await ctx.store.destinations.delete(destination.id);
      await expect(ctx.store.inbound.receive(input(), routes, null, T0)).rejects.toMatchObject({ code: 'not_found' });
    });

    it('keeps the size of a body it did not keep', async () => {
      const { input } = await setUpRoute(ctx);
      const { request } = await ctx.store.inbound.receive(
        input({ body: Buffer.alloc(0), bodySize: 30_000_000, status: 'rejected', cause: 'payload_too_large' }),
        [],
        null,
        T0,
      );
      expect(await ctx.store.requests.getRequest(request.id)).toMatchObject({
        bodySize: 30_000_000,
        cause: 'payload_too_large',
      });
    });

    it('claims an event with its connection (for the transform) and its destination', async () => {
      const { input, routes, connection, destination } = await setUpRoute(ctx, 'function transform(r) { return r; }');
      const { events } = await ctx.store.inbound.receive(input(), routes, null, T0);
      const [claimed] = (await ctx.store.queue.claim('w', 10, LEASE_MS, T0)) as ClaimedEvent[];
      expect(claimed.delivery).toMatchObject({ id: events[0].id, connectionId: connection.id });
      expect(claimed.connection).toEqual(connection);
      expect(claimed.destination).toEqual(destination);
    });

    it('treats a request with a key seen within the window as a duplicate, and a key after it as new', async () => {
      const { input, routes } = await setUpRoute(ctx);
      const key = { key: 'id:evt_1', expiresAt: T0 + 60_000 };
      const first = await ctx.store.inbound.receive(input(), routes, key, T0);
      const second = await ctx.store.inbound.receive(input(), routes, { ...key, expiresAt: T0 + 70_000 }, T0 + 1_000);
      expect(first.events).toHaveLength(1);
      expect(second).toMatchObject({ events: [], duplicateOf: first.request.id });
      expect(await ctx.store.requests.getRequest(second.request.id)).toMatchObject({
        status: 'rejected',
        cause: 'duplicate',
      });
      // Another key, and the same key on another source, are not duplicates.
      expect(
        (await ctx.store.inbound.receive(input(), routes, { key: 'id:evt_2', expiresAt: T0 + 60_000 }, T0)).events,
      ).toHaveLength(1);
      const other = await setUpRoute(ctx);
      expect((await ctx.store.inbound.receive(other.input(), other.routes, key, T0)).events).toHaveLength(1);
      // After the first key's window ended, the key is taken anew.
      const later = await ctx.store.inbound.receive(input(), routes, { ...key, expiresAt: T0 + 200_000 }, T0 + 60_000);
      expect(later.duplicateOf).toBeUndefined();
      expect(later.events).toHaveLength(1);
      const again = await ctx.store.inbound.receive(input(), routes, key, T0 + 61_000);
      expect(again.duplicateOf).toBe(later.request.id);
    });

    it('one key, many requests at once: exactly one is accepted', async () => {
      const { input, routes } = await setUpRoute(ctx);
      const key = { key: 'header:abc', expiresAt: T0 + 60_000 };
      const results = await Promise.all(
        Array.from({ length: 8 }, () => ctx.store.inbound.receive(input(), routes, key, T0)),
      );
      expect(results.filter((r) => r.duplicateOf === undefined)).toHaveLength(1);
      expect(results.flatMap((r) => r.events)).toHaveLength(1);
    });

    it('replays a stored request as new events with trigger Manual; an unknown request is NotFound', async () => {
      const { input, routes } = await setUpRoute(ctx);
      const { request, events } = await ctx.store.inbound.receive(input(), routes, null, T0);
      const replayed = await ctx.store.inbound.replay(request.id, routes, T0 + 10);
      expect(replayed).toEqual([expect.objectContaining({ requestId: request.id, trigger: 1, status: 'pending' })]);
      expect(replayed[0].id).not.toBe(events[0].id);
      expect(await ctx.store.queue.claim('w', 10, LEASE_MS, T0 + 10)).toHaveLength(2);
      await expect(ctx.store.inbound.replay('req_missing', routes, T0)).rejects.toMatchObject({ code: 'not_found' });
    });

    it('retries an ended event now, leaves one being sent alone, and bulk-retries the failed ones of a source', async () => {
      const { input, routes, source } = await setUpRoute(ctx);
      const a = (await ctx.store.inbound.receive(input(), routes, null, T0)).events[0];
      const b = (await ctx.store.inbound.receive(input(), routes, null, T0)).events[0];
      const claimed = (await ctx.store.queue.claim('w', 10, LEASE_MS, T0)) as ClaimedEvent[];
      const outcome = (c: ClaimedEvent) => eventOutcomeFor(c, T0, { status: 'fail', nextAttemptAt: null });
      await ctx.store.queue.record('w', [outcome(claimed.find((c) => c.delivery.id === a.id)!)], T0 + 1);
      // b is still being sent: a retry leaves it as it is.
      expect(await ctx.store.inbound.retryEvent(b.id, T0 + 2)).toMatchObject({ status: 'sending' });
      expect(await ctx.store.inbound.retryEvent(a.id, T0 + 2)).toMatchObject({
        status: 'pending',
        trigger: 1,
        nextAttemptAt: T0 + 2,
      });
      await expect(ctx.store.inbound.retryEvent('evt_missing', T0)).rejects.toMatchObject({ code: 'not_found' });
      const [again] = (await ctx.store.queue.claim('w2', 10, LEASE_MS, T0 + 2)) as ClaimedEvent[];
      await ctx.store.queue.record('w2', [outcome(again)], T0 + 3);
      expect(await ctx.store.inbound.retryEvents({ sourceId: 'src_other' }, T0 + 4)).toBe(0);
      expect(await ctx.store.inbound.retryEvents({ sourceId: source.id }, T0 + 4)).toBe(1);
      expect(await ctx.store.requests.getEvent(a.id)).toMatchObject({ status: 'pending', nextAttemptAt: T0 + 4 });
    });

    it("postpones leased events without an attempt, only while the lease is the worker's", async () => {
      const { input, routes } = await setUpRoute(ctx);
      const { events } = await ctx.store.inbound.receive(input(), routes, null, T0);
      await ctx.store.queue.claim('w', 10, LEASE_MS, T0);
      await ctx.store.queue.postpone('other', [{ id: events[0].id, dueAt: T0 + 500 }], T0 + 1);
      expect(await ctx.store.requests.getEvent(events[0].id)).toMatchObject({ status: 'sending' });
      await ctx.store.queue.postpone('w', [{ id: events[0].id, dueAt: T0 + 500 }], T0 + 1);
      expect(await ctx.store.requests.getEvent(events[0].id)).toMatchObject({
        status: 'pending',
        attemptCount: 0,
        nextAttemptAt: T0 + 500,
      });
      expect(await ctx.store.queue.claim('w', 10, LEASE_MS, T0 + 499)).toEqual([]);
      expect(await ctx.store.queue.claim('w', 10, LEASE_MS, T0 + 500)).toHaveLength(1);
    });

    it('cancels the events of a disabled destination at claim', async () => {
      const { input, routes, destination } = await setUpRoute(ctx);
      const { events } = await ctx.store.inbound.receive(input(), routes, null, T0);
      await ctx.store.destinations.update(destination.id, { url: destination.url, disabled: true }, T0);
      expect(await ctx.store.queue.claim('w', 10, LEASE_MS, T0)).toEqual([]);
      expect(await ctx.store.requests.getEvent(events[0].id)).toMatchObject({ status: 'canceled' });
    });

    it('announces each stored request of a source on the feed', async () => {
      const { input, routes, source } = await setUpRoute(ctx);
      const notes: StoredRequestNote[] = [];
      const unsubscribe = ctx.store.inbound.onRequest((note) => notes.push(note));
      const { request } = await ctx.store.inbound.receive(input(), routes, null, T0);
      const rejected = await ctx.store.inbound.receive(
        input({ status: 'rejected', cause: 'filtered' }),
        routes,
        null,
        T0,
      );
      unsubscribe();
      await ctx.store.inbound.receive(input(), routes, null, T0);
      expect(notes).toEqual([
        { sourceId: source.id, requestId: request.id },
        { sourceId: source.id, requestId: rejected.request.id },
      ]);
    });
  });
}
