/**
 * JSON as text: what `JSON.parse` loses, read from the source instead (RFC 8259).
 *
 * `JSON.parse` turns every number into a double: `12345678901234567890` loses digits, `1e400`
 * becomes `Infinity` (and `JSON.stringify` then writes `null`), `1.0` becomes `1`. A message's
 * payload must reach the endpoint number for number, so hookd never re-serializes it: it keeps
 * the payload's source text (`memberText`), compacted, and refuses bodies whose numbers are not
 * finite doubles (`checkJsonText`), as Svix does. Node 20 has no `JSON.rawJSON` nor reviver
 * source access, hence this scanner.
 *
 * Member names need no care here: `JSON.parse` creates every member as an own data property
 * (CreateDataProperty), so `"__proto__"`, `"constructor"` and `"prototype"` are plain keys that
 * neither pollute a prototype nor vanish.
 */

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;

/** A double overflows only from an exponent or this many integer digits (1.8e308 has 309). */
const FINITE_DIGITS = 309;

const isWhitespace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
/** What ends a number or a literal: whitespace, `,`, `:`, `]`, `}`. */
const isDelimiter = (c: number) =>
  isWhitespace(c) || c === 0x2c || c === COLON || c === CLOSE_BRACKET || c === CLOSE_BRACE;

/**
 * Why `text` should be refused before parsing, or null: brackets outside strings nested deeper
 * than `maxDepth`, or a number that is not a finite double (`1e400`, `-1e999`, 400 digits).
 * One pass; malformed text is left to the parser.
 */
export function checkJsonText(text: string, maxDepth: number): string | null {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = stringEnd(text, i) - 1;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) return `JSON is nested deeper than ${maxDepth} levels`;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    } else if (c === MINUS || (c >= ZERO && c <= NINE)) {
      const end = scalarEnd(text, i);
      if (!isFiniteNumber(text, i, end)) {
        const shown = end - i > 40 ? `${text.slice(i, i + 40)}…` : text.slice(i, end);
        return `the number ${shown} is out of range: JSON numbers must be finite (at most ±1.7976931348623157e308)`;
      }
      i = end - 1;
    }
  }
  return null;
}

function isFiniteNumber(text: string, start: number, end: number): boolean {
  if (end - start < FINITE_DIGITS) {
    let exponent = false;
    for (let i = start; i < end && !exponent; i++) exponent = (text.charCodeAt(i) | 0x20) === 0x65;
    if (!exponent) return true;
  }
  return Number.isFinite(Number(text.slice(start, end)));
}

/**
 * The source text of member `name` of the top-level object in `text`, with the whitespace
 * between tokens removed; `undefined` when there is no such member. The last of repeated
 * members wins, as with `JSON.parse`. `text` must be valid JSON (parse it first).
 */
export function memberText(text: string, name: string): string | undefined {
  let found: string | undefined;
  let i = skipWhitespace(text, 0);
  if (text.charCodeAt(i) !== OPEN_BRACE) return undefined;
  i = skipWhitespace(text, i + 1);
  while (text.charCodeAt(i) === QUOTE) {
    const keyEnd = stringEnd(text, i);
    const key = keyOf(text, i, keyEnd);
    i = skipWhitespace(text, keyEnd);
    if (text.charCodeAt(i) !== COLON) return found;
    const start = skipWhitespace(text, i + 1);
    const value = valueEnd(text, start);
    if (key === name) found = value.spaced ? compact(text, start, value.end) : text.slice(start, value.end);
    i = skipWhitespace(text, value.end);
    // A comma, then the next member; or the closing brace, and the loop ends.
    if (text.charCodeAt(i) === 0x2c) i = skipWhitespace(text, i + 1);
  }
  return found;
}

/**
 * The source text of element `index` of the top-level array in `text`, compacted as by
 * `memberText`; `undefined` when `text` is not an array or has no such element. `text` must be
 * valid JSON.
 */
export function elementText(text: string, index: number): string | undefined {
  let i = skipWhitespace(text, 0);
  if (text.charCodeAt(i) !== OPEN_BRACKET) return undefined;
  i = skipWhitespace(text, i + 1);
  for (let at = 0; i < text.length && text.charCodeAt(i) !== CLOSE_BRACKET; at++) {
    const value = valueEnd(text, i);
    if (at === index) return value.spaced ? compact(text, i, value.end) : text.slice(i, value.end);
    i = skipWhitespace(text, value.end);
    if (text.charCodeAt(i) === 0x2c) i = skipWhitespace(text, i + 1);
  }
  return undefined;
}

/**
 * `text` (valid JSON) laid out as `JSON.stringify(value, null, indent)` would, but from the text:
 * every token is kept as written, so numbers keep their spelling and digits. Empty `{}` and `[]`
 * stay on one line. For showing a stored payload or schema to a person.
 */
export function indentJsonText(text: string, indent = 2): string {
  let out = '';
  let depth = 0;
  const newline = () => `\n${' '.repeat(depth * indent)}`;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      out += text.slice(i, end);
      i = end - 1;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      const next = skipWhitespace(text, i + 1);
      if (text.charCodeAt(next) === (c === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET)) {
        out += text[i] + text[next];
        i = next;
      } else {
        depth++;
        out += text[i] + newline();
      }
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
      out += newline() + text[i];
    } else if (c === 0x2c) out += `,${newline()}`;
    else if (c === COLON) out += ': ';
    else if (!isWhitespace(c)) out += text[i];
  }
  return out;
}

/**
 * `fields` as a JSON object with a last member `name` whose value is the JSON text `valueText`,
 * spliced in as is (a payload, schemas or a filter kept as the customer wrote them).
 */
export function withMemberText(fields: Record<string, unknown>, name: string, valueText: string): string {
  const json = JSON.stringify(fields);
  return `${json.length > 2 ? `${json.slice(0, -1)},` : '{'}${JSON.stringify(name)}:${valueText}}`;
}

/** A member name: the raw characters, or `JSON.parse` of the token when it has escapes. */
function keyOf(text: string, start: number, end: number): string {
  const raw = text.slice(start + 1, end - 1);
  return raw.includes('\\') ? (JSON.parse(text.slice(start, end)) as string) : raw;
}

/** The index just past the value starting at `start`, and whether whitespace sits between its tokens. */
function valueEnd(text: string, start: number): { end: number; spaced: boolean } {
  const first = text.charCodeAt(start);
  if (first === QUOTE) return { end: stringEnd(text, start), spaced: false };
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) return { end: scalarEnd(text, start), spaced: false };
  let depth = 0;
  let spaced = false;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) i = stringEnd(text, i) - 1;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (--depth === 0) return { end: i + 1, spaced };
    } else if (isWhitespace(c)) spaced = true;
  }
  return { end: text.length, spaced };
}

/** `text[start, end)` without the whitespace outside strings. */
function compact(text: string, start: number, end: number): string {
  let out = '';
  let from = start;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) i = stringEnd(text, i) - 1;
    else if (isWhitespace(c)) {
      out += text.slice(from, i);
      from = i + 1;
    }
  }
  return out + text.slice(from, end);
}

/** The index just past the string whose opening quote is at `start`. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i + 1;
  }
  return text.length;
}

/** The index just past a number, or a literal (`true`, `false`, `null`), starting at `start`. */
function scalarEnd(text: string, start: number): number {
  let i = start;
  while (i < text.length && !isDelimiter(text.charCodeAt(i))) i++;
  return i;
}

function skipWhitespace(text: string, start: number): number {
  let i = start;
  while (i < text.length && isWhitespace(text.charCodeAt(i))) i++;
  return i;
}
