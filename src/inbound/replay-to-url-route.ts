import { Type } from 'typebox';
import { ConflictError, ValidationError } from '../core/errors.js';
import { endToEndHeaders, forwardUrl } from '../delivery/event-request.js';
import type { HttpSender } from '../delivery/http-sender.js';
import { validateEndpointUrl } from '../delivery/ssrf-guard.js';
import { withErrors } from '../http/schema-types.js';
import type { TypedApp } from '../outbound/context.js';
import { type ReceiveApiDeps, requireRequest } from './context.js';
import { RequestParams } from './params.js';
import { ReplayToUrlOut } from './schemas.js';

const ReplayToUrlIn = Type.Object(
  {
    url: Type.String({
      minLength: 1,
      maxLength: 65_536,
      description: "http(s); the request's sub-path and query are appended, as for a destination",
    }),
  },
  { title: 'ReplayToUrlIn' },
);

/**
 * `POST /api/v1/request/{request_id}/replay-to-url {url}`: sends the stored request once to a URL
 * the operator names, and answers with what came back. The request goes out as a destination's
 * forward would (method, end-to-end headers in order, the body byte for byte, the sub-path and
 * query appended to `url`, `x-hookd-request-id` added), through the engine's HTTP sender: the
 * same SSRF guard (IP literals refused here, every resolved address at connect time;
 * `HOOKD_ALLOWED_NETWORKS` exempts), no redirects, the request timeout. Nothing is stored: it is
 * not an event of any destination. Unlike a replay to connections, a rejected request may be sent
 * (the operator chose the URL), but never one whose body was not kept (too large, or expired): 409.
 * A refused address is the caller's URL: 422 on `url`.
 */
export function registerReplayToUrlRoute(app: TypedApp, deps: ReceiveApiDeps & { sender: HttpSender }): void {
  const { store, config, sender } = deps;
  app.post(
    '/api/v1/request/:request_id/replay-to-url',
    {
      config: { keepsRoutes: true },
      schema: {
        tags: ['Request'],
        summary: 'Replay a request to a URL',
        description:
          'Sends the request once to `url` (sub-path and query appended, as a destination) and answers with the response. Nothing is stored. The SSRF rules of delivery apply.',
        params: RequestParams,
        body: ReplayToUrlIn,
        response: withErrors({ 200: ReplayToUrlOut }),
      },
    },
    async (request) => {
      const received = await requireRequest(store, request.params.request_id);
      if (received.prunedAt != null || received.body.length !== received.bodySize)
        throw new ConflictError('the body of this request was not kept (too large, or expired): nothing to replay');
      const problem = validateEndpointUrl(request.body.url, config.allowedNetworks);
      if (problem !== null) throw new ValidationError(problem.replace(/^endpoint URL/, 'url'), 'url');
      const url = forwardUrl(request.body.url, received.path);
      const result = await sender.send({
        method: received.method,
        url,
        headers: [...endToEndHeaders(received.headers), ['x-hookd-request-id', received.id]],
        body: received.body,
      });
      if (result.kind === 'response')
        return {
          url,
          outcome: 'response' as const,
          responseStatusCode: result.statusCode,
          response: result.body,
          responseDurationMs: result.durationMs,
        };
      if (result.error === 'refused') throw new ValidationError(result.detail.replace(/^endpoint URL/, 'url'), 'url');
      return {
        url,
        outcome: result.error,
        responseStatusCode: 0,
        response: result.detail,
        responseDurationMs: result.durationMs,
      };
    },
  );
}
