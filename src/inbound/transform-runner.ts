import { formatQuery, toRequestSubject } from '../core/filter/subject.js';
import type { TransformRunner } from '../delivery/event-request.js';
import type { TransformPool } from './transform-pool.js';

/**
 * The engine's transform runner over the pool: the stored request as the transform sees it
 * (`{method, path, query, headers, body}`, body parsed; see core/filter/subject), run on a worker
 * thread, and the request it returned as one to forward (path with its query, headers as pairs).
 */
export function poolRunner(pool: TransformPool): TransformRunner {
  return async (source, request) => {
    const outcome = await pool.run(source, toRequestSubject(request));
    if (outcome.kind !== 'request') return outcome;
    const { method, path, query, headers, body } = outcome.request;
    return { kind: 'request', method, path: path + formatQuery(query), headers: Object.entries(headers), body };
  };
}
