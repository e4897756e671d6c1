import { Type } from 'typebox';
import { JsonObject, Nullable } from '../../http/schema-types.js';
import { Ref } from '../schemas.js';

/** A device name: what `--name` may be (it becomes part of the destination's uid). */
const Device = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9._-]+$',
  description: "The session's stable name (`hookd listen --name`, by default the host name)",
});
const MAX_URL_CHARS = 2048;
/** As the engine keeps a response: 64 KiB at most. */
const MAX_REPORTED_RESPONSE_CHARS = 64 * 1024;

export const ListenParams = Type.Object({ source_id: Ref('The source id or uid'), device: Device });

export const ListenOpenIn = Type.Object({
  forwardTo: Type.String({
    minLength: 1,
    maxLength: MAX_URL_CHARS,
    description: 'The local URL the CLI forwards to (hookd never connects to it; attempts show it)',
  }),
  filter: Type.Optional(Nullable(JsonObject({ description: "The connection's filter (hookd's filter language)" }))),
  replay: Type.Optional(
    Type.Boolean({ description: 'false: cancel the events still waiting for this device (`--no-replay`)' }),
  ),
});

export const ListenOpenOut = Type.Object({
  source: Type.String(),
  device: Type.String(),
  destination: Type.String({ description: "The device's CLI destination (kind `cli`)" }),
  connection: Type.String(),
  skipped: Type.Integer({ description: 'Waiting events canceled (`replay: false`)' }),
});

export const ListenOutcomeIn = Type.Object({
  session: Type.String({ minLength: 1, maxLength: 64, description: 'The id the stream gave (`event: session`)' }),
  event: Type.String({ minLength: 1, maxLength: 64 }),
  url: Type.String({ minLength: 1, maxLength: MAX_URL_CHARS }),
  statusCode: Type.Integer({ minimum: 0, maximum: 999, description: '0 when no response came' }),
  response: Type.String({ maxLength: MAX_REPORTED_RESPONSE_CHARS }),
  durationMs: Type.Number({ minimum: 0, maximum: 86_400_000 }),
  error: Type.Optional(Type.Union([Type.Literal('connection'), Type.Literal('timeout')])),
});

export const ListenOutcomeOut = Type.Object({
  status: Type.String({ description: "The event's state after this attempt: success, pending (a retry), fail" }),
  nextAttempt: Nullable(Type.String({ format: 'date-time' })),
});
