import { setTimeout as sleep } from 'node:timers/promises';
import { METHODS } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/config.js';
import type { HeaderList } from '../core/types.js';
import type { Face } from '../http/face.js';
import { type ArrivedRequest, type IngestDeps, ingest } from './ingest.js';
import { readRawBody } from './raw-body.js';

/**
 * Fastify's refusals before a body parser runs, for requests `/in/*` takes as they are: a
 * `Content-Type` that is not a media type (415), a QUERY without one (400). The body is unread.
 */
const UNPARSED_BODY_ERRORS = new Set(['FST_ERR_CTP_INVALID_MEDIA_TYPE', 'FST_ERR_ROUTE_MISSING_CONTENT_TYPE']);

export interface IngestFaceDeps extends IngestDeps {
  config: Pick<Config, 'publicUrl' | 'maxInboundBodyBytes'>;
}

/**
 * The receive face: `/in/{source id or uid}[/any/sub/path]`, any method, any content type taken as
 * raw bytes up to `maxInboundBodyBytes`, no token (a source verifies its sender its own way). Every
 * request is stored before it is answered (see `ingest`). A body over the limit is answered 413
 * and stored rejected without its body.
 */
export function ingestFace(deps: IngestFaceDeps): Face {
  const base = deps.config.publicUrl.replace(/\/+$/, '');

  function arrived(req: FastifyRequest, body: Buffer, tooLargeBytes?: number): ArrivedRequest {
    const rawUrl = req.raw.url ?? '/';
    const { sourceRef, path } = splitUrl(rawUrl);
    return {
      sourceRef,
      method: req.method,
      path,
      url: base + rawUrl,
      headers: headerPairs(req.raw.rawHeaders),
      body,
      ...(tooLargeBytes === undefined ? {} : { tooLargeBytes }),
    };
  }

  /** Reads the body Fastify left unread (see `readRawBody`), then answers as for any request. */
  async function answerUnparsed(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const raw = await readRawBody(req.raw, deps.config.maxInboundBodyBytes);
    return 'body' in raw
      ? answer(reply, arrived(req, raw.body))
      : answer(reply, arrived(req, Buffer.alloc(0), raw.tooLargeBytes));
  }

  async function answer(reply: FastifyReply, request: ArrivedRequest): Promise<FastifyReply> {
    const result = await ingest(deps, request);
    // After the request is stored: the delay simulates a slow receiver, it never holds a write.
    if (result.delayMs) await sleep(result.delayMs);
    return reply.code(result.status).headers(result.headers).send(result.body);
  }

  return {
    name: 'ingest',
    prefix: '/in',
    async plugin(app) {
      app.removeAllContentTypeParsers();
      app.addContentTypeParser(
        '*',
        { parseAs: 'buffer', bodyLimit: deps.config.maxInboundBodyBytes },
        (_r, body, done) => done(null, body),
      );
      app.setErrorHandler(async (error: Error & { code?: string }, req, reply) => {
        if (error.code !== undefined && UNPARSED_BODY_ERRORS.has(error.code))
          return answerUnparsed(req, reply.code(200));
        if (error.code !== 'FST_ERR_CTP_BODY_TOO_LARGE') throw error;
        const declared = Number(req.headers['content-length']);
        const size = Number.isFinite(declared) ? declared : deps.config.maxInboundBodyBytes + 1;
        return answer(reply, arrived(req, Buffer.alloc(0), size));
      });
      // "Any method": Fastify routes only the common ones by default; the rest that Node's parser
      // knows (WebDAV's PROPFIND, PURGE, NOTIFY, SUBSCRIBE...) would get a 404 that stores nothing.
      // CONNECT is a tunnel, never a request to a path. The set is the server's, not this plugin's:
      // the other faces register their routes by method, so only /in/* gains them.
      for (const method of METHODS) {
        if (method !== 'CONNECT' && !app.supportedMethods.includes(method))
          app.addHttpMethod(method, { hasBody: true });
      }
      // GET, HEAD and TRACE bodies are not parsed by Fastify: read them here, so none is lost.
      const handler = (req: FastifyRequest, reply: FastifyReply) =>
        Buffer.isBuffer(req.body) ? answer(reply, arrived(req, req.body)) : answerUnparsed(req, reply);
      // For the OpenAPI document: no token (the source's own verification decides), any body.
      const schema = { tags: ['Ingest'], summary: "Receive a provider's request for a source", security: [] };
      app.all('/:source', { schema }, handler);
      app.all('/:source/*', { schema }, handler);
    },
  };
}

/** `/in/src_1/orders/7?x=1` → source `src_1`, path `/orders/7?x=1` (the ref percent-decoded). */
export function splitUrl(rawUrl: string): { sourceRef: string; path: string } {
  const rest = rawUrl.slice('/in/'.length);
  const end = rest.search(/[/?]/);
  const ref = end === -1 ? rest : rest.slice(0, end);
  let sourceRef = ref;
  try {
    sourceRef = decodeURIComponent(ref);
  } catch {
    // Not valid percent-encoding: no source has such a name; the lookup finds none.
  }
  return { sourceRef, path: end === -1 ? '' : rest.slice(end) };
}

/** Node's `rawHeaders` ([name, value, name, value...], as received) as ordered pairs. */
function headerPairs(raw: string[]): HeaderList {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i], raw[i + 1]]);
  return pairs;
}
