import type { FastifyInstance, FastifyReply } from 'fastify';
import { InvalidJsonError } from '../core/errors.js';
import { checkJsonText, memberText } from '../core/json-text.js';

/** Deeper JSON than this is refused: JSON.parse copes, but JSON.stringify (storing, signing) overflows the stack. */
const MAX_JSON_DEPTH = 100;

/** The text each parsed body (an object or array) was parsed from; gone with the body. */
const sourceTexts = new WeakMap<object, string>();

/**
 * Makes JSON the only body type `app` (a face's encapsulated instance) takes: anything else is a
 * 415, and other faces keep their own parsers. An empty body with a JSON
 * content type is read as "no body" rather than an error, because clients, the svix SDKs among
 * them, send `Content-Type: application/json` on bodiless DELETE and GET requests.
 *
 * Parsed with `JSON.parse`, which makes every member an own data property: `__proto__`,
 * `constructor` and `prototype` are ordinary names (RFC 8259), kept, and pollute nothing (Fastify's
 * default parser refuses them). A number that is not a finite double (`1e400`) is a 400
 * `invalid_json`, as in Svix, instead of turning into `null`. The source text stays reachable
 * through `bodyTextOf`, for members that must not be re-serialized (a message's payload).
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text === '') {
      done(null, undefined);
      return;
    }
    const problem = checkJsonText(text, MAX_JSON_DEPTH);
    if (problem !== null) {
      done(new InvalidJsonError(problem), undefined);
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      done(new InvalidJsonError('request body is not valid JSON'), undefined);
      return;
    }
    if (typeof parsed === 'object' && parsed !== null) sourceTexts.set(parsed, text);
    done(null, parsed);
  });
}

/** The JSON text `body` was parsed from by this parser, or `undefined` for any other value. */
export function bodyTextOf(body: unknown): string | undefined {
  return typeof body === 'object' && body !== null ? sourceTexts.get(body) : undefined;
}

/**
 * The JSON text of member `name` of a parsed body, as the customer wrote it (whitespace between
 * tokens removed: core/json-text.ts `memberText`), so that no number changes on the way; `undefined`
 * when the body has no such member. A body that did not come through this parser (never, on the
 * faces that install it) has its member serialized instead.
 */
export function memberTextOf(body: object, name: string): string | undefined {
  const text = bodyTextOf(body);
  if (text !== undefined) return memberText(text, name);
  const value = (body as Record<string, unknown>)[name];
  return value === undefined ? undefined : JSON.stringify(value);
}

/**
 * Sends `text`, already JSON, as the response body: Fastify sends a string with a JSON content
 * type as is, past the route's response serializer (whose schema still documents the shape).
 */
export function sendJsonText(reply: FastifyReply, statusCode: number, text: string): FastifyReply {
  return reply.code(statusCode).type('application/json; charset=utf-8').send(text);
}
