import { Type } from 'typebox';
import { JsonObject, Nullable, StringMap } from '../http/schema-types.js';
import { ID_PATTERN, Uid } from '../outbound/schemas.js';
import { CircuitStateOut } from '../outbound/endpoint-schemas.js';

/**
 * Request and response bodies of the receive API. What a schema cannot say (a verification
 * type's own fields, a filter, a transform, header names, URLs, secrets) is checked by the
 * *-input.ts modules, with a 422 naming the field.
 */

const Name = Type.String({ minLength: 1, maxLength: 256 });
const Time = Type.String({ format: 'date-time' });
/** A path parameter or body field naming a resource by id or uid. */
export const Ref = (description: string) =>
  Type.String({ minLength: 1, maxLength: 256, pattern: ID_PATTERN, description });
export const MAX_RETRY_SCHEDULE_LENGTH = 20;
export const MAX_TIMEOUT_MS = 60_000;
const MAX_DEDUP_WINDOW_SECONDS = 30 * 24 * 3600;
const MAX_RESPONSE_BODY_CHARS = 64 * 1024;
/**
 * The longest a source may hold its answer (`response.delayMs`): a capture URL simulating a slow
 * receiver. Here, not in source-answer.ts, so that the dashboard's type-only import of these
 * schemas reaches no module that needs Node's types.
 */
export const MAX_RESPONSE_DELAY_MS = 10_000;

/** A source's verification: its `type` and that type's own fields. */
type Verification = { type: string; [field: string]: unknown };
const VerificationIn = Type.Unsafe<Verification>({
  type: 'object',
  required: ['type'],
  properties: { type: Type.String({ minLength: 1, maxLength: 64 }) },
  additionalProperties: true,
  description: '`{type, secrets?, ...}`: `none`, a provider (`stripe`, `github`...), `hmac`, `basic-auth`, `api-key`',
});

const SourceResponseSchema = Type.Object({
  status: Type.Integer({ minimum: 200, maximum: 599 }),
  body: Type.String({ maxLength: MAX_RESPONSE_BODY_CHARS }),
  contentType: Type.String({ minLength: 1, maxLength: 256 }),
  headers: StringMap(),
  delayMs: Type.Integer({ minimum: 0, maximum: MAX_RESPONSE_DELAY_MS }),
  cors: Type.Boolean(),
});
const SourceResponseIn = Type.Object({
  status: Type.Integer({ minimum: 200, maximum: 599, description: 'Not 1xx' }),
  body: Type.Optional(Type.String({ maxLength: MAX_RESPONSE_BODY_CHARS })),
  contentType: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  headers: Type.Optional(StringMap()),
  delayMs: Type.Optional(
    Type.Integer({ minimum: 0, maximum: MAX_RESPONSE_DELAY_MS, description: 'Answer after this many ms (default 0)' }),
  ),
  cors: Type.Optional(
    Type.Boolean({ description: 'Allow browsers of any origin; answer CORS preflights (default false)' }),
  ),
});

const DedupBy = Type.Union([
  Type.Literal('delivery-id'),
  Type.Literal('header'),
  Type.Literal('json-path'),
  Type.Literal('body-hash'),
]);
const DedupSchema = Type.Object({
  by: DedupBy,
  header: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  path: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  windowSeconds: Type.Integer({ minimum: 1, maximum: MAX_DEDUP_WINDOW_SECONDS }),
});

const sourceFields = {
  uid: Type.Optional(Nullable(Uid)),
  verification: Type.Optional(VerificationIn),
  response: Type.Optional(Nullable(SourceResponseIn)),
  dedup: Type.Optional(Nullable(DedupSchema)),
  disabled: Type.Optional(Type.Boolean()),
};
export const SourceIn = Type.Object({ name: Name, ...sourceFields }, { title: 'SourceIn' });
export const SourcePatch = Type.Object({ name: Type.Optional(Name), ...sourceFields }, { title: 'SourcePatch' });
export const SourceOut = Type.Object(
  {
    id: Type.String(),
    uid: Nullable(Type.String()),
    name: Type.String(),
    url: Type.String({ description: 'Where the provider sends: `{PUBLIC_URL}/in/{id}`' }),
    verification: Type.Unsafe<Verification>(JsonObject()),
    response: SourceResponseSchema,
    dedup: Nullable(DedupSchema),
    disabled: Type.Boolean(),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  { title: 'SourceOut' },
);

const BasicAuth = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 256, pattern: '^[^:]*$' }),
  password: Type.String({ maxLength: 256 }),
});
const destinationFields = {
  name: Type.Optional(Type.String({ maxLength: 256 })),
  uid: Type.Optional(Nullable(Uid)),
  headers: Type.Optional(StringMap()),
  basicAuth: Type.Optional(Nullable(BasicAuth)),
  throttleRate: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
  retrySchedule: Type.Optional(
    Nullable(Type.Array(Type.Integer({ minimum: 0 }), { maxItems: MAX_RETRY_SCHEDULE_LENGTH })),
  ),
  timeoutMs: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: MAX_TIMEOUT_MS }))),
  secret: Type.Optional(Nullable(Type.String({ description: 'A Standard Webhooks secret (`whsec_…`)' }))),
  disabled: Type.Optional(Type.Boolean()),
};
export const DestinationIn = Type.Object(
  { url: Type.String({ minLength: 1, maxLength: 65_536 }), ...destinationFields },
  { title: 'DestinationIn' },
);
export const DestinationPatch = Type.Object(
  { url: Type.Optional(Type.String({ minLength: 1, maxLength: 65_536 })), ...destinationFields },
  { title: 'DestinationPatch' },
);
export const DestinationOut = Type.Object(
  {
    id: Type.String(),
    kind: Type.Union([Type.Literal('http'), Type.Literal('cli')], {
      description: '`http`: hookd sends to `url`; `cli`: a `hookd listen` session takes its events',
    }),
    uid: Nullable(Type.String()),
    name: Type.String(),
    url: Type.String(),
    headers: StringMap(),
    basicAuth: Nullable(BasicAuth),
    throttleRate: Nullable(Type.Integer()),
    retrySchedule: Nullable(Type.Array(Type.Integer())),
    timeoutMs: Nullable(Type.Integer()),
    secret: Nullable(Type.String()),
    disabled: Type.Boolean(),
    circuitState: CircuitStateOut,
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  { title: 'DestinationOut' },
);

const connectionFields = {
  name: Type.Optional(Type.String({ maxLength: 256 })),
  filter: Type.Optional(Nullable(JsonObject({ description: 'A filter over body, headers, query and path' }))),
  transform: Type.Optional(
    Nullable(Type.String({ maxLength: 256 * 1024, description: 'JavaScript source of `function transform(request)`' })),
  ),
  disabled: Type.Optional(Type.Boolean()),
};
export const ConnectionIn = Type.Object(
  { source: Ref('The source id or uid'), destination: Ref('The destination id or uid'), ...connectionFields },
  { title: 'ConnectionIn' },
);
export const ConnectionPatch = Type.Object(
  {
    source: Type.Optional(Ref('The source id or uid')),
    destination: Type.Optional(Ref('The destination id or uid')),
    ...connectionFields,
  },
  { title: 'ConnectionPatch' },
);
export const ConnectionOut = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    sourceId: Type.String(),
    destinationId: Type.String(),
    filter: Nullable(JsonObject()),
    transform: Nullable(Type.String()),
    disabled: Type.Boolean(),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  { title: 'ConnectionOut' },
);

