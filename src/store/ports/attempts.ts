import type { Attempt, DeliveryStatus, Endpoint, Message } from '../../core/types.js';
import type { Page, PageQuery } from './common.js';

export interface AttemptQuery extends PageQuery {
  msgId?: string;
  endpointId?: string;
  status?: 'success' | 'fail';
  /**
   * Svix's StatusCodeClass: 0 for attempts that got no response (status code 0), else 100, 200,
   * 300, 400 or 500 for response codes in [class, class + 100).
   */
  statusCodeClass?: number;
  /** Attempts whose message has this channel / one of these event types. */
  channel?: string;
  eventTypes?: string[];
  before?: number;
  after?: number;
}

export interface EndpointMessageQuery extends PageQuery {
  status?: DeliveryStatus;
  channel?: string;
  eventTypes?: string[];
  before?: number;
  after?: number;
}

export interface EndpointMessage {
  message: Message;
  status: DeliveryStatus;
  nextAttemptAt: number | null;
}

export interface MessageDestination {
  endpoint: Endpoint;
  status: DeliveryStatus;
  nextAttemptAt: number | null;
}

/** The attempt log, and the views of deliveries that the Svix attempt API lists. */
export interface AttemptStore {
  list(appId: string, query: AttemptQuery): Promise<Page<Attempt>>;
  get(appId: string, msgId: string, attemptId: string): Promise<Attempt | null>;
  expungeContent(appId: string, msgId: string, attemptId: string): Promise<void>;
  /** Messages that have a delivery to the endpoint, newest first, with that delivery's state. */
  endpointMessages(appId: string, endpointId: string, query: EndpointMessageQuery): Promise<Page<EndpointMessage>>;
  /** Endpoints that the message has a delivery to, with the latest delivery's state. */
  messageDestinations(appId: string, msgId: string, page: PageQuery): Promise<Page<MessageDestination>>;
}
