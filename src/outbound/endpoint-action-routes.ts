import { parseTime } from './query-filters.js';
import { ValidationError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { sendJsonText } from '../http/json-body.js';
import { withErrors } from '../http/schema-types.js';
import type { TimeRange } from '../store/store.js';
import { requireAppEndpoint, requireEventType, type OutboundDeps, type TypedApp } from './context.js';
import { EndpointStats, RecoverIn, RecoverOut, StatsQuery, EventExampleIn } from './endpoint-schemas.js';
import { MessageOut } from './message-schemas.js';
import { EndpointParams } from './params.js';
import { exampleText } from './send-example.js';
import { iso, messageJson } from './serialize.js';
import { circuitsOf } from './endpoint-circuits.js';

const tags = ['Endpoint'];

/**
 * Endpoint operations: recover failed messages, replay missing ones, send an example, stats.
 * Svix runs recover and replay as background tasks; hookd only re-queues rows, so it does the
 * work before answering and reports the task as already `finished`.
 */
export function registerEndpointActionRoutes(app: TypedApp, deps: OutboundDeps): void {
  const { store, now } = deps;
  const load = async (params: { app_id: string; endpoint_id: string }) =>
    (await requireAppEndpoint(store, params.app_id, params.endpoint_id)).endpoint;

  const taskRoute = (
    path: string,
    task: string,
    summary: string,
    run: (endpointId: string, range: TimeRange, now: number) => Promise<number>,
  ) =>
    app.post(
      `/api/v1/app/:app_id/endpoint/:endpoint_id/${path}`,
      { schema: { tags, summary, params: EndpointParams, body: RecoverIn, response: withErrors({ 202: RecoverOut }) } },
      async (request, reply) => {
        const endpoint = await load(request.params);
        const range = toRange(request.body.since, request.body.until, 'since', 'until');
        const at = now();
        await run(endpoint.id, range, at);
        return reply.code(202).send({ id: newId('qtask', at), status: 'finished' as const, task, updatedAt: iso(at) });
      },
    );
  taskRoute('recover', 'endpoint.recover', 'Resend the failed messages since a time', (id, range, at) =>
    store.requeue.recoverFailed(id, range, at),
  );
  taskRoute('replay-missing', 'endpoint.replay', 'Send the messages that never reached the endpoint', (id, range, at) =>
    store.requeue.replayMissing(id, range, at),
  );

  app.post(
    '/api/v1/app/:app_id/endpoint/:endpoint_id/send-example',
    {
      schema: {
        tags,
        summary: 'Send an example message to the endpoint only',
        description:
          'The payload is the event type\'s example (`examples[exampleIndex]` of its latest schema version, as its text was stored) or, without one, `{"example": true, "eventType": ...}`. ' +
          'A disabled endpoint is never sent to: the message is created and its delivery recorded as canceled.',
        params: EndpointParams,
        body: EventExampleIn,
        response: withErrors({ 200: MessageOut }),
      },
    },
    async (request, reply) => {
      const endpoint = await load(request.params);
      const eventType = await requireEventType(store, request.body.eventType);
      const payload = exampleText(eventType, request.body.exampleIndex ?? 0);
      const { message } = await store.messages.create(
        { appRef: endpoint.appId, eventType: eventType.name, payload, onlyEndpointId: endpoint.id },
        now(),
      );
      return sendJsonText(reply, 200, messageJson(message, true, payload));
    },
  );

  app.get(
    '/api/v1/app/:app_id/endpoint/:endpoint_id/stats',
    {
      schema: {
        tags,
        summary: "Counts of the endpoint's deliveries by status, and its circuit (hookd)",
        params: EndpointParams,
        querystring: StatsQuery,
        response: withErrors({ 200: EndpointStats }),
      },
    },
    async (request) => {
      const endpoint = await load(request.params);
      const counts = await store.endpoints.stats(
        endpoint.id,
        toRange(request.query.since, request.query.until, 'query.since', 'query.until'),
      );
      return {
        success: counts.success ?? 0,
        pending: counts.pending ?? 0,
        sending: counts.sending ?? 0,
        fail: counts.fail ?? 0,
        canceled: counts.canceled ?? 0,
        circuitState: (await circuitsOf(store, [endpoint])).get(endpoint.id),
      };
    },
  );
}

/** ISO strings (already format-checked) → a time range; `since` after `until` is a 422. */
function toRange(
  since: string | null | undefined,
  until: string | null | undefined,
  sinceField: string,
  untilField: string,
): TimeRange {
  const range: TimeRange = { since: parseTime(since, sinceField) ?? null, until: parseTime(until, untilField) ?? null };
  if (range.since != null && range.until != null && range.since > range.until) {
    throw new ValidationError(`${sinceField} must not be later than ${untilField}`, sinceField);
  }
  return range;
}
