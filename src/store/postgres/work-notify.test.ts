import { describe, expect, it } from 'vitest';
import { parseWorkPayload, workPayload } from './work-notify.js';

describe('NOTIFY payloads', () => {
  it('round-trips the sender and when the work is due, whatever the schema name holds', () => {
    for (const schema of ['public', 'hookd_test_1a2b', 'my schema', '']) {
      for (const due of ['now', 'later'] as const) {
        expect(parseWorkPayload(workPayload({ instance: 'i-1', schema }, due))).toEqual({
          instance: 'i-1',
          schema,
          due,
        });
      }
    }
  });

  it('reads a payload of a hookd before `due` was added as work due later, and refuses others', () => {
    expect(parseWorkPayload('i-1@public')).toEqual({ instance: 'i-1', schema: 'public', due: 'later' });
    expect(parseWorkPayload('no sender')).toBeNull();
    expect(parseWorkPayload(undefined)).toBeNull();
  });
});
