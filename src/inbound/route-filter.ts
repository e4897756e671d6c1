import { compileFilter, type FilterPredicate } from '../core/filter/index.js';
import { type RequestSubject, toRequestSubject } from '../core/filter/subject.js';
import type { Connection, HeaderList } from '../core/types.js';
import type { EventRoute } from '../store/store.js';

/** How many compiled filters are kept; a connection's is compiled again after it leaves. */
const MAX_COMPILED = 1_000;

/**
 * Picks the connections a request goes through: those with no filter, and those whose filter
 * matches the request (its body, headers, query, path and method; see core/filter). Compiled
 * filters are kept per connection and version (`updatedAt`), so an edit applies at once. The
 * request is parsed only when some connection has a filter. Filters were validated when stored;
 * one that no longer compiles (a stored filter from an older hookd) matches nothing.
 */
export class RouteFilter {
  private readonly compiled = new Map<string, FilterPredicate>();

  /** One route per matching connection, in the connections' order. */
  routes(
    connections: readonly Connection[],
    request: { method: string; path: string; headers: HeaderList; body: Buffer },
  ): EventRoute[] {
    return this.matching(connections, request).map((c) => ({ connectionId: c.id, destinationId: c.destinationId }));
  }

  matching(
    connections: readonly Connection[],
    request: { method: string; path: string; headers: HeaderList; body: Buffer },
  ): Connection[] {
    let subject: RequestSubject | null = null;
    return connections.filter((connection) => {
      if (connection.filter === null) return true;
      subject ??= toRequestSubject(request);
      return this.predicate(connection)(subject);
    });
  }

  private predicate(connection: Connection): FilterPredicate {
    const key = `${connection.id}@${connection.updatedAt}`;
    let predicate = this.compiled.get(key);
    if (predicate === undefined) {
      try {
        predicate = compileFilter(connection.filter);
      } catch {
        predicate = () => false;
      }
      if (this.compiled.size >= MAX_COMPILED) this.compiled.clear();
      this.compiled.set(key, predicate);
    }
    return predicate;
  }
}
