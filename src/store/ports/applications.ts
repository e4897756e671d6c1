import type { Application, Metadata } from '../../core/types.js';
import type { Page, PageQuery } from './common.js';

export interface ApplicationInput {
  name: string;
  uid?: string | null;
  metadata?: Metadata;
  throttleRate?: number | null;
}

/** Applications: the tenants of the sending side. A `ref` is an application's id or its uid (an id wins). */
export interface ApplicationStore {
  /** `ConflictError` when the uid is taken. */
  create(input: ApplicationInput, now: number): Promise<Application>;
  get(ref: string): Promise<Application | null>;
  list(page: PageQuery): Promise<Page<Application>>;
  /** Replaces the mutable fields; `NotFoundError` when absent. */
  update(ref: string, input: ApplicationInput, now: number): Promise<Application>;
  /** Deletes the application with its endpoints, messages, deliveries and attempts. */
  delete(ref: string): Promise<void>;
}
