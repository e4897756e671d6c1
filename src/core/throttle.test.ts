import { describe, expect, it } from 'vitest';
import { SendSpacer } from './throttle.js';

describe('SendSpacer', () => {
  it('lets the first send go now and spaces the next ones 1000 / rate ms apart', () => {
    const spacer = new SendSpacer();
    expect([0, 1, 2, 3].map(() => spacer.take('dst_a', 4, 1_000))).toEqual([1_000, 1_250, 1_500, 1_750]);
  });

  it('keeps each target on its own schedule', () => {
    const spacer = new SendSpacer();
    spacer.take('dst_a', 1, 0);
    expect(spacer.take('dst_b', 1, 0)).toBe(0);
    expect(spacer.take('dst_a', 1, 0)).toBe(1_000);
  });

  it('does not bank unused time: after a pause the next send goes now, the one after is spaced again', () => {
    const spacer = new SendSpacer();
    spacer.take('dst_a', 2, 0);
    expect(spacer.take('dst_a', 2, 10_000)).toBe(10_000);
    expect(spacer.take('dst_a', 2, 10_000)).toBe(10_500);
  });
});
