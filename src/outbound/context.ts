import type {
  FastifyInstance,
  FastifyBaseLogger,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from '../config/config.js';
import type { Application, Endpoint, EventType, Message } from '../core/types.js';
import { ConflictError, NotFoundError } from '../core/errors.js';
import type { ApplicationInput, Store } from '../store/store.js';

/** What every outbound route module is given. */
export interface OutboundDeps {
  config: Config;
  store: Store;
  /** Epoch ms; injectable so that tests control time. */
  now: () => number;
}

/** The Fastify instance with TypeBox typing of request bodies, queries and params. */
export type TypedApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** The application with this id or uid, or 404. */
export async function requireApplication(store: Store, ref: string): Promise<Application> {
  const app = await store.applications.get(ref);
  if (app === null) throw new NotFoundError('application');
  return app;
}

/** The endpoint with this id or uid in the application, or 404. */
export async function requireEndpoint(store: Store, appId: string, ref: string): Promise<Endpoint> {
  const endpoint = await store.endpoints.get(appId, ref);
  if (endpoint === null) throw new NotFoundError('endpoint');
  return endpoint;
}

/** The application and the endpoint (by id or uid) in it, or 404 for whichever is missing first. */
export async function requireAppEndpoint(
  store: Store,
  appRef: string,
  endpointRef: string,
): Promise<{ application: Application; endpoint: Endpoint }> {
  const application = await requireApplication(store, appRef);
  const endpoint = await requireEndpoint(store, application.id, endpointRef);
  return { application, endpoint };
}

/** The message with this id (or eventId) in the application, or 404. */
export async function requireMessage(store: Store, appId: string, ref: string): Promise<Message> {
  const message = await store.messages.get(appId, ref);
  if (message === null) throw new NotFoundError('message');
  return message;
}

/** The event type with this name, or 404 (as in Svix, also when sending an example). */
export async function requireEventType(store: Store, name: string): Promise<EventType> {
  const eventType = await store.eventTypes.get(name);
  if (eventType === null) throw new NotFoundError('event type');
  return eventType;
}

/** Whether a path ref is an application id (`app_...`) rather than a uid. */
export const isApplicationId = (ref: string): boolean => ref.startsWith('app_');

/** Whether a path ref is an endpoint id (`ep_...`) rather than a uid. */
export const isEndpointId = (ref: string): boolean => ref.startsWith('ep_');

/** A preValidation hook for routes whose body is optional: a missing (or null) body becomes `{}`. */
export async function emptyBodyAsObject(request: FastifyRequest): Promise<void> {
  if (request.body === undefined || request.body === null) request.body = {};
}

/**
 * The application named by `ref`; when it does not exist and `create` is given, creates it with
 * `ref` as its uid. An unknown `app_` id stays a 404: hookd cannot create an application with an
 * id of the caller's choosing. Two concurrent creators race on the uid: the loser reads the
 * winner's application.
 */
export async function getOrCreateApplication(
  deps: OutboundDeps,
  ref: string,
  create: ApplicationInput | null | undefined,
): Promise<Application> {
  const existing = await deps.store.applications.get(ref);
  if (existing !== null) return existing;
  if (!create || isApplicationId(ref)) throw new NotFoundError('application');
  try {
    return await deps.store.applications.create({ ...create, uid: ref }, deps.now());
  } catch (err) {
    if (err instanceof ConflictError) {
      const winner = await deps.store.applications.get(ref);
      if (winner !== null) return winner;
    }
    throw err;
  }
}
