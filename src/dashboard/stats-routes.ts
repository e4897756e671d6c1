import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Config } from '../config/config.js';
import { ForbiddenError } from '../core/errors.js';
import { installApiEdge } from '../http/api-edge.js';
import { Nullable, withErrors } from '../http/schema-types.js';
import type { Store } from '../store/store.js';

const WINDOW_MS = { hour: 3_600_000, day: 86_400_000 } as const;

const StatsOut = Type.Object(
  {
    window: Type.Union([Type.Literal('hour'), Type.Literal('day')]),
    since: Type.String({ format: 'date-time' }),
    perMinute: Type.Array(
      Type.Object({ minute: Type.String({ format: 'date-time' }), success: Type.Integer(), fail: Type.Integer() }),
      { description: 'Minutes with attempts, oldest first' },
    ),
    success: Type.Integer(),
    fail: Type.Integer(),
    successRate: Nullable(Type.Number({ description: '0..1; null with no attempt' })),
    latencyP50Ms: Nullable(Type.Integer()),
    latencyP99Ms: Nullable(Type.Integer()),
    pending: Type.Integer(),
    sending: Type.Integer(),
    oldestDue: Nullable(Type.String({ format: 'date-time' })),
  },
  { title: 'DeliveryStatsOut' },
);

/**
 * The API edge of the dashboard's own routes (statistics, dead letters): admin tokens and the
 * dashboard session only; an app-portal token gets a 403.
 */
export function installAdminEdge(
  app: FastifyInstance,
  deps: { config: Pick<Config, 'adminToken'>; store: Store; now: () => number },
): Promise<void> {
  return installApiEdge(app, deps, {
    publicRoutes: new Set(),
    checkScope: async () => {
      throw new ForbiddenError('statistics and dead letters are for admin tokens only');
    },
  });
}

/**
 * `GET /api/v1/stats/deliveries?window=hour|day`: the overview's figures (attempts of messages
 * and events per minute by outcome, success rate, latency p50/p99, queue depth and the oldest due
 * delivery). Behind `installAdminEdge`.
 */
export function registerStatsRoutes(app: FastifyInstance, deps: { store: Store; now: () => number }): void {
  app.withTypeProvider<TypeBoxTypeProvider>().get(
    '/api/v1/stats/deliveries',
    {
      schema: {
        tags: ['Dashboard'],
        summary: 'Delivery statistics over the last hour or day',
        querystring: Type.Object({ window: Type.Optional(Type.Union([Type.Literal('hour'), Type.Literal('day')])) }),
        response: withErrors({ 200: StatsOut }),
      },
    },
    async (request) => {
      const window = request.query.window ?? 'hour';
      const since = deps.now() - WINDOW_MS[window];
      const stats = await deps.store.stats.deliveryStats(since);
      const ended = stats.success + stats.fail;
      return {
        window,
        since: new Date(since).toISOString(),
        perMinute: stats.perMinute.map((m) => ({ ...m, minute: new Date(m.minute).toISOString() })),
        success: stats.success,
        fail: stats.fail,
        successRate: ended === 0 ? null : stats.success / ended,
        latencyP50Ms: stats.latencyP50Ms,
        latencyP99Ms: stats.latencyP99Ms,
        pending: stats.pending,
        sending: stats.sending,
        oldestDue: stats.oldestDueAt === null ? null : new Date(stats.oldestDueAt).toISOString(),
      };
    },
  );
}
