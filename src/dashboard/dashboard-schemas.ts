import { Type } from 'typebox';
import { EventTypeName } from '../outbound/schemas.js';

/*
 * Bodies of the dashboard's own routes. TypeBox only (no server import), so that the browser app
 * can take their types (`Static<typeof DeadLetterOut>`) without drift.
 */

export const DeadLetterFilter = {
  app: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: "The application's id or uid" })),
  endpoint: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: "The endpoint's id" })),
  event_type: Type.Optional(EventTypeName),
};

export const DeadLetterOut = Type.Object(
  {
    id: Type.String({ description: "The delivery's id" }),
    kind: Type.Literal('message'),
    appId: Type.String(),
    endpointId: Type.String(),
    url: Type.String({ description: "The endpoint's URL" }),
    msgId: Type.String(),
    eventType: Type.String(),
    attemptCount: Type.Integer(),
    createdAt: Type.String({ format: 'date-time' }),
    failedAt: Type.String({ format: 'date-time' }),
  },
  { title: 'DeadLetterOut' },
);

export const DeadLetterRetryIn = Type.Object(
  {
    ...DeadLetterFilter,
    ids: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
        minItems: 1,
        maxItems: 250,
        description: 'These deliveries only',
      }),
    ),
  },
  { additionalProperties: false, title: 'DeadLetterRetryIn' },
);
