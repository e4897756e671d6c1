import { describe, expect, it } from 'vitest';
import { createLogger } from '../log/create-logger.js';
import { type WorkDue, WorkSignal } from './work-signal.js';

describe('WorkSignal', () => {
  it('gives every listener the signal and its time, past one that throws, until it unsubscribes', () => {
    const work = new WorkSignal(createLogger('silent'));
    const seen: [WorkDue, number | undefined][] = [];
    work.subscribe(() => {
      throw new Error('broken listener');
    });
    const stop = work.subscribe((due, at) => seen.push([due, at]));
    work.emit('now');
    work.emit('later', 1_000);
    work.emit(null);
    stop();
    work.emit('held');
    expect(seen).toEqual([
      ['now', undefined],
      ['later', 1_000],
    ]);
  });
});
