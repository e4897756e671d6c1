import { formatQuery, toRequestSubject } from '../core/filter/subject.js';
import type { TransformSandbox } from '../core/transform/index.js';
import type { TransformRunner } from '../delivery/event-request.js';

/**
 * The engine's transform runner over the sandbox: the stored request as the transform sees it
 * (`{method, path, query, headers, body}`, body parsed; see core/filter/subject), and the request
 * it returned as one to forward (path with its query, headers as pairs).
 */
export function sandboxRunner(sandbox: TransformSandbox): TransformRunner {
  return (source, request) => {
    const outcome = sandbox.run(source, toRequestSubject(request));
    if (outcome.kind !== 'request') return outcome;
    const { method, path, query, headers, body } = outcome.request;
    return { kind: 'request', method, path: path + formatQuery(query), headers: Object.entries(headers), body };
  };
}
