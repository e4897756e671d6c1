import { ValidationError } from '../core/errors.js';

const EVENT_TYPE_NAME = /^[a-zA-Z0-9\-_.]{1,256}$/;

/**
 * `event_types` from a query string: the svix SDKs send one comma-separated value, other
 * clients repeat the parameter; both (and a mix) work. `undefined` when absent or empty.
 */
export function parseEventTypes(values: readonly string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  const names = values.flatMap((value) => value.split(',')).filter((name) => name !== '');
  for (const name of names) {
    if (!EVENT_TYPE_NAME.test(name))
      throw new ValidationError(`event_types: ${JSON.stringify(name)} is not an event type name`, 'query.event_types');
  }
  return names.length > 0 ? [...new Set(names)] : undefined;
}

/** The `before` and `after` filters of a list query (TimeFilterQuery) as epoch ms. */
export function parseTimeFilter(query: { before?: string; after?: string }): {
  before: number | undefined;
  after: number | undefined;
} {
  return { before: parseTime(query.before, 'query.before'), after: parseTime(query.after, 'query.after') };
}

/**
 * A format-checked `date-time` as epoch ms. The format admits what Date cannot represent (a leap
 * second, `23:59:60`): that is a 422 naming `field`, never a NaN passed on to the store.
 */
export function parseTime(value: string, field: string): number;
export function parseTime(value: string | null | undefined, field: string): number | undefined;
export function parseTime(value: string | null | undefined, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new ValidationError(`${value} is not a date-time hookd can represent`, field);
  return ms;
}
