import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { storageErrorCode } from '../store/storage-errors.js';

/** What a request does to the store, as far as an incident is concerned. */
export type StorageAccess = 'read' | 'write';

interface Incident {
  startedAt: number;
  /** The cause as first seen, e.g. `SQLITE_FULL`, `ECONNREFUSED`. */
  cause: string;
  access: StorageAccess;
  failedRequests: number;
}

/**
 * One log line when the store starts failing, one when it serves again, and none for each
 * request in between (a full disk under load would otherwise write a stack trace per request,
 * which fills what little disk is left). An incident ends at the first request that succeeds
 * with the kind of access that failed: a write, when a write failed (on a full disk, reads still
 * work: they must not end it), or any request, when a read failed.
 */
export class StorageIncidents {
  private incident: Incident | null = null;

  constructor(
    private readonly log: FastifyBaseLogger,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Reports every answer of `app` to the incident: a storage failure the error handler met, or a
   * success below 500 (routes that never touch the store, such as the health checks, say nothing).
   */
  install(app: FastifyInstance, storelessRoutes: ReadonlySet<string>): void {
    // A callback, not an async function: every answer runs it, and it almost always returns at once.
    app.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url;
      if (this.incident !== null && reply.statusCode < 500 && route !== undefined && !storelessRoutes.has(route))
        this.succeeded(accessOf(request.method));
      done();
    });
  }

  /** Whether an incident is open (`/readyz` reports it). */
  get open(): boolean {
    return this.incident !== null;
  }

  /** A request failed because the store is unavailable. */
  failed(error: unknown, access: StorageAccess): void {
    if (this.incident !== null) {
      this.incident.failedRequests++;
      if (access === 'read') this.incident.access = 'read';
      return;
    }
    const cause = storageErrorCode(error);
    this.incident = { startedAt: this.now(), cause, access, failedRequests: 1 };
    this.log.error({ cause }, 'storage unavailable: answering 503 until it recovers');
  }

  /** A request succeeded (status below 500): ends the incident if it did what had failed. */
  succeeded(access: StorageAccess): void {
    const incident = this.incident;
    if (incident === null || (incident.access === 'write' && access === 'read')) return;
    this.incident = null;
    this.log.warn(
      { cause: incident.cause, failedRequests: incident.failedRequests, durationMs: this.now() - incident.startedAt },
      'storage recovered',
    );
  }
}

/** GET, HEAD and OPTIONS read; every other method may write. */
export function accessOf(method: string): StorageAccess {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS' ? 'read' : 'write';
}
