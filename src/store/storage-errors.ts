/**
 * Errors that say the database cannot serve now, whatever the request: the disk is full, the file
 * cannot be written, PostgreSQL is unreachable, shutting down or out of resources. The HTTP edge
 * answers them 503 with `Retry-After` (the caller's request was fine: it may send it again), and
 * they pass once the cause does, without a restart: SQLite rolls the failed transaction back, and
 * the `pg` pool replaces broken connections on demand.
 */

/** better-sqlite3's `code`: the primary result code, or an extended one (`SQLITE_IOERR_WRITE`...). */
const SQLITE_UNAVAILABLE = /^SQLITE_(FULL|IOERR|CANTOPEN|NOMEM|READONLY|PROTOCOL|BUSY|LOCKED)(_|$)/;

/** Node's system errors on a socket or a file. */
const SYSTEM_UNAVAILABLE = new Set([
  'ENOSPC',
  'EDQUOT',
  'EIO',
  'EROFS',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * PostgreSQL SQLSTATEs: class 08 (connection exception), class 53 (insufficient resources:
 * disk full, out of memory, too many connections), 57P01-57P03 (the server is shutting down or
 * starting), 58030 (I/O error).
 */
function isUnavailableSqlState(code: string): boolean {
  return /^(08|53)[0-9A-Z]{3}$/.test(code) || /^57P0[1-3]$/.test(code) || code === '58030';
}

/**
 * What node-postgres throws without a code: a pool that could not connect in time, a connection
 * that ended under a query, or a client used after its connection failed.
 */
const PG_CONNECTION_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Client has encountered a connection error',
  'Connection ended unexpectedly',
];

/** True for a storage failure that is not the request's doing (see the module's comment). */
export function isStorageUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (SQLITE_UNAVAILABLE.test(code) || SYSTEM_UNAVAILABLE.has(code) || isUnavailableSqlState(code)) return true;
  }
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' && PG_CONNECTION_MESSAGES.some((text) => message.includes(text));
}

/** The short name of the cause, for the one log line of an incident (never the driver's object). */
export function storageErrorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : ((error as Error | null)?.message ?? 'unknown').slice(0, 80);
}
