import type { Config } from '../config/config.js';

/** The parts of a Node, SQLite or PostgreSQL error that say what went wrong at start-up. */
interface SystemError {
  code?: unknown;
  path?: unknown;
  message?: unknown;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);
const FILE_CODES = new Set([
  'EACCES',
  'EPERM',
  'EROFS',
  'ENOTDIR',
  'EEXIST',
  'ENOSPC',
  'SQLITE_CANTOPEN',
  'SQLITE_READONLY',
]);
/** PostgreSQL SQLSTATEs a wrong URL causes: bad password, no such role, no such database. */
const POSTGRES_LOGIN_CODES: Record<string, string> = {
  '28P01': 'the password was refused',
  '28000': 'the login was refused',
  '3D000': 'the database does not exist',
};

/**
 * One line for a person, naming the setting to change, for the common ways `hookd serve` fails
 * to start: the port taken or not allowed, the host not on this machine, the data directory not
 * writable, the database URL unreachable or refused. `null` for anything else (a bug: the caller
 * shows the stack). Never echoes the database URL, which may hold a password.
 */
export function describeStartupError(error: unknown, config: Config, stage: 'store' | 'listen'): string | null {
  const { code, path } = (typeof error === 'object' && error !== null ? error : {}) as SystemError;
  const why = typeof code === 'string' ? code : '';
  if (stage === 'listen') {
    const where = `${config.host}:${config.port}`;
    if (why === 'EADDRINUSE')
      return `port ${config.port} is in use on ${config.host}: set HOOKD_PORT (or --port) to a free port (0 picks one)`;
    if (why === 'EACCES') return `no permission to listen on ${where}: set HOOKD_PORT (or --port) to a port above 1023`;
    if (why === 'EADDRNOTAVAIL' || why === 'ENOTFOUND')
      return `${config.host} is not an address of this machine: set HOOKD_HOST (or --host), e.g. 127.0.0.1 or 0.0.0.0`;
    return null;
  }
  if (config.databaseUrl !== null) {
    const target = postgresTarget(config.databaseUrl);
    if (NETWORK_CODES.has(why))
      return `cannot reach PostgreSQL at ${target} (${why}): check HOOKD_DATABASE_URL (or --database-url), or start the database`;
    if (why in POSTGRES_LOGIN_CODES)
      return `PostgreSQL at ${target}: ${POSTGRES_LOGIN_CODES[why]}: check HOOKD_DATABASE_URL (or --database-url)`;
    return null;
  }
  if (FILE_CODES.has(why)) {
    const file = typeof path === 'string' ? ` (${path})` : '';
    return `cannot write the data directory ${config.dataDir}${file}: ${why}: set HOOKD_DATA_DIR (or --data-dir) to a writable directory`;
  }
  return null;
}

/** `host:port/database` of a PostgreSQL URL, without its user and password. */
function postgresTarget(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    return `${url.hostname}:${url.port || '5432'}${url.pathname}`;
  } catch {
    return 'the configured URL';
  }
}
