import type { Config } from '../config/config.js';
import { NotFoundError } from '../core/errors.js';
import type { Connection, Destination, EventDelivery, InboundRequest, Source } from '../core/types.js';
import type { Store } from '../store/store.js';
import type { RouteFilter } from './route-filter.js';
import type { SourceCache } from './source-cache.js';
import type { TransformPool } from './transform-pool.js';

/** What every route module of the receive API is given. */
export interface ReceiveApiDeps {
  config: Config;
  store: Store;
  /** Epoch ms; injectable so that tests control time. */
  now: () => number;
  /** Which connections a request goes through (shared with the ingest: compiled filters are cached). */
  routes: RouteFilter;
  /** The ingest's cache of sources and routes: cleared after every change this API makes. */
  sources: SourceCache;
  /** Checks transforms when they are saved (off the main thread). */
  transformPool: TransformPool;
}

/** The source with this id or uid, or 404. */
export async function requireSource(store: Store, ref: string): Promise<Source> {
  const source = await store.sources.get(ref);
  if (source === null) throw new NotFoundError('source');
  return source;
}

/** The destination with this id or uid, or 404. */
export async function requireDestination(store: Store, ref: string): Promise<Destination> {
  const destination = await store.destinations.get(ref);
  if (destination === null) throw new NotFoundError('destination');
  return destination;
}

export async function requireConnection(store: Store, id: string): Promise<Connection> {
  const connection = await store.connections.get(id);
  if (connection === null) throw new NotFoundError('connection');
  return connection;
}

export async function requireRequest(store: Store, id: string): Promise<InboundRequest> {
  const request = await store.requests.getRequest(id);
  if (request === null) throw new NotFoundError('request');
  return request;
}

export async function requireEvent(store: Store, id: string): Promise<EventDelivery> {
  const event = await store.requests.getEvent(id);
  if (event === null) throw new NotFoundError('event');
  return event;
}
