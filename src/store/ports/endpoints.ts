import type { DeliveryStatus, Endpoint, EndpointSecret, Metadata } from '../../core/types.js';
import type { Page, PageQuery, TimeRange } from './common.js';

export interface EndpointInput {
  url: string;
  uid?: string | null;
  description?: string;
  eventTypes?: string[] | null;
  channels?: string[] | null;
  disabled?: boolean;
  metadata?: Metadata;
  throttleRate?: number | null;
  /** hookd extension (see `Endpoint`); `null`: the default. */
  maxConcurrency?: number | null;
  /** hookd extension (see `Endpoint`); default false. */
  ordered?: boolean;
  headers?: Record<string, string>;
  /** The first signing key; required here (the caller generates one when the user gave none). */
  secret: string;
}

/** An application's endpoints. A `ref` is an endpoint's id or its uid within the application. */
export interface EndpointStore {
  /** `NotFoundError('application')` when `appId` is gone; `ConflictError` when the uid is taken. */
  create(appId: string, input: EndpointInput, now: number): Promise<Endpoint>;
  get(appId: string, ref: string): Promise<Endpoint | null>;
  list(appId: string, page: PageQuery): Promise<Page<Endpoint>>;
  /** Replaces the mutable fields (not secrets). */
  update(appId: string, ref: string, input: Omit<EndpointInput, 'secret'>, now: number): Promise<Endpoint>;
  delete(appId: string, ref: string): Promise<void>;
  setHeaders(appId: string, ref: string, headers: Record<string, string>, now: number): Promise<Endpoint>;
  /** Sets the endpoint's keys as given (the caller computes rotation and grace periods). */
  setSecrets(appId: string, ref: string, secrets: EndpointSecret[], now: number): Promise<Endpoint>;
  /** Counts of the endpoint's deliveries by status, created in [since, until). */
  stats(endpointId: string, range: TimeRange): Promise<Record<DeliveryStatus, number>>;
}
