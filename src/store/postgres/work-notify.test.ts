import { describe, expect, it } from 'vitest';
import { parseRequestsPayload, requestsPayload } from '../request-feed.js';
import { parseWorkPayload, workPayload } from './work-notify.js';

describe('NOTIFY payloads', () => {
  it('round-trips the sender and when the work is due, whatever the schema name holds', () => {
    for (const schema of ['public', 'hookd_test_1a2b', 'my schema', '']) {
      for (const due of ['now', 'later', 'held'] as const) {
        expect(parseWorkPayload(workPayload({ instance: 'i-1', schema }, due))).toEqual({
          instance: 'i-1',
          schema,
          due,
        });
      }
    }
  });

  it('reads the time of work due at a stored time, `later/<at>`', () => {
    const payload = `later/1764547200000${workPayload({ instance: 'i-1', schema: 'a:b' }, 'later').slice('later'.length)}`;
    expect(parseWorkPayload(payload)).toEqual({ instance: 'i-1', schema: 'a:b', due: 'later', at: 1764547200000 });
  });

  it('reads a payload of a hookd before `due` was added as work due later, and refuses others', () => {
    expect(parseWorkPayload('i-1@public')).toEqual({ instance: 'i-1', schema: 'public', due: 'later' });
    expect(parseWorkPayload('no sender')).toBeNull();
    expect(parseWorkPayload(undefined)).toBeNull();
  });
});

describe('stored-request NOTIFY payloads', () => {
  const sender = { instance: 'i-1', schema: 'hookd_test' };
  const notes = Array.from({ length: 500 }, (_, i) => ({ sourceId: 'src_abc', requestId: `req_${i}` }));

  it('round-trip every note, split into payloads under the size limit', () => {
    const payloads = requestsPayload(notes, sender, 1_000);
    expect(payloads.length).toBeGreaterThan(1);
    for (const payload of payloads) expect(payload.length).toBeLessThanOrEqual(1_000);
    const parsed = payloads.map((p) => parseRequestsPayload(p)!);
    expect(parsed.every((p) => p.instance === 'i-1' && p.schema === 'hookd_test')).toBe(true);
    expect(parsed.flatMap((p) => p.notes)).toEqual(notes);
  });

  it('gives nothing for no notes and refuses a payload without a sender', () => {
    expect(requestsPayload([], sender, 1_000)).toEqual([]);
    expect(parseRequestsPayload('no sender line')).toBeNull();
    expect(parseRequestsPayload(undefined)).toBeNull();
  });
});
