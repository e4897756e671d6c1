import { Type, type Static, type TSchema } from 'typebox';
import type { Page, PageQuery } from '../store/store.js';
import { Nullable } from './schema-types.js';

const DEFAULT_PAGE_LIMIT = 50;
const MAX_PAGE_LIMIT = 250;

/**
 * The paging query parameters of every list route. `limit` above 250 is a 422 (not silently
 * clamped; Svix's server has the same hard cap), so a client learns the cap instead of wondering
 * where its rows went; `limit=0` is an empty page, as Svix allows it. Every list takes `order`;
 * its default is the list's own (see PageQuery).
 */
export const PaginationQuery = {
  limit: Type.Integer({
    minimum: 0,
    maximum: MAX_PAGE_LIMIT,
    default: DEFAULT_PAGE_LIMIT,
    description: 'Limit the number of returned items',
  }),
  iterator: Type.Optional(
    Type.String({ maxLength: 1024, description: 'The iterator returned from a prior invocation' }),
  ),
  order: Type.Optional(
    Type.Union([Type.Literal('ascending'), Type.Literal('descending')], {
      description: 'The sorting order of the returned items',
    }),
  ),
};

const paginationSchema = Type.Object(PaginationQuery);
type PaginationInput = Partial<Static<typeof paginationSchema>>;

/** The store's page request from the validated query; an empty `iterator=` means the first page. */
export function toPageQuery(query: PaginationInput): PageQuery {
  return {
    limit: query.limit ?? DEFAULT_PAGE_LIMIT,
    iterator: query.iterator ? query.iterator : null,
    ...(query.order ? { order: query.order } : {}),
  };
}

/** A page with nothing on it: the answer of a filter that can match nothing. */
export const EMPTY_PAGE: Page<never> = { data: [], iterator: null, prevIterator: null, done: true };

/**
 * Svix's `ListResponse_<T>_`: `{ data, iterator, prevIterator, done }`, titled (for the OpenAPI
 * document's components) after its item's title.
 */
export function ListResponse<T extends TSchema>(item: T, title = listTitle(item)) {
  return Type.Object(
    {
      data: Type.Array(item),
      iterator: Type.Optional(Nullable(Type.String())),
      prevIterator: Type.Optional(Nullable(Type.String())),
      done: Type.Boolean(),
    },
    title ? { title } : {},
  );
}

function listTitle(item: TSchema): string | undefined {
  const { title } = item as { title?: unknown };
  return typeof title === 'string' ? `ListResponse_${title}_` : undefined;
}

/** A store page as a list response, each row turned into its JSON shape by `toJson`. */
export function toListResponse<T, U>(page: Page<T>, toJson: (row: T) => U) {
  return { data: page.data.map(toJson), iterator: page.iterator, prevIterator: page.prevIterator, done: page.done };
}

/** `toListResponse` in JSON text, for rows that are JSON text already (messages with their payloads). */
export function toListJson<T>(page: Page<T>, toJsonText: (row: T) => string): string {
  const rest = JSON.stringify({ iterator: page.iterator, prevIterator: page.prevIterator, done: page.done });
  return `{"data":[${page.data.map(toJsonText).join(',')}],${rest.slice(1)}`;
}
