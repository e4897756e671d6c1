import { withErrors } from '../http/schema-types.js';
import type { TypedApp } from '../outbound/context.js';
import type { StoredRequestNote } from '../store/store.js';
import { type ReceiveApiDeps, requireSource } from './context.js';
import { SourceParams } from './params.js';
import { requestOut } from './serialize.js';

/** A comment line this often keeps proxies and load balancers from closing an idle stream. */
const HEARTBEAT_MS = 15_000;

/**
 * `GET /api/v1/source/{id}/request/stream`: the source's new requests, live, as server-sent
 * events (https://html.spec.whatwg.org/multipage/server-sent-events.html): one `event: request`
 * per request as it is committed (accepted, rejected or a handshake), `id:` its id, `data:` the
 * request as `GET /api/v1/request/{id}` shows it. On PostgreSQL it carries the requests every
 * process stores (NOTIFY). Events go out in commit order; a comment line every 15 s keeps the
 * connection open through proxies.
 */
export function registerRequestStreamRoute(app: TypedApp, deps: ReceiveApiDeps): void {
  const { store } = deps;
  // Open streams never end by themselves: closing the server ends them (else close would wait on them).
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });
  app.get(
    '/api/v1/source/:source_id/request/stream',
    {
      schema: {
        tags: ['Request'],
        summary: "Stream a source's new requests (server-sent events)",
        params: SourceParams,
        response: withErrors({}),
      },
    },
    async (request, reply) => {
      const source = await requireSource(store, request.params.source_id);
      reply.hijack();
      const out = reply.raw;
      out.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        'x-accel-buffering': 'no',
        'x-request-id': String(request.id),
      });
      out.write(': connected\n\n');
      // Reads are chained so that events leave in the order the requests were committed.
      let sending = Promise.resolve();
      const send = (note: StoredRequestNote) => {
        if (note.sourceId !== source.id) return;
        sending = sending.then(async () => {
          const stored = await store.requests.getRequest(note.requestId).catch(() => null);
          if (stored === null || out.writableEnded) return;
          out.write(`event: request\nid: ${stored.id}\ndata: ${JSON.stringify(requestOut(stored))}\n\n`);
        });
      };
      const unsubscribe = store.inbound.onRequest(send);
      const heartbeat = setInterval(() => out.write(': ping\n\n'), HEARTBEAT_MS);
      heartbeat.unref();
      const close = () => {
        unsubscribe();
        clearInterval(heartbeat);
        open.delete(end);
      };
      const end = () => {
        close();
        out.end();
      };
      open.add(end);
      request.raw.on('close', close);
      out.on('close', close);
    },
  );
}
