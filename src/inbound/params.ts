import { Type } from 'typebox';
import { Ref } from './schemas.js';

/** Path parameters: sources and destinations by id or uid; connections, requests and events by id. */
export const SourceParams = Type.Object({ source_id: Ref('The source id or uid') });
export const DestinationParams = Type.Object({ destination_id: Ref('The destination id or uid') });
export const ConnectionParams = Type.Object({ connection_id: Ref('The connection id') });
export const RequestParams = Type.Object({ request_id: Ref('The request id') });
export const EventParams = Type.Object({ event_id: Ref('The event id') });
