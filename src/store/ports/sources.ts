import type { Connection, DedupSetting, Destination, Source, SourceResponse } from '../../core/types.js';
import type { Verification } from '../../core/verify/types.js';
import type { Page, PageQuery } from './common.js';

/*
 * The receive side's configuration: sources, destinations and the connections between them.
 * Written once for both backends (crud/). A `ref` is an id or a uid (an id wins over an equal uid).
 * Conflicts (a uid taken) are `ConflictError`; a missing ref is `null` from getters and
 * `NotFoundError` from mutators.
 */

/** The mutable fields of a source, as validated by the route (verification already parsed). */
export interface SourceInput {
  name: string;
  uid?: string | null;
  verification: Verification;
  response?: SourceResponse | null;
  dedup?: DedupSetting | null;
  disabled?: boolean;
}

export interface SourceStore {
  create(input: SourceInput, now: number): Promise<Source>;
  get(ref: string): Promise<Source | null>;
  list(page: PageQuery): Promise<Page<Source>>;
  /** Replaces every mutable field (a PATCH merges at the route). */
  update(ref: string, input: SourceInput, now: number): Promise<Source>;
  /** Its connections go with it; its requests stay (they are history). */
  delete(ref: string): Promise<void>;
}

export interface DestinationInput {
  name?: string;
  uid?: string | null;
  url: string;
  headers?: Record<string, string>;
  basicAuth?: { username: string; password: string } | null;
  throttleRate?: number | null;
  retrySchedule?: number[] | null;
  timeoutMs?: number | null;
  secret?: string | null;
  disabled?: boolean;
}

export interface DestinationStore {
  create(input: DestinationInput, now: number): Promise<Destination>;
  get(ref: string): Promise<Destination | null>;
  list(page: PageQuery): Promise<Page<Destination>>;
  update(ref: string, input: DestinationInput, now: number): Promise<Destination>;
  /** Its connections and its events (with their attempts) go with it. */
  delete(ref: string): Promise<void>;
}

export interface ConnectionInput {
  name?: string;
  /** Ids (the route resolves uids). `NotFoundError('source' | 'destination')` when gone. */
  sourceId: string;
  destinationId: string;
  filter?: Record<string, unknown> | null;
  /** The filter's JSON text as the customer wrote it, stored as is; absent: `filter` serialized. */
  filterText?: string | null;
  transform?: string | null;
  disabled?: boolean;
}

export interface ConnectionStore {
  create(input: ConnectionInput, now: number): Promise<Connection>;
  get(id: string): Promise<Connection | null>;
  list(filter: { sourceId?: string; destinationId?: string }, page: PageQuery): Promise<Page<Connection>>;
  /** The enabled connections of a source whose destination is enabled, oldest first (the ingest's routing). */
  listRoutes(sourceId: string): Promise<Connection[]>;
  update(id: string, input: ConnectionInput, now: number): Promise<Connection>;
  /** Its events stay (they are history; a pending one is still forwarded). */
  delete(id: string): Promise<void>;
}
