import { describe, expect, it } from 'vitest';
import { FairClaim, mayHandOff, pickFair, type WindowRow } from './fair-share.js';

const candidate = (id: string, target: string, limit = 2, startable = true) => ({ id, target, limit, startable });

describe('pickFair', () => {
  it('takes rank 1 of every target before rank 2, each up to its limit less its live leases', () => {
    const live = new Map([['b', 1]]);
    const picked = pickFair(
      [candidate('a1', 'a'), candidate('a2', 'a'), candidate('a3', 'a'), candidate('b1', 'b'), candidate('b2', 'b')],
      live,
      10,
    );
    expect(picked.map((c) => c.id)).toEqual(['a1', 'b1', 'a2']);
    expect(live).toEqual(
      new Map([
        ['a', 2],
        ['b', 2],
      ]),
    );
  });

  it('takes no more than asked, the lower ranks first, and skips what may not start', () => {
    const picked = pickFair(
      [candidate('a1', 'a'), candidate('a2', 'a'), candidate('b1', 'b', 2, false), candidate('c1', 'c')],
      new Map(),
      2,
    );
    expect(picked.map((c) => c.id)).toEqual(['a1', 'c1']);
  });
});

describe('FairClaim', () => {
  const row = (id: string, target: string, over: Partial<WindowRow> = {}): WindowRow => ({
    id,
    target,
    msg_id: id,
    trigger: 0,
    lim: null,
    ordered: false,
    disabled: false,
    ...over,
  });

  it("takes an ordered endpoint's due head at the place of its first row, and nothing behind it", () => {
    const claim = new FairClaim(new Map(), [], 10, 16);
    claim.consider(
      [
        row('o2', 'o', { ordered: true }),
        row('x1', 'x'),
        row('o3', 'o', { ordered: true }),
        row('d1', 'd', { disabled: true }),
      ],
      () => ({ id: 'o1', due: true }),
    );
    expect(claim.lease).toEqual(['o1', 'x1']);
    expect(claim.cancel).toEqual(['d1']);
    expect([...claim.skip].sort()).toEqual(['d', 'o', 'x']);
    expect(claim.wantsMore).toBe(false); // a window shorter than its size: nothing more is due
  });
});

describe('mayHandOff', () => {
  it('counts the hand-offs against the limit, and never hands over an ordered endpoint', () => {
    const live = new Map([['a', 15]]);
    expect(mayHandOff(live, 'a', 16, false)).toBe(true);
    expect(mayHandOff(live, 'a', 16, false)).toBe(false);
    expect(mayHandOff(live, 'o', 16, true)).toBe(false);
  });
});
