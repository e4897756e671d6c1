import { Type } from 'typebox';
import { Nullable, StringMap } from '../http/schema-types.js';
import { ChannelName, DateTime, EventTypeName, Metadata, Uid } from './schemas.js';

/** TypeBox schemas of Svix's endpoint models: EndpointIn/Update/Patch/Out, headers, secrets, recovery. */

const Url = Type.String({ format: 'uri', minLength: 1, maxLength: 65536, examples: ['https://example.com/webhook/'] });
const EventTypeList = Nullable(Type.Array(EventTypeName, { minItems: 1, uniqueItems: true }));
const ChannelList = Nullable(Type.Array(ChannelName, { minItems: 1, maxItems: 10, uniqueItems: true }));
const ThrottleRateIn = Nullable(Type.Integer({ minimum: 1, maximum: 65535 }));
/** hookd extensions (not in Svix): see docs/svix-compatibility.md. */
const MaxConcurrencyIn = Nullable(
  Type.Integer({
    minimum: 1,
    maximum: 10000,
    description:
      'hookd extension: the most requests in flight to this endpoint at once, across every worker; null: the server default (HOOKD_ENDPOINT_CONCURRENCY, 16)',
  }),
);
const OrderedIn = Type.Boolean({
  description:
    "hookd extension: deliver in creation order: a message is attempted only after every earlier message's delivery to this endpoint succeeded or ended (failed for good, canceled). Manual resends are not ordered.",
});
/** Checked by `isValidSecret` (core/signing.ts) rather than a pattern: it also takes `whsk_` keys. */
const SecretIn = Nullable(Type.String({ minLength: 1, maxLength: 1024 }));

const endpointFields = {
  description: Type.Optional(Type.String()),
  uid: Type.Optional(Nullable(Uid)),
  disabled: Type.Optional(Type.Boolean()),
  eventTypes: Type.Optional(EventTypeList),
  /** Older name of `eventTypes`; accepted on input, never returned. */
  filterTypes: Type.Optional(EventTypeList),
  channels: Type.Optional(ChannelList),
  metadata: Type.Optional(Metadata),
  throttleRate: Type.Optional(ThrottleRateIn),
  /** Older name of `throttleRate`. */
  rateLimit: Type.Optional(ThrottleRateIn),
  maxConcurrency: Type.Optional(MaxConcurrencyIn),
  ordered: Type.Optional(OrderedIn),
};

export const EndpointIn = Type.Object(
  { url: Url, ...endpointFields, secret: Type.Optional(SecretIn), headers: Type.Optional(StringMap()) },
  { title: 'EndpointIn' },
);

export const EndpointUpdate = Type.Object({ url: Url, ...endpointFields }, { title: 'EndpointUpdate' });

export const EndpointPatch = Type.Object({ url: Type.Optional(Url), ...endpointFields }, { title: 'EndpointPatch' });

/** The fields of an endpoint that every view of it shows (EndpointOut, MessageEndpointOut). */
export const endpointOutFields = {
  id: Type.String(),
  uid: Nullable(Type.String()),
  url: Type.String(),
  description: Type.String(),
  disabled: Type.Boolean(),
  eventTypes: Nullable(Type.Array(Type.String())),
  channels: Nullable(Type.Array(Type.String())),
  throttleRate: Nullable(Type.Integer()),
  maxConcurrency: Type.Optional(MaxConcurrencyIn),
  ordered: Type.Optional(OrderedIn),
  createdAt: DateTime,
  updatedAt: DateTime,
};

/** hookd's extension: an endpoint's or a destination's circuit (docs/svix-compatibility.md). */
export const CircuitStateOut = Type.Unsafe<'closed' | 'open' | 'half-open'>({
  type: 'string',
  enum: ['closed', 'open', 'half-open'],
  description:
    "hookd: the endpoint's (or destination's) circuit. `open`: its recent attempts mostly failed, so its deliveries wait while one probe goes out now and then; `half-open`: a probe is out; `closed`: deliveries go.",
});

export const EndpointOut = Type.Object(
  { ...endpointOutFields, metadata: Metadata, circuitState: Type.Optional(CircuitStateOut) },
  { title: 'EndpointOut' },
);

export const EndpointHeadersIn = Type.Object({ headers: StringMap() }, { title: 'EndpointHeadersIn' });

export const EndpointHeadersPatchIn = Type.Object(
  {
    headers: Type.Unsafe<Record<string, string | null>>({
      type: 'object',
      additionalProperties: { type: ['string', 'null'] },
      description: 'Headers to set; `null` removes a header',
    }),
    deleteHeaders: Type.Optional(Type.Array(Type.String(), { description: 'Headers to remove' })),
  },
  { title: 'EndpointHeadersPatchIn' },
);

export const EndpointHeadersOut = Type.Object(
  {
    headers: StringMap({ description: 'Headers whose values are not credentials' }),
    sensitive: Type.Array(Type.String(), { description: 'Names of headers whose values are withheld' }),
  },
  { title: 'EndpointHeadersOut' },
);

export const EndpointSecretOut = Type.Object({ key: Type.String() }, { title: 'EndpointSecretOut' });

export const EndpointSecretRotateIn = Type.Object(
  {
    key: Type.Optional(SecretIn),
    gracePeriodSeconds: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 604800 }))),
  },
  { title: 'EndpointSecretRotateIn' },
);

export const RecoverIn = Type.Object(
  { since: DateTime, until: Type.Optional(Nullable(DateTime)) },
  { title: 'RecoverIn' },
);

export const RecoverOut = Type.Object(
  {
    id: Type.String(),
    status: Type.Unsafe<'running' | 'finished' | 'failed'>({ type: 'string', enum: ['running', 'finished', 'failed'] }),
    task: Type.String(),
    updatedAt: DateTime,
  },
  { title: 'RecoverOut' },
);

export const EventExampleIn = Type.Object(
  { eventType: EventTypeName, exampleIndex: Type.Optional(Type.Integer({ minimum: 0 })) },
  { title: 'EventExampleIn' },
);

export const EndpointStats = Type.Object(
  {
    success: Type.Integer(),
    pending: Type.Integer(),
    sending: Type.Integer(),
    fail: Type.Integer(),
    canceled: Type.Integer(),
    circuitState: Type.Optional(CircuitStateOut),
  },
  { title: 'EndpointStats' },
);

export const StatsQuery = Type.Object({ since: Type.Optional(DateTime), until: Type.Optional(DateTime) });
