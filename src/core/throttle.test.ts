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

describe('SendSpacer: sends told to wait', () => {
  it('go when they come back at their slot, instead of queueing behind those told to wait after them', () => {
    const spacer = new SendSpacer();
    // Six sends claimed at once at 2/s: one goes, five are told 500, 1000, ... 2500.
    const slots = ['d0', 'd1', 'd2', 'd3', 'd4', 'd5'].map((id) => spacer.take('dst_a', 2, 0, id));
    expect(slots).toEqual([0, 500, 1_000, 1_500, 2_000, 2_500]);
    // Each comes back at (or a little after) its slot and goes; one back early is told its slot again.
    expect(spacer.take('dst_a', 2, 400, 'd1')).toBe(500);
    expect(spacer.take('dst_a', 2, 510, 'd1')).toBe(510);
    expect(spacer.take('dst_a', 2, 1_000, 'd2')).toBe(1_000);
    expect(spacer.take('dst_a', 2, 2_600, 'd5')).toBe(2_600);
    // A new send still queues behind all the slots given.
    expect(spacer.take('dst_a', 2, 2_600, 'd6')).toBe(3_000);
  });
});
