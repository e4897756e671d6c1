import { Type, type Static, type TSchema, type TUnsafe } from 'typebox';

/**
 * Small TypeBox helpers shared by every route module. Nullability is written as a JSON Schema
 * type list (`["string", "null"]`) rather than `anyOf`, because fast-json-stringify serializes a
 * type list directly but tries each `anyOf` branch with a validator; @fastify/swagger turns the
 * list into OpenAPI 3.0's `nullable: true`.
 */
export function Nullable<T extends TSchema>(schema: T): TUnsafe<Static<T> | null> {
  const { type } = schema as unknown as { type?: string };
  if (typeof type !== 'string') throw new TypeError('Nullable() needs a schema with a single type');
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [type, 'null'] });
}

/** An object of string values (metadata, headers), as OpenAPI writes it: `additionalProperties`. */
export function StringMap(options: { description?: string } = {}) {
  return Type.Unsafe<Record<string, string>>({ type: 'object', additionalProperties: { type: 'string' }, ...options });
}

/** Any JSON object, serialized in full (fast-json-stringify drops the keys of a bare `{type: object}`). */
export function JsonObject(options: { description?: string } = {}) {
  return Type.Unsafe<Record<string, unknown>>({ type: 'object', additionalProperties: true, ...options });
}

/** The error body of every 4xx but 422: `{ code, detail }`. */
export const HttpErrorOut = Type.Object(
  { code: Type.String(), detail: Type.String() },
  { title: 'HttpErrorOut', description: 'Error: `code` names the kind, `detail` says what is wrong' },
);

/** Svix's 422 body; hookd adds `code: "validation"`. */
export const HTTPValidationError = Type.Object(
  {
    code: Type.Optional(Type.String()),
    detail: Type.Array(Type.Object({ loc: Type.Array(Type.String()), msg: Type.String(), type: Type.String() })),
  },
  { title: 'HTTPValidationError', description: 'Invalid input: one item per problem, `loc` says where' },
);

/** The `204 No Content` response, for the OpenAPI document. */
export const NoContent = Type.Unsafe<void>({ type: 'null', description: 'No content' });

/**
 * A route's `response` schemas: the given successes plus the error shapes every route may answer
 * with. Fastify picks `422` before `4xx`, so validation bodies keep their array `detail`.
 */
export function withErrors<R extends Record<number, TSchema>>(
  success: R,
): R & { '4xx': typeof HttpErrorOut; 422: typeof HTTPValidationError } {
  return { ...success, '4xx': HttpErrorOut, 422: HTTPValidationError };
}
