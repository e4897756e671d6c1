import { ConflictError, NotFoundError, ValidationError } from '../../core/errors.js';
import type { Destination } from '../../core/types.js';
import { withErrors } from '../../http/schema-types.js';
import type { TypedApp } from '../../outbound/context.js';
import type { Store } from '../../store/store.js';
import { type ReceiveApiDeps, requireEvent, requireSource } from '../context.js';
import { memberTextOf } from '../../http/json-body.js';
import { checkFilter } from '../setting-checks.js';
import { ListenHub } from './listen-hub.js';
import { recordListenOutcome } from './listen-outcome.js';
import { ListenOutcomeIn, ListenOutcomeOut, ListenOpenIn, ListenOpenOut, ListenParams } from './listen-schemas.js';
import { ListenSession } from './listen-session.js';

const tags = ['Listen'];
/** A comment line this often keeps proxies and load balancers from closing an idle stream. */
const HEARTBEAT_MS = 15_000;

/**
 * `hookd listen`'s three routes, under a source and a device name (admin tokens, as all of the
 * receive API): PUT opens (or re-opens) the device's CLI destination and connection; GET `/stream`
 * streams its events as server-sent events; POST `/outcome` reports one event's local response,
 * recorded as its attempt. See docs/api.md and docs/cli.md.
 */
export function registerListenRoutes(app: TypedApp, deps: ReceiveApiDeps): void {
  const { store, now } = deps;
  const hub = new ListenHub();
  app.addHook('preClose', async () => hub.endAll());

  app.put(
    '/api/v1/source/:source_id/listen/:device',
    {
      schema: {
        tags,
        summary: "Open a device's listen session on a source",
        description:
          'Creates (or updates) the CLI destination of this device and its connection from the source, with the ' +
          'filter given. Events wait for the device while no session is connected; `replay: false` cancels those ' +
          'waiting now.',
        params: ListenParams,
        body: ListenOpenIn,
        response: withErrors({ 200: ListenOpenOut }),
      },
    },
    async (request) => {
      const source = await requireSource(store, request.params.source_id);
      const { forwardTo, filter, replay } = request.body;
      checkForwardUrl(forwardTo);
      const checked = filter == null ? null : checkFilter(filter);
      const device = request.params.device;
      const filterText = checked === null ? null : (memberTextOf(request.body, 'filter') ?? null);
      const target = await store.listen.open(
        { sourceId: source.id, device, forwardTo, filter: checked, filterText },
        now(),
      );
      const skipped = replay === false ? await store.listen.skipBacklog(target.destination.id, now()) : 0;
      return {
        source: source.id,
        device,
        destination: target.destination.id,
        connection: target.connection.id,
        skipped,
      };
    },
  );

  app.get(
    '/api/v1/source/:source_id/listen/:device/stream',
    {
      schema: {
        tags,
        summary: "Stream a device's events (server-sent events)",
        description:
          'First `event: session` (`{session, destination, timeoutMs}`: how long a local response may take), then one `event: request` per event, oldest ' +
          "first, each after the previous one's outcome was reported: `{event, request, attempt, method, path, " +
          'headers, body (base64), receivedAt}`. 409 when this device already has a session on this server.',
        params: ListenParams,
        response: withErrors({}),
      },
    },
    async (request, reply) => {
      const source = await requireSource(store, request.params.source_id);
      const destination = await requireListenDestination(store, source.id, request.params.device);
      const connection = (
        await store.connections.list({ sourceId: source.id, destinationId: destination.id }, { limit: 1 })
      ).data[0];
      if (connection === undefined) throw new NotFoundError('listen session (open it with PUT first)');
      const out = reply.raw;
      const session = new ListenSession(
        deps,
        { destination, connection },
        (chunk) => {
          if (!out.writableEnded) out.write(chunk);
        },
        () => out.end(),
      );
      hub.add(session);
      reply.hijack();
      out.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        'x-accel-buffering': 'no',
        'x-request-id': String(request.id),
      });
      const hello = {
        session: session.id,
        destination: destination.id,
        timeoutMs: destination.timeoutMs ?? deps.config.requestTimeoutMs,
      };
      out.write(`event: session\ndata: ${JSON.stringify(hello)}\n\n`);
      const heartbeat = setInterval(() => out.write(': ping\n\n'), HEARTBEAT_MS);
      heartbeat.unref();
      const close = () => {
        clearInterval(heartbeat);
        session.stop();
      };
      request.raw.on('close', close);
      out.on('close', close);
      void session.run().finally(() => hub.remove(session));
    },
  );

  app.post(
    '/api/v1/source/:source_id/listen/:device/outcome',
    {
      config: { keepsRoutes: true },
      schema: {
        tags,
        summary: "Report an event's local response",
        description:
          "Recorded as the event's attempt (GET /api/v1/event/{id}/attempt), and the event goes on as any other: " +
          "done on a 2xx, else retried by the destination's schedule. 409 when the event is no longer leased to " +
          'this session (its lease ended, or another session took the device over).',
        params: ListenParams,
        body: ListenOutcomeIn,
        response: withErrors({ 200: ListenOutcomeOut }),
      },
    },
    async (request) => {
      const source = await requireSource(store, request.params.source_id);
      const destination = await requireListenDestination(store, source.id, request.params.device);
      const { session, event: eventId, ...report } = request.body;
      const event = await requireEvent(store, eventId);
      if (event.destinationId !== destination.id) throw new NotFoundError('event');
      if (!(await store.listen.isLeased(event.id, session)))
        throw new ConflictError('the event is no longer leased to this session: it will be streamed again');
      const next = await recordListenOutcome(deps, session, event, report);
      hub.reported(session, event.id);
      return {
        status: next.status,
        nextAttempt: next.nextAttemptAt === null ? null : new Date(next.nextAttemptAt).toISOString(),
      };
    },
  );
}

/** The device's CLI destination on the source, or 404. */
async function requireListenDestination(store: Store, sourceId: string, device: string): Promise<Destination> {
  const destination = await store.destinations.get(`listen_${sourceId}_${device}`);
  if (destination === null || destination.kind !== 'cli')
    throw new NotFoundError('listen session (open it with PUT first)');
  return destination;
}

/** An http(s) URL: where the CLI forwards (hookd itself never connects to it, so no address rule applies). */
function checkForwardUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ValidationError('forwardTo must be an absolute http(s) URL', 'forwardTo');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new ValidationError('forwardTo must be an http(s) URL', 'forwardTo');
}
