import { describe, expect, it } from 'vitest';
import type { RequestInput } from '../store.js';
import { collectPages, type SuiteContext, T0 } from './fixtures.suite.js';
import { createRoute } from './sources.suite.js';

/**
 * The conformance suite of the reads of received requests and events (`RequestStore`). Requests
 * are written through `InboundStore.receive` (routes given, no dedup key).
 */
export function describeRequests(ctx: SuiteContext): void {
  describe('requests and events: the reads', () => {
    const input = (sourceId: string, overrides: Partial<RequestInput> = {}): RequestInput => ({
      sourceId,
      method: 'POST',
      path: '/a?b=1',
      headers: [['x-a', '1']],
      body: Buffer.from('{}'),
      ...overrides,
    });

    it('gets a request; lists a source’s requests newest first, by status and time', async () => {
      const { source, destination, connection } = await createRoute(ctx.store);
      const route = [{ connectionId: connection.id, destinationId: destination.id }];
      const a = await ctx.store.inbound.receive(input(source.id), route, null, T0);
      const b = await ctx.store.inbound.receive(
        input(source.id, { status: 'rejected', cause: 'signature_invalid' }),
        [],
        null,
        T0 + 10,
      );
      const other = await createRoute(ctx.store);
      await ctx.store.inbound.receive(input(other.source.id), [], null, T0 + 5);
      expect(await ctx.store.requests.getRequest(a.request.id)).toEqual(a.request);
      expect(await ctx.store.requests.getRequest('req_missing')).toBeNull();
      const ids = (query: Parameters<typeof ctx.store.requests.listRequests>[0]) =>
        ctx.store.requests.listRequests(query, { limit: 10 }).then((p) => p.data.map((r) => r.id));
      expect(await ids({ sourceId: source.id })).toEqual([b.request.id, a.request.id]);
      expect(await ids({ sourceId: source.id, status: 'rejected' })).toEqual([b.request.id]);
      expect(await ids({ sourceId: source.id, since: T0 + 1 })).toEqual([b.request.id]);
      expect(await ids({ sourceId: source.id, until: T0 + 10 })).toEqual([a.request.id]);
      const pages = await collectPages((iterator) => ctx.store.requests.listRequests({}, { limit: 2, iterator }));
      expect(pages.flat()).toHaveLength(3);
    });

    it('gets and lists events by request, source, connection, destination and status', async () => {
      const first = await createRoute(ctx.store);
      const second = await createRoute(ctx.store);
      const routes = [first, second].map((r) => ({ connectionId: r.connection.id, destinationId: r.destination.id }));
      const { request, events } = await ctx.store.inbound.receive(input(first.source.id), routes, null, T0);
      expect(events).toHaveLength(2);
      expect(await ctx.store.requests.getEvent(events[0].id)).toEqual(events[0]);
      expect(await ctx.store.requests.getEvent('evt_missing')).toBeNull();
      const ids = (query: Parameters<typeof ctx.store.requests.listEvents>[0]) =>
        ctx.store.requests.listEvents(query, { limit: 10 }).then((p) => p.data.map((e) => e.id).sort());
      const all = events.map((e) => e.id).sort();
      expect(await ids({ requestId: request.id })).toEqual(all);
      expect(await ids({ sourceId: first.source.id })).toEqual(all);
      expect(await ids({ sourceId: second.source.id })).toEqual([]);
      expect(await ids({ connectionId: second.connection.id })).toEqual([events[1].id]);
      expect(await ids({ destinationId: first.destination.id })).toEqual([events[0].id]);
      expect(await ids({ status: 'pending', since: T0, until: T0 + 1 })).toEqual(all);
      expect(await ids({ status: 'success' })).toEqual([]);
      expect(await ids({ since: T0 + 1 })).toEqual([]);
      // A request is not an event, nor is a message's delivery.
      expect(await ctx.store.requests.getEvent(request.id)).toBeNull();
      expect((await ctx.store.requests.listEventAttempts(events[0].id, { limit: 10 })).data).toEqual([]);
      expect(await ctx.store.requests.listRequestAttempts(request.id)).toEqual([]);
    });
  });
}
