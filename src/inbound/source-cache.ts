import { LRUCache } from 'lru-cache';
import type { Connection, Source } from '../core/types.js';
import type { ConnectionStore, SourceStore } from '../store/store.js';

/** A source with the connections its requests go through (`connections.listRoutes`). */
export interface SourceRoutes {
  source: Source;
  connections: Connection[];
}

/** How long a source and its routes are reused before they are read again. */
export const SOURCE_CACHE_TTL_MS = 1_000;

/**
 * The sources the ingest reads on every request, with their routes, kept for a second: two reads
 * per request fewer (on PostgreSQL, two round trips and their plans). Concurrent requests for a
 * source share one read; unknown refs are kept too (a flood at a wrong URL reads once a second).
 * A change made through this process's API clears it at once (`invalidate`); one made through
 * another process applies within `SOURCE_CACHE_TTL_MS`.
 */
export class SourceCache {
  private readonly cache: LRUCache<string, { found: SourceRoutes | null }>;

  constructor(
    store: { sources: Pick<SourceStore, 'get'>; connections: Pick<ConnectionStore, 'listRoutes'> },
    ttlMs = SOURCE_CACHE_TTL_MS,
  ) {
    this.cache = new LRUCache({
      max: 10_000,
      ttl: ttlMs,
      fetchMethod: async (ref) => {
        const source = await store.sources.get(ref);
        return {
          found: source === null ? null : { source, connections: await store.connections.listRoutes(source.id) },
        };
      },
    });
  }

  async get(ref: string): Promise<SourceRoutes | null> {
    return (await this.cache.fetch(ref))?.found ?? null;
  }

  invalidate(): void {
    this.cache.clear();
  }
}
