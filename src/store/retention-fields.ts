import type { MessageInput } from './store.js';

export const DAY_MS = 24 * 60 * 60 * 1000;

/** When a message created at `now` loses its payload: `payloadRetentionDays` later, or never. */
export function payloadExpiresAt(input: Pick<MessageInput, 'payloadRetentionDays'>, now: number): number | null {
  return input.payloadRetentionDays == null ? null : now + input.payloadRetentionDays * DAY_MS;
}
