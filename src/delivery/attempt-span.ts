import { ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import { formatTraceParent, newSpanId, parseTraceParent } from '../core/trace-context.js';

/** An attempt's span: its `traceparent` header, and how it ends. */
export interface AttemptSpan {
  /** The attempt as a child span of the message's traceparent. */
  traceparent: string;
  /** Ends the span with the response's status (0: none came). */
  end(statusCode: number): void;
}

const tracer = () => trace.getTracer('hookd');

/**
 * The span of one attempt of a message created with `traceparent`, or `null` for a message
 * created without one. Through the OpenTelemetry API: when the process registered a tracer (an
 * SDK), the attempt is its span, a client span child of the message's, and ends with the
 * response; otherwise the API is a no-op, and the header still names a new span id (random, as
 * the spec asks of a participant that does not record), under the message's trace id and flags.
 */
export function startAttemptSpan(traceparent: string | null | undefined, url: string): AttemptSpan | null {
  const parent = parseTraceParent(traceparent ?? undefined);
  if (parent === null) return null;
  const context = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: parent.traceId,
    spanId: parent.spanId,
    traceFlags: Number.parseInt(parent.flags, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  });
  const span: Span = tracer().startSpan(
    'webhook attempt',
    { kind: SpanKind.CLIENT, attributes: { 'http.request.method': 'POST', 'url.full': url } },
    context,
  );
  const own = span.spanContext();
  const recording = span.isRecording() && own.spanId !== parent.spanId;
  return {
    traceparent: formatTraceParent(recording ? { ...parent, spanId: own.spanId } : { ...parent, spanId: newSpanId() }),
    end(statusCode) {
      if (!recording) return;
      span.setAttribute('http.response.status_code', statusCode);
      if (statusCode < 200 || statusCode > 299) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    },
  };
}
