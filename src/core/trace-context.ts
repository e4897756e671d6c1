import { randomBytes } from 'node:crypto';

/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent` header,
 * `<version>-<trace id>-<parent span id>-<flags>` in lower-case hex. hookd keeps the one an API
 * call brought with its message, and sends each attempt as a child span of it.
 */
export interface TraceParent {
  /** 32 hex digits, not all zero. */
  traceId: string;
  /** 16 hex digits, not all zero. */
  spanId: string;
  /** 2 hex digits (bit 0: sampled). */
  flags: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * The header's parts, or `null` when it is absent or invalid. Invalid is ignored, not refused, as
 * the spec says: an all-zero id, version `ff`, an upper-case digit, or version 00 with more parts.
 */
export function parseTraceParent(header: string | undefined): TraceParent | null {
  const match = header === undefined ? null : TRACEPARENT.exec(header.trim());
  if (!match) return null;
  const [, version, traceId, spanId, flags, rest] = match;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return null;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return null;
  return { traceId, spanId, flags };
}

/** The header for these parts, version 00. */
export function formatTraceParent(t: TraceParent): string {
  return `00-${t.traceId}-${t.spanId}-${t.flags}`;
}

/** A new span id: 8 random bytes, as the spec asks. */
export function newSpanId(): string {
  return randomBytes(8).toString('hex');
}