export const RequestStatusSchema = Type.Union([
  Type.Literal('accepted'),
  Type.Literal('rejected'),
  Type.Literal('handshake'),
]);
export const RequestOut = Type.Object(
  {
    id: Type.String(),
    sourceId: Nullable(Type.String()),
    method: Type.String(),
    path: Type.String({ description: 'The sub-path after the source, without the query' }),
    query: Type.String({ description: 'The raw query string, without `?`' }),
    headers: Type.Array(Type.Array(Type.String(), { minItems: 2, maxItems: 2 }), {
      description: '`[name, value]` pairs in arrival order',
    }),
    body: Type.String({ description: 'base64' }),
    bodySize: Type.Integer(),
    bodyExpired: Type.Boolean({
      description:
        'Retention cleared the body and headers (HOOKD_REQUEST_RETENTION_DAYS); bodySize is the original size',
    }),
    status: RequestStatusSchema,
    cause: Nullable(Type.String()),
    detail: Nullable(Type.String()),
    receivedAt: Type.String(),
  },
  { title: 'RequestOut' },
);

export const EventStatusSchema = Type.Union([
  Type.Literal('pending'),
  Type.Literal('sending'),
  Type.Literal('success'),
  Type.Literal('fail'),
  Type.Literal('canceled'),
]);
export const EventOut = Type.Object(
  {
    id: Type.String(),
    requestId: Type.String(),
    connectionId: Nullable(Type.String()),
    destinationId: Type.String(),
    status: EventStatusSchema,
    attemptCount: Type.Integer(),
    nextAttempt: Nullable(Type.String()),
    trigger: Type.Integer({ description: '0: scheduled, 1: manual' }),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  { title: 'EventOut' },
);
export const EventAttemptOut = Type.Object(
  {
    id: Type.String(),
    eventId: Type.String(),
    requestId: Type.String(),
    destinationId: Type.String(),
    url: Type.String(),
    response: Type.String(),
    responseStatusCode: Type.Integer(),
    responseDurationMs: Type.Integer(),
    status: Type.Integer(),
    statusText: Type.String(),
    triggerType: Type.Integer(),
    timestamp: Type.String(),
  },
  { title: 'EventAttemptOut' },
);

/** The filters of the event list and of bulk retry. Refs are ids or uids; times are ISO 8601. */
export const EventFilter = {
  source: Type.Optional(Ref('The source id or uid')),
  connection: Type.Optional(Ref('The connection id')),
  destination: Type.Optional(Ref('The destination id or uid')),
  status: Type.Optional(EventStatusSchema),
  since: Type.Optional(Time),
  until: Type.Optional(Time),
};
export const TimeRangeQuery = { since: Type.Optional(Time), until: Type.Optional(Time) };

const Verdict = Type.Object({
  valid: Type.Boolean(),
  detail: Nullable(Type.String({ description: "The create route's 422 message for it, when invalid" })),
});

/** `POST /api/v1/connection/check`'s answer. */
export const ConnectionCheckOut = Type.Object(
  {
    filter: Nullable(Verdict),
    transform: Nullable(Verdict),
  },
  { title: 'ConnectionCheckOut', description: 'One verdict per field given; null for a field not given' },
);

/** `POST /api/v1/request/{request_id}/replay-to-url`'s answer. */
export const ReplayToUrlOut = Type.Object(
  {
    url: Type.String({ description: 'Where the request was sent' }),
    outcome: Type.Union([Type.Literal('response'), Type.Literal('timeout'), Type.Literal('connection')], {
      description: '`response`: any status came back; otherwise why none did',
    }),
    responseStatusCode: Type.Integer({ description: '0 without a response' }),
    response: Type.String({ description: 'The response body (up to 64 KiB), or why there was none' }),
    responseDurationMs: Type.Integer(),
  },
  { title: 'ReplayToUrlOut' },
);
