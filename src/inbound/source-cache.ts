import { LRUCache } from 'lru-cache';
import type { Connection, Destination, Source } from '../core/types.js';
import type { ConnectionStore, DestinationStore, SourceStore } from '../store/store.js';

/** A source with the connections its requests go through (`connections.listRoutes`) and their destinations. */
export interface SourceRoutes {
  source: Source;
  connections: Connection[];
  /** By id: the destination of each connection. */
  destinations: Map<string, Destination>;
}

/** How long a source and its routes are reused before they are read again. */
export const SOURCE_CACHE_TTL_MS = 1_000;

/**
 * The sources the ingest reads on every request, with their routes and destinations, kept for a
 * second: four reads per request fewer (on PostgreSQL, round trips and their plans), and the
 * events handed to the local engine carry these destinations (`EventRoute.targets`). Concurrent requests for a
 * source share one read; unknown refs are kept too (a flood at a wrong URL reads once a second).
 * A change made through this process's API clears it at once (`invalidate`); one made through
 * another process applies within `SOURCE_CACHE_TTL_MS`.
 */
export class SourceCache {
  private readonly cache: LRUCache<string, { found: SourceRoutes | null }>;
  /** Counts `invalidate` calls: a read that fails across one was aborted by it. */
  private generation = 0;

  constructor(
    store: {
      sources: Pick<SourceStore, 'get'>;
      connections: Pick<ConnectionStore, 'listRoutes'>;
      destinations: Pick<DestinationStore, 'get'>;
    },
    ttlMs = SOURCE_CACHE_TTL_MS,
    /** The clock of the time to live, in ms (tests move it by hand). */
    now: () => number = () => performance.now(),
  ) {
    this.cache = new LRUCache({
      max: 10_000,
      ttl: ttlMs,
      perf: { now },
      ttlResolution: 0,
      fetchMethod: async (ref): Promise<{ found: SourceRoutes | null }> => {
        const source = await store.sources.get(ref);
        if (source === null) return { found: null };
        const connections = await store.connections.listRoutes(source.id);
        const destinations = new Map<string, Destination>();
        for (const id of new Set(connections.map((c) => c.destinationId))) {
          const destination = await store.destinations.get(id);
          if (destination !== null) destinations.set(id, destination);
        }
        // A destination deleted between the two reads: its connection went with it.
        const routed = connections.filter((c) => destinations.has(c.destinationId));
        return { found: { source, connections: routed, destinations } };
      },
    });
  }

  async get(ref: string): Promise<SourceRoutes | null> {
    for (;;) {
      const generation = this.generation;
      try {
        return (await this.cache.fetch(ref))?.found ?? null;
      } catch (error) {
        // Cleared while reading (a change through this API): the read is aborted; read again,
        // after the change. Anything else is the store's error.
        if (this.generation === generation) throw error;
      }
    }
  }

  invalidate(): void {
    this.generation++;
    this.cache.clear();
  }
}
