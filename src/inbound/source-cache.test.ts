import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { SourceCache } from './source-cache.js';

describe('SourceCache', () => {
  async function setUp(ttlMs: number, clock = { now: 1_000_000 }) {
    const store = SqliteStore.open(':memory:');
    await store.migrate();
    const source = await store.sources.create({ name: 's', uid: 'stripe', verification: { type: 'none' } }, 0);
    const destination = await store.destinations.create({ url: 'https://svc.example/' }, 0);
    let reads = 0;
    const counted = {
      sources: {
        get: (ref: string) => {
          reads++;
          return store.sources.get(ref);
        },
      },
      connections: store.connections,
      destinations: store.destinations,
    };
    return { store, source, destination, cache: new SourceCache(counted, ttlMs, () => clock.now), reads: () => reads };
  }

  it('reads a source and its routes once for concurrent and repeated requests, by id or uid, and unknown refs too', async () => {
    const { store, source, destination, cache, reads } = await setUp(60_000);
    const connection = await store.connections.create({ sourceId: source.id, destinationId: destination.id }, 0);
    const found = await Promise.all([cache.get(source.id), cache.get(source.id), cache.get(source.id)]);
    expect(found.map((f) => f?.connections.map((c) => c.id))).toEqual([
      [connection.id],
      [connection.id],
      [connection.id],
    ]);
    expect((await cache.get('stripe'))?.source.id).toBe(source.id);
    expect([...(found[0]?.destinations.keys() ?? [])]).toEqual([destination.id]);
    expect(await cache.get('src_missing')).toBeNull();
    expect(await cache.get('src_missing')).toBeNull();
    expect(reads()).toBe(3); // the id, the uid, the unknown ref: once each
    await store.close();
  });

  it('reads again after invalidate, and after the time to live', async () => {
    // Not 0: lru-cache takes a start time of 0 as "no time to live".
    const clock = { now: 1_000_000 };
    const { store, source, cache, reads } = await setUp(1_000, clock);
    await cache.get(source.id);
    await store.sources.update(source.id, { name: 's', verification: { type: 'none' }, disabled: true }, 1);
    expect((await cache.get(source.id))?.source.disabled).toBe(false); // still the cached one
    cache.invalidate();
    expect((await cache.get(source.id))?.source.disabled).toBe(true);
    await store.sources.update(source.id, { name: 's', verification: { type: 'none' }, disabled: false }, 2);
    clock.now = 1_000_999;
    expect((await cache.get(source.id))?.source.disabled).toBe(true); // within the time to live
    clock.now = 1_001_100;
    expect((await cache.get(source.id))?.source.disabled).toBe(false);
    expect(reads()).toBe(3);
    await store.close();
  });

  it('reads again when cleared during a read (a change through the API), instead of failing the request', async () => {
    const { store, source, destination, cache, reads } = await setUp(60_000);
    const read = cache.get(source.id);
    cache.invalidate(); // the first read is under way: the cache aborts it
    const connection = await store.connections.create({ sourceId: source.id, destinationId: destination.id }, 0);
    expect((await read)?.connections.map((c) => c.id)).toEqual([connection.id]);
    expect(reads()).toBe(2);
    await store.close();
  });
});
