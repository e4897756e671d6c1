import { describe, expect, it } from 'vitest';
import { formatTraceParent, newSpanId, parseTraceParent } from './trace-context.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('traceparent', () => {
  it('reads the W3C example and writes it back', () => {
    const header = `00-${TRACE_ID}-00f067aa0ba902b7-01`;
    expect(parseTraceParent(header)).toEqual({ traceId: TRACE_ID, spanId: '00f067aa0ba902b7', flags: '01' });
    expect(formatTraceParent(parseTraceParent(` ${header} `)!)).toBe(header);
  });

  it('ignores what the spec calls invalid, and reads a future version by its first four parts', () => {
    for (const bad of [
      undefined,
      '',
      `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`,
      `00-${TRACE_ID}-${'0'.repeat(16)}-01`,
      `ff-${TRACE_ID}-00f067aa0ba902b7-01`,
      `00-${TRACE_ID.toUpperCase()}-00f067aa0ba902b7-01`,
      `00-${TRACE_ID}-00f067aa0ba902b7-01-extra`,
      `00-${TRACE_ID}-00f067aa0ba902b7`,
    ]) {
      expect(parseTraceParent(bad)).toBeNull();
    }
    expect(parseTraceParent(`01-${TRACE_ID}-00f067aa0ba902b7-01-later`)?.spanId).toBe('00f067aa0ba902b7');
  });

  it('makes new span ids of 16 hex digits', () => {
    const ids = new Set(Array.from({ length: 100 }, newSpanId));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{16}$/);
  });
});
