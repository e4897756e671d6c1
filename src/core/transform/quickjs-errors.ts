/**
 * Turns what QuickJS threw (as `context.dump` gives it: `{name, message, stack}` for an Error,
 * the value itself otherwise) into one line for a person.
 */

/** The file name the transform's source is evaluated under; stack frames name it. */
export const SOURCE_FILE = 'transform.js';

const FRAME = /transform\.js:(\d+)(?::(\d+))?/;

export interface ThrownValue {
  name?: unknown;
  message?: unknown;
  stack?: unknown;
}

/** Where in the source the error happened: `{line, column?}` from its first frame in the source. */
export function locate(thrown: unknown): { line: number; column?: number } | undefined {
  const stack = typeof thrown === 'object' && thrown !== null ? (thrown as ThrownValue).stack : undefined;
  const found = typeof stack === 'string' ? FRAME.exec(stack) : null;
  if (!found) return undefined;
  return { line: Number(found[1]), column: found[2] === undefined ? undefined : Number(found[2]) };
}

/** `"TypeError: x is undefined (line 3)"`; a thrown non-Error reads `"threw 5"`. */
export function describeThrown(thrown: unknown, withColumn = false): string {
  if (typeof thrown !== 'object' || thrown === null || !('message' in thrown)) {
    return `threw ${truncate(safeString(thrown))}`;
  }
  const { name, message } = thrown as ThrownValue;
  const at = locate(thrown);
  const where = at ? ` (line ${at.line}${withColumn && at.column !== undefined ? `, column ${at.column}` : ''})` : '';
  return `${truncate(`${safeString(name ?? 'Error')}: ${safeString(message)}`)}${where}`;
}

/** QuickJS's own errors when a limit is hit (its runtime throws them, not the transform). */
export function isOutOfMemory(thrown: unknown): boolean {
  return isInternalError(thrown, 'out of memory');
}

/** QuickJS throws it as an InternalError at run time, as a SyntaxError while parsing. */
export function isStackOverflow(thrown: unknown): boolean {
  return typeof thrown === 'object' && thrown !== null && (thrown as ThrownValue).message === 'stack overflow';
}

function isInternalError(thrown: unknown, message: string): boolean {
  return (
    typeof thrown === 'object' &&
    thrown !== null &&
    (thrown as ThrownValue).name === 'InternalError' &&
    (thrown as ThrownValue).message === message
  );
}

function safeString(value: unknown): string {
  try {
    return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    return String(value);
  }
}

const MAX_MESSAGE_LENGTH = 500;

function truncate(text: string): string {
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH)}…` : text;
}
