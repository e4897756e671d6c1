import { Type } from 'typebox';
import { Nullable, StringMap } from '../http/schema-types.js';
import { ApplicationIn, ChannelName, DateTime, EventTypeName, Payload, Uid } from './schemas.js';
import { endpointOutFields } from './endpoint-schemas.js';

/** TypeBox schemas of Svix's message and attempt models. */

export const MessageIn = Type.Object(
  {
    eventType: EventTypeName,
    payload: Payload,
    eventId: Type.Optional(Nullable(Uid)),
    channels: Type.Optional(Nullable(Type.Array(ChannelName, { minItems: 1, maxItems: 5, uniqueItems: true }))),
    /** Creates the application named in the path when it does not exist yet. */
    application: Type.Optional(Nullable(ApplicationIn)),
    // Days. Svix's schema says 5-90; hookd also takes shorter periods (1-4), which a Svix client can send too.
    payloadRetentionPeriod: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 90 }))),
  },
  { title: 'MessageIn' },
);

const messageFields = {
  id: Type.String(),
  eventType: Type.String(),
  eventId: Nullable(Type.String()),
  channels: Nullable(Type.Array(Type.String())),
  /** `{}` once expunged, or when the request asked `with_content=false`. */
  payload: Payload,
  timestamp: DateTime,
};

export const MessageOut = Type.Object(messageFields, { title: 'MessageOut' });

/**
 * Svix's MessageStatus: 0 success, 1 pending, 2 fail, 3 sending, and 4 canceled for clients
 * that ask `expanded_statuses=true` (older clients know only 0-3 and see canceled as fail).
 */
const MessageStatus = Type.Unsafe<0 | 1 | 2 | 3 | 4>({ type: 'integer', enum: [0, 1, 2, 3, 4] });
const MessageStatusText = Type.Unsafe<'success' | 'pending' | 'fail' | 'sending' | 'canceled'>({
  type: 'string',
  enum: ['success', 'pending', 'fail', 'sending', 'canceled'],
});
const deliveryState = {
  status: MessageStatus,
  statusText: MessageStatusText,
  nextAttempt: Nullable(DateTime),
};

export const EndpointMessageOut = Type.Object({ ...messageFields, ...deliveryState }, { title: 'EndpointMessageOut' });

export const MessageEndpointOut = Type.Object(
  { ...endpointOutFields, ...deliveryState },
  { title: 'MessageEndpointOut' },
);

export const MessageAttemptOut = Type.Object(
  {
    id: Type.String(),
    msgId: Type.String(),
    endpointId: Type.String(),
    url: Type.String(),
    response: Type.String(),
    responseStatusCode: Type.Integer(),
    responseDurationMs: Type.Integer(),
    status: MessageStatus,
    statusText: MessageStatusText,
    triggerType: Type.Unsafe<0 | 1>({ type: 'integer', enum: [0, 1], description: '0 scheduled, 1 manual' }),
    timestamp: DateTime,
    /** With `with_msg=true`; its payload is `{}` (as in Svix, never included here). */
    msg: Type.Optional(MessageOut),
    requestHeaders: Type.Optional(
      StringMap({ description: 'hookd: the headers the attempt sent (credentials redacted); with content only' }),
    ),
  },
  { title: 'MessageAttemptOut' },
);

// --- query strings ------------------------------------------------------------------------------

/**
 * `event_types` as the svix SDKs send it (one comma-separated value) or as repeated parameters;
 * the route splits on commas, so commas are allowed here and names are checked after the split.
 */
export const EventTypesQuery = Type.Array(Type.String({ pattern: '^[a-zA-Z0-9\\-_.,]+$', maxLength: 4096 }), {
  maxItems: 100,
});

/** Filters shared by the message and attempt lists. */
export const TimeFilterQuery = {
  before: Type.Optional(DateTime),
  after: Type.Optional(DateTime),
};

export const WithContentQuery = Type.Boolean({ default: true, description: 'Include payloads / response bodies' });
/** Svix's StatusCodeClass: 0 no response, else the hundred of the response's status code. */
export const StatusCodeClassQuery = Type.Unsafe<0 | 100 | 200 | 300 | 400 | 500>({
  type: 'integer',
  enum: [0, 100, 200, 300, 400, 500],
  description: 'StatusCodeClass: 0 no response, 100, 200, 300, 400 or 500 for that hundred of status codes',
});

/** Svix's message tags: hookd stores none, so a `tag` filter matches nothing (an empty list, never every row). */
export const TagQuery = Type.String({
  maxLength: 128,
  pattern: '^[a-zA-Z0-9\\-_./\\\\#]+$',
  description: 'Messages with this tag; hookd stores no tags, so this matches nothing',
});

export const StatusQuery = Type.Integer({
  minimum: 0,
  maximum: 4,
  description: 'MessageStatus: 0 success, 1 pending, 2 fail, 3 sending, 4 canceled',
});
