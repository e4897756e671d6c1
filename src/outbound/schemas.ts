import { Type } from 'typebox';
import { JsonObject, Nullable, StringMap } from '../http/schema-types.js';

/**
 * TypeBox schemas of the Svix API v1 models (same names, fields, patterns and limits as Svix's
 * OpenAPI document), for validation, fast response serialization and hookd's own OpenAPI
 * document. Endpoint models are in endpoint-schemas.ts, message and attempt models in
 * message-schemas.ts.
 */

/** Svix's pattern for uids, event type names, channels and event ids. */
export const ID_PATTERN = '^[a-zA-Z0-9\\-_.]+$';

export const Uid = Type.String({ minLength: 1, maxLength: 256, pattern: ID_PATTERN });
export const EventTypeName = Type.String({
  minLength: 1,
  maxLength: 256,
  pattern: ID_PATTERN,
  examples: ['user.signup'],
});
export const ChannelName = Type.String({ minLength: 1, maxLength: 128, pattern: ID_PATTERN });
export const DateTime = Type.String({ format: 'date-time' });
export const Metadata = StringMap();
const FeatureFlag = Type.String({ maxLength: 256, pattern: ID_PATTERN });
/** Svix's `format: uint16` with its own lower bound. */
const ThrottleRateIn = Nullable(
  Type.Integer({ minimum: 1, maximum: 65535, description: 'Maximum messages per second to send' }),
);

// --- applications -----------------------------------------------------------------------------

const ApplicationName = Type.String({ minLength: 1 });
const applicationFields = {
  uid: Type.Optional(Nullable(Uid)),
  metadata: Type.Optional(Metadata),
  throttleRate: Type.Optional(ThrottleRateIn),
  /** Older name of `throttleRate`. */
  rateLimit: Type.Optional(ThrottleRateIn),
};

export const ApplicationIn = Type.Object({ name: ApplicationName, ...applicationFields }, { title: 'ApplicationIn' });
export const ApplicationPatch = Type.Object(
  { name: Type.Optional(ApplicationName), ...applicationFields },
  { title: 'ApplicationPatch' },
);

export const ApplicationOut = Type.Object(
  {
    id: Type.String(),
    uid: Nullable(Type.String()),
    name: Type.String(),
    metadata: Metadata,
    throttleRate: Nullable(Type.Integer()),
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { title: 'ApplicationOut' },
);

// --- event types ------------------------------------------------------------------------------

/** JSON schemas by version (`{"1": {...}}`). */
export const EventTypeSchemas = Nullable(
  Type.Unsafe<Record<string, unknown>>({
    type: 'object',
    additionalProperties: { type: 'object', additionalProperties: true },
  }),
);

const eventTypeFields = {
  archived: Type.Optional(Type.Boolean()),
  deprecated: Type.Optional(Type.Boolean()),
  featureFlag: Type.Optional(Nullable(FeatureFlag)),
  /** Newer SDKs send a list; hookd keeps one flag, the first. */
  featureFlags: Type.Optional(Nullable(Type.Array(FeatureFlag, { maxItems: 1 }))),
  schemas: Type.Optional(EventTypeSchemas),
};

export const EventTypeIn = Type.Object(
  { name: EventTypeName, description: Type.String(), ...eventTypeFields },
  { title: 'EventTypeIn' },
);
export const EventTypeUpdate = Type.Object(
  { description: Type.String(), ...eventTypeFields },
  { title: 'EventTypeUpdate' },
);
export const EventTypePatch = Type.Object(
  { description: Type.Optional(Type.String()), ...eventTypeFields },
  { title: 'EventTypePatch' },
);

export const EventTypeOut = Type.Object(
  {
    name: Type.String(),
    description: Type.String(),
    archived: Type.Boolean(),
    deprecated: Type.Boolean(),
    featureFlag: Nullable(Type.String()),
    featureFlags: Nullable(Type.Array(Type.String())),
    schemas: EventTypeSchemas,
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { title: 'EventTypeOut' },
);

// --- app portal -------------------------------------------------------------------------------

export const AppPortalAccessIn = Type.Object(
  {
    application: Type.Optional(Nullable(ApplicationIn)),
    /** Seconds the token is valid; default 7 days. */
    expiry: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 30 * 24 * 3600 }))),
    featureFlags: Type.Optional(Type.Array(FeatureFlag)),
    readOnly: Type.Optional(Nullable(Type.Boolean())),
    sessionId: Type.Optional(Nullable(Type.String({ maxLength: 256 }))),
  },
  { title: 'AppPortalAccessIn' },
);

export const AppPortalAccessOut = Type.Object(
  { token: Type.String(), url: Type.String() },
  { title: 'AppPortalAccessOut' },
);

/** A free-form JSON object (message payloads). */
export const Payload = JsonObject({ description: 'The message payload, a JSON object' });
