/**
 * The rules that make hookd's OpenAPI 3.0 document one that clients can be generated from, applied
 * to the whole document once @fastify/swagger has written it from the route schemas, so that a
 * new route follows them without anyone remembering to:
 *
 * - every operation has a unique `operationId` (a route's own, else `<method>_<path>`);
 * - a query or header parameter with a default is not required of the client (the validator
 *   fills the default in: the route schemas mark it required only for the handler's types);
 * - a request body is required unless the route accepts an empty one (`OPTIONAL_BODY`);
 * - every POST that takes a token documents the `idempotency-key` header it honours;
 * - a HEAD operation has no response bodies;
 * - only OpenAPI's methods are listed (the ingest face answers every method Node knows);
 * - every schema with a `title` is one entry of `components/schemas`, referenced by `$ref`.
 */

/** The extension a route's schema carries when it accepts a POST with no body (see `markOptionalBody`). */
export const OPTIONAL_BODY = 'x-hookd-optional-body';

const OPENAPI_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

// biome-ignore lint/suspicious/noExplicitAny: the document is plain JSON, walked generically
type Json = any;

export function finishDocument(doc: Json): Json {
  const paths: Record<string, Json> = {};
  for (const [path, item] of Object.entries<Json>(doc.paths ?? {})) {
    // Fastify's wildcard `*` is not a name OpenAPI can template: call it `path`.
    const name = path.replace('{*}', '{path}');
    paths[name] = {};
    for (const [method, op] of Object.entries<Json>(item)) {
      if (!OPENAPI_METHODS.has(method)) continue;
      // A route of several methods shares one operation object among them: each gets its own.
      paths[name][method] = finishOperation(method, name, renameWildcard(structuredClone(op)), doc);
    }
  }
  doc.paths = paths;
  hoistTitledSchemas(doc);
  return doc;
}

function finishOperation(method: string, path: string, op: Json, doc: Json): Json {
  op.operationId ??= `${method}_${path
    .replace(/^\//, '')
    .replace(/[^a-zA-Z0-9]+/g, '_')
    .replace(/_$/, '')}`;
  for (const parameter of op.parameters ?? []) {
    if (parameter.in !== 'path' && parameter.schema?.default !== undefined) parameter.required = false;
  }
  if (op.requestBody && op[OPTIONAL_BODY]) op.requestBody.required = false;
  delete op[OPTIONAL_BODY];
  const security = op.security ?? doc.security ?? [];
  if (method === 'post' && security.length > 0 && !op.parameters?.some(isIdempotencyKey)) {
    op.parameters = [
      ...(op.parameters ?? []),
      {
        in: 'header',
        name: 'idempotency-key',
        required: false,
        schema: { type: 'string' },
        description: "The request's idempotency key: a repeat within 12 hours gets the first 2xx answer again",
      },
    ];
  }
  if (method === 'head') {
    for (const response of Object.values<Json>(op.responses ?? {})) delete response.content;
  }
  return op;
}

const isIdempotencyKey = (p: Json) => p.in === 'header' && String(p.name).toLowerCase() === 'idempotency-key';

function renameWildcard(op: Json): Json {
  for (const parameter of op.parameters ?? [])
    if (parameter.in === 'path' && parameter.name === '*') parameter.name = 'path';
  return op;
}

/** Keywords whose values are schemas (or arrays / maps of schemas). */
const SUBSCHEMA_KEYS = ['items', 'additionalProperties', 'not'] as const;
const SUBSCHEMA_LIST_KEYS = ['anyOf', 'oneOf', 'allOf'] as const;

/**
 * Moves every schema that has a `title` to `components/schemas/<title>` and puts a `$ref` in its
 * place, innermost first. Two different schemas with one title would make the name ambiguous:
 * the second is left inline, where the document's test finds it.
 */
function hoistTitledSchemas(doc: Json): void {
  doc.components ??= {};
  doc.components.schemas ??= {};
  const components: Record<string, Json> = doc.components.schemas;
  const texts = new Map<string, string>();
  const hoist = (schema: Json): Json => {
    if (typeof schema !== 'object' || schema === null || schema.$ref !== undefined) return schema;
    for (const key of SUBSCHEMA_KEYS) if (typeof schema[key] === 'object') schema[key] = hoist(schema[key]);
    for (const key of SUBSCHEMA_LIST_KEYS) if (Array.isArray(schema[key])) schema[key] = schema[key].map(hoist);
    if (schema.properties)
      for (const name of Object.keys(schema.properties)) schema.properties[name] = hoist(schema.properties[name]);
    const title = schema.title;
    if (typeof title !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(title)) return schema;
    const text = JSON.stringify(schema);
    const known = texts.get(title);
    if (known === undefined && components[title] === undefined) {
      texts.set(title, text);
      components[title] = schema;
    } else if (known !== text) {
      return schema;
    }
    return { $ref: `#/components/schemas/${title}` };
  };
  for (const item of Object.values<Json>(doc.paths ?? {})) {
    for (const op of Object.values<Json>(item)) {
      for (const parameter of op.parameters ?? []) if (parameter.schema) parameter.schema = hoist(parameter.schema);
      for (const media of Object.values<Json>(op.requestBody?.content ?? {})) media.schema = hoist(media.schema);
      for (const response of Object.values<Json>(op.responses ?? {})) {
        for (const media of Object.values<Json>(response.content ?? {})) media.schema = hoist(media.schema);
      }
    }
  }
}
