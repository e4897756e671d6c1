import type { FastifyInstance } from 'fastify';
import { InvalidJsonError } from '../core/errors.js';

/** Deeper JSON than this is refused: JSON.parse copes, but JSON.stringify (storing, signing) overflows the stack. */
const MAX_JSON_DEPTH = 100;

/**
 * Makes JSON the only body type `app` (a face's encapsulated instance) takes: anything else is a
 * 415, and other faces keep their own parsers. An empty body with a JSON
 * content type is read as "no body" rather than an error, because clients, the svix SDKs among
 * them, send `Content-Type: application/json` on bodiless DELETE and GET requests.
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  // Fastify's own parser (secure-json-parse: refuses __proto__ and constructor.prototype keys).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (text === '') {
      done(null, undefined);
      return;
    }
    if (exceedsDepth(text, MAX_JSON_DEPTH)) {
      done(new InvalidJsonError(`JSON is nested deeper than ${MAX_JSON_DEPTH} levels`), undefined);
      return;
    }
    parseJson(request, text, done);
  });
}

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Whether brackets outside strings nest deeper than `max`. One pass; malformed text is left to the parser. */
export function exceedsDepth(text: string, max: number): boolean {
  // Nesting deeper than `max` needs more than `max` opening characters.
  if (text.length <= max) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}
