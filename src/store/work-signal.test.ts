import { describe, expect, it } from 'vitest';
import { createLogger } from '../log/create-logger.js';
import { type WorkDue, WorkSignal } from './work-signal.js';

describe('WorkSignal.dueLater', () => {
  it('signals `later` once for deliveries held until a time, again for an earlier time or once that time has passed', () => {
    const work = new WorkSignal(createLogger('silent'));
    const seen: WorkDue[] = [];
    work.subscribe((due) => seen.push(due));
    work.dueLater(1_000, 0); // the first: the engine looks up the next due time
    work.dueLater(1_000, 10); // the same probe, by the next group commit: nothing
    work.dueLater(5_000, 20); // later than one the engine already looks at: nothing
    expect(seen).toEqual(['later']);
    work.dueLater(500, 30); // earlier: the engine's timer may be past it
    expect(seen).toEqual(['later', 'later']);
    work.dueLater(5_000, 600); // the last one announced has passed: the engine's timer moved on
    expect(seen).toEqual(['later', 'later', 'later']);
  });
});
