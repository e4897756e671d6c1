import { Type } from 'typebox';
import { EventTypeName, ID_PATTERN } from './schemas.js';

/** Path parameters. `{app_id}` and `{endpoint_id}` take an id or a uid; `{msg_id}` an id or an eventId. */

const Ref = (description: string) => Type.String({ minLength: 1, maxLength: 256, pattern: ID_PATTERN, description });

export const AppParams = Type.Object({ app_id: Ref('The application id or uid') });
export const EndpointParams = Type.Object({ ...AppParams.properties, endpoint_id: Ref('The endpoint id or uid') });
export const MessageParams = Type.Object({ ...AppParams.properties, msg_id: Ref('The message id or eventId') });
export const AttemptParams = Type.Object({ ...MessageParams.properties, attempt_id: Ref('The attempt id') });
export const MessageEndpointParams = Type.Object({
  ...MessageParams.properties,
  endpoint_id: Ref('The endpoint id or uid'),
});
export const EventTypeParams = Type.Object({ event_type_name: EventTypeName });
