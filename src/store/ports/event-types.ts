import type { EventType } from '../../core/types.js';
import type { Page, PageQuery } from './common.js';

export interface EventTypeInput {
  name: string;
  description: string;
  archived?: boolean;
  deprecated?: boolean;
  featureFlag?: string | null;
  /** JSON text of the schemas by version, stored as given (see `EventType.schemas`). */
  schemas?: string | null;
}

/** Event types, by name (global, as in Svix). */
export interface EventTypeStore {
  /** `ConflictError` when the name is taken. */
  create(input: EventTypeInput, now: number): Promise<EventType>;
  get(name: string): Promise<EventType | null>;
  list(page: PageQuery & { includeArchived: boolean }): Promise<Page<EventType>>;
  update(name: string, input: Omit<EventTypeInput, 'name'>, now: number): Promise<EventType>;
  /** `expunge: false` archives the event type (Svix's default); `true` deletes the row. */
  delete(name: string, expunge: boolean, now: number): Promise<void>;
}
