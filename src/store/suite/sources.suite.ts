import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../core/errors.js';
import type { Destination } from '../../core/types.js';
import type { ConnectionInput, DestinationInput, SourceInput, Store } from '../store.js';
import { collectPages, type SuiteContext, T0 } from './fixtures.suite.js';

export function sourceInput(overrides: Partial<SourceInput> = {}): SourceInput {
  return { name: 'Stripe', verification: { type: 'none' }, ...overrides };
}

export function destinationInput(overrides: Partial<DestinationInput> = {}): DestinationInput {
  return { name: 'Orders', url: 'https://svc.example/in', ...overrides };
}

/** A source and a destination, and a connection between them. */
export async function createRoute(
  store: Store,
  overrides: { source?: Partial<SourceInput>; destination?: Partial<DestinationInput> } = {},
  connection: Partial<ConnectionInput> = {},
) {
  const source = await store.sources.create(sourceInput(overrides.source), T0);
  const destination = await store.destinations.create(destinationInput(overrides.destination), T0);
  const created = await store.connections.create(
    { sourceId: source.id, destinationId: destination.id, ...connection },
    T0,
  );
  return { source, destination, connection: created };
}

/** The conformance suite of the receive side's configuration: sources, destinations, connections. */
export function describeSources(ctx: SuiteContext): void {
  describe('sources', () => {
    it('creates a source with every field and finds it by id and by uid', async () => {
      const input = sourceInput({
        uid: 'stripe-live',
        verification: { type: 'stripe', secrets: ['whsec_a', 'whsec_b'], toleranceSeconds: 300 },
        response: { status: 202, body: 'thanks', contentType: 'text/plain', headers: { 'x-a': '1' } },
        dedup: { by: 'header', header: 'x-id', windowSeconds: 3600 },
        disabled: true,
      });
      const source = await ctx.store.sources.create(input, T0);
      expect(source).toEqual({
        id: expect.stringMatching(/^src_/),
        uid: 'stripe-live',
        name: 'Stripe',
        verification: input.verification,
        response: input.response,
        dedup: input.dedup,
        disabled: true,
        createdAt: T0,
        updatedAt: T0,
      });
      expect(await ctx.store.sources.get(source.id)).toEqual(source);
      expect(await ctx.store.sources.get('stripe-live')).toEqual(source);
      expect(await ctx.store.sources.get('src_missing')).toBeNull();
    });

    it('fills defaults: no uid, default response, no dedup, enabled', async () => {
      const source = await ctx.store.sources.create(sourceInput(), T0);
      expect(source).toMatchObject({ uid: null, response: null, dedup: null, disabled: false });
      expect(await ctx.store.sources.get(source.id)).toEqual(source);
    });

    it('refuses a uid taken by another source, on create and update; many sources have none', async () => {
      await ctx.store.sources.create(sourceInput({ uid: 'taken' }), T0);
      const other = await ctx.store.sources.create(sourceInput({ uid: 'other' }), T0);
      await expect(ctx.store.sources.create(sourceInput({ uid: 'taken' }), T0)).rejects.toBeInstanceOf(ConflictError);
      await expect(ctx.store.sources.update(other.id, sourceInput({ uid: 'taken' }), T0)).rejects.toBeInstanceOf(
        ConflictError,
      );
      await ctx.store.sources.create(sourceInput(), T0);
      await ctx.store.sources.create(sourceInput(), T0);
    });

    it('prefers an id over a uid equal to it', async () => {
      const first = await ctx.store.sources.create(sourceInput(), T0);
      const second = await ctx.store.sources.create(sourceInput({ uid: first.id }), T0);
      expect((await ctx.store.sources.get(first.id))?.id).toBe(first.id);
      await ctx.store.sources.delete(first.id);
      expect((await ctx.store.sources.get(first.id))?.id).toBe(second.id);
    });

    it('updates by uid, replacing every mutable field', async () => {
      const source = await ctx.store.sources.create(
        sourceInput({ uid: 's1', dedup: { by: 'body-hash', windowSeconds: 60 }, disabled: true }),
        T0,
      );
      const updated = await ctx.store.sources.update(
        's1',
        { name: 'GitHub', uid: 's2', verification: { type: 'github', secrets: ['x'] } },
        T0 + 5,
      );
      expect(updated).toEqual({
        ...source,
        name: 'GitHub',
        uid: 's2',
        verification: { type: 'github', secrets: ['x'] },
        dedup: null,
        disabled: false,
        updatedAt: T0 + 5,
      });
      expect(await ctx.store.sources.get('s2')).toEqual(updated);
      expect(await ctx.store.sources.get('s1')).toBeNull();
    });

    it('throws NotFoundError when updating or deleting an unknown source', async () => {
      await expect(ctx.store.sources.update('src_nope', sourceInput(), T0)).rejects.toBeInstanceOf(NotFoundError);
      await expect(ctx.store.sources.delete('src_nope')).rejects.toBeInstanceOf(NotFoundError);
    });

    it('lists oldest first by default, pages forward and back, and honours order', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await ctx.store.sources.create(sourceInput(), T0 + i)).id);
      const pages = await collectPages((iterator) => ctx.store.sources.list({ limit: 2, iterator }));
      expect(pages.map((p) => p.map((s) => s.id))).toEqual([ids.slice(0, 2), ids.slice(2, 4), ids.slice(4)]);
      const second = await ctx.store.sources.list({ limit: 2, iterator: ids[1] });
      const back = await ctx.store.sources.list({ limit: 2, iterator: second.prevIterator });
      expect(back.data.map((s) => s.id)).toEqual(ids.slice(0, 2));
      const desc = await ctx.store.sources.list({ limit: 10, order: 'descending' });
      expect(desc.data.map((s) => s.id)).toEqual([...ids].reverse());
    });

    it('deletes a source with its connections', async () => {
      const { source, destination, connection } = await createRoute(ctx.store);
      await ctx.store.sources.delete(source.id);
      expect(await ctx.store.sources.get(source.id)).toBeNull();
      expect(await ctx.store.connections.get(connection.id)).toBeNull();
      expect(await ctx.store.destinations.get(destination.id)).toEqual(destination);
    });
  });

  describe('destinations', () => {
    it('creates a destination with every field and finds it by id and by uid', async () => {
      const input = destinationInput({
        uid: 'orders',
        headers: { 'x-env': 'prod' },
        basicAuth: { username: 'u', password: 'p' },
        throttleRate: 5,
        retrySchedule: [0, 5, 60],
        timeoutMs: 3000,
        secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        disabled: true,
      });
      const destination = await ctx.store.destinations.create(input, T0);
      const { uid, ...rest } = input;
      expect(destination).toEqual({
        ...rest,
        id: expect.stringMatching(/^dst_/),
        kind: 'http',
        uid,
        createdAt: T0,
        updatedAt: T0,
      });
      expect(await ctx.store.destinations.get(destination.id)).toEqual(destination);
      expect(await ctx.store.destinations.get('orders')).toEqual(destination);
      expect(await ctx.store.destinations.get('dst_missing')).toBeNull();
    });

    it('fills defaults', async () => {
      const destination = await ctx.store.destinations.create({ url: 'https://svc.example/' }, T0);
      expect(destination).toMatchObject({
        uid: null,
        name: '',
        headers: {},
        basicAuth: null,
        throttleRate: null,
        retrySchedule: null,
        timeoutMs: null,
        secret: null,
        disabled: false,
      } satisfies Partial<Destination>);
    });

    it('refuses a uid taken by another destination; many destinations have none', async () => {
      await ctx.store.destinations.create(destinationInput({ uid: 'taken' }), T0);
      const other = await ctx.store.destinations.create(destinationInput(), T0);
      await ctx.store.destinations.create(destinationInput(), T0);
      await expect(ctx.store.destinations.create(destinationInput({ uid: 'taken' }), T0)).rejects.toBeInstanceOf(
        ConflictError,
      );
      await expect(
        ctx.store.destinations.update(other.id, destinationInput({ uid: 'taken' }), T0),
      ).rejects.toBeInstanceOf(ConflictError);
    });

    it('updates by uid, replacing every mutable field', async () => {
      const destination = await ctx.store.destinations.create(
        destinationInput({ uid: 'd1', throttleRate: 3, headers: { a: '1' } }),
        T0,
      );
      const updated = await ctx.store.destinations.update(
        'd1',
        { url: 'https://new.example/', uid: 'd1', timeoutMs: 100 },
        T0 + 7,
      );
      expect(updated).toEqual({
        ...destination,
        name: '',
        url: 'https://new.example/',
        throttleRate: null,
        headers: {},
        timeoutMs: 100,
        updatedAt: T0 + 7,
      });
      await expect(ctx.store.destinations.update('dst_nope', destinationInput(), T0)).rejects.toBeInstanceOf(
        NotFoundError,
      );
      await expect(ctx.store.destinations.delete('dst_nope')).rejects.toBeInstanceOf(NotFoundError);
    });

    it('lists oldest first with paging', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await ctx.store.destinations.create(destinationInput(), T0)).id);
      const pages = await collectPages((iterator) => ctx.store.destinations.list({ limit: 2, iterator }));
      expect(pages.map((p) => p.map((d) => d.id))).toEqual([ids.slice(0, 2), ids.slice(2)]);
    });

    it('deletes a destination with its connections, by uid', async () => {
      const { source, connection } = await createRoute(ctx.store, { destination: { uid: 'gone' } });
      await ctx.store.destinations.delete('gone');
      expect(await ctx.store.destinations.get('gone')).toBeNull();
      expect(await ctx.store.connections.get(connection.id)).toBeNull();
      expect(await ctx.store.sources.get(source.id)).toEqual(source);
    });
  });

  describe('connections', () => {
    it('creates a connection and gets it by id', async () => {
      const source = await ctx.store.sources.create(sourceInput(), T0);
      const destination = await ctx.store.destinations.create(destinationInput(), T0);
      const input: ConnectionInput = {
        name: 'paid only',
        sourceId: source.id,
        destinationId: destination.id,
        filter: { body: { type: { $eq: 'invoice.paid' }, 'data.id': 12345678901234567000, rate: 1 } },
        // Its text, kept as given on both backends (a json column parsed on the way out would lose it).
        filterText: '{"body":{"type":{"$eq":"invoice.paid"},"data.id":12345678901234567890,"rate":1.0}}',
        transform: 'function transform(r) { return r; }',
        disabled: true,
      };
      const connection = await ctx.store.connections.create(input, T0);
      expect(connection).toEqual({
        ...input,
        id: expect.stringMatching(/^conn_/),
        createdAt: T0,
        updatedAt: T0,
      });
      expect(await ctx.store.connections.get(connection.id)).toEqual(connection);
      expect(await ctx.store.connections.get('conn_missing')).toBeNull();
      const plain = await ctx.store.connections.create({ sourceId: source.id, destinationId: destination.id }, T0);
      expect(plain).toMatchObject({ name: '', filter: null, filterText: null, transform: null, disabled: false });
      expect((await ctx.store.connections.list({ sourceId: source.id }, { limit: 10 })).data[0]).toEqual(connection);
    });

    it('refuses a missing source or destination with NotFoundError naming it', async () => {
      const source = await ctx.store.sources.create(sourceInput(), T0);
      const destination = await ctx.store.destinations.create(destinationInput(), T0);
      await expect(
        ctx.store.connections.create({ sourceId: 'src_nope', destinationId: destination.id }, T0),
      ).rejects.toThrow(new NotFoundError('source'));
      await expect(
        ctx.store.connections.create({ sourceId: source.id, destinationId: 'dst_nope' }, T0),
      ).rejects.toThrow(new NotFoundError('destination'));
      const connection = await ctx.store.connections.create({ sourceId: source.id, destinationId: destination.id }, T0);
      await expect(
        ctx.store.connections.update(connection.id, { sourceId: source.id, destinationId: 'dst_nope' }, T0),
      ).rejects.toThrow(new NotFoundError('destination'));
      expect(await ctx.store.connections.list({}, { limit: 10 })).toMatchObject({ data: [connection] });
    });

    it('updates every mutable field, moving it to another source and destination', async () => {
      const { connection } = await createRoute(ctx.store, {}, { filter: { path: '/a' }, name: 'n' });
      const source = await ctx.store.sources.create(sourceInput(), T0);
      const destination = await ctx.store.destinations.create(destinationInput(), T0);
      const updated = await ctx.store.connections.update(
        connection.id,
        { sourceId: source.id, destinationId: destination.id, transform: 'x', disabled: true },
        T0 + 3,
      );
      expect(updated).toEqual({
        ...connection,
        name: '',
        sourceId: source.id,
        destinationId: destination.id,
        filter: null,
        filterText: null,
        transform: 'x',
        disabled: true,
        updatedAt: T0 + 3,
      });
      await expect(
        ctx.store.connections.update('conn_nope', { sourceId: source.id, destinationId: destination.id }, T0),
      ).rejects.toThrow(new NotFoundError('connection'));
    });

    it('lists by source and by destination, with paging', async () => {
      const a = await createRoute(ctx.store);
      const b = await createRoute(ctx.store);
      const aToB = await ctx.store.connections.create({ sourceId: a.source.id, destinationId: b.destination.id }, T0);
      const ids = (filter: { sourceId?: string; destinationId?: string }) =>
        ctx.store.connections.list(filter, { limit: 10 }).then((p) => p.data.map((c) => c.id));
      expect(await ids({})).toEqual([a.connection.id, b.connection.id, aToB.id]);
      expect(await ids({ sourceId: a.source.id })).toEqual([a.connection.id, aToB.id]);
      expect(await ids({ destinationId: b.destination.id })).toEqual([b.connection.id, aToB.id]);
      expect(await ids({ sourceId: b.source.id, destinationId: a.destination.id })).toEqual([]);
      const pages = await collectPages((iterator) => ctx.store.connections.list({}, { limit: 2, iterator }));
      expect(pages.map((p) => p.length)).toEqual([2, 1]);
    });

    it('routes a source to its enabled connections whose destination is enabled, oldest first', async () => {
      const { source, connection: first } = await createRoute(ctx.store);
      const on = await ctx.store.destinations.create(destinationInput(), T0);
      const off = await ctx.store.destinations.create(destinationInput({ disabled: true }), T0);
      const second = await ctx.store.connections.create({ sourceId: source.id, destinationId: on.id }, T0);
      await ctx.store.connections.create({ sourceId: source.id, destinationId: on.id, disabled: true }, T0);
      await ctx.store.connections.create({ sourceId: source.id, destinationId: off.id }, T0);
      await createRoute(ctx.store); // another source's
      expect(await ctx.store.connections.listRoutes(source.id)).toEqual([first, second]);
      expect(await ctx.store.connections.listRoutes('src_nope')).toEqual([]);
      // Disabling the first one's destination takes it out of the routes.
      const destination = (await ctx.store.destinations.get(first.destinationId)) as Destination;
      await ctx.store.destinations.update(destination.id, { ...destination, disabled: true }, T0 + 1);
      expect(await ctx.store.connections.listRoutes(source.id)).toEqual([second]);
    });

    it('deletes a connection; NotFoundError for an unknown one', async () => {
      const { connection } = await createRoute(ctx.store);
      await ctx.store.connections.delete(connection.id);
      expect(await ctx.store.connections.get(connection.id)).toBeNull();
      await expect(ctx.store.connections.delete(connection.id)).rejects.toThrow(new NotFoundError('connection'));
    });
  });
}
