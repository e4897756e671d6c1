import { describe, expect, it } from 'vitest';
import { FairClaim, mayHandOff, pickFair, tallyLiveLeases, type WindowRow } from './fair-share.js';

const candidate = (id: string, target: string, limit = 2, startable = true) => ({
  id,
  target,
  limit,
  startable,
  application: null,
});
/** A candidate of endpoint `target` in application `app` (its limit `appLimit`), each endpoint's limit 16. */
const inApp = (id: string, target: string, app: string, appLimit = 10) => ({
  id,
  target,
  limit: 16,
  startable: true,
  application: { id: app, limit: appLimit },
});

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

  it("takes rank 1 of every application before rank 2, ranking an application's candidates by endpoint", () => {
    // Application A's endpoints a and b have the oldest deliveries; B's endpoint c the newest.
    const picked = pickFair(
      [
        inApp('a1', 'a', 'A'),
        inApp('a2', 'a', 'A'),
        inApp('a3', 'a', 'A'),
        inApp('b1', 'b', 'A'),
        inApp('c1', 'c', 'B'),
        inApp('c2', 'c', 'B'),
      ],
      new Map(),
      4,
    );
    // Ranks in A: a1 1, b1 2, a2 3, a3 4; in B: c1 1, c2 2.
    expect(picked.map((c) => c.id)).toEqual(['a1', 'c1', 'b1', 'c2']);
  });

  it("holds an application's endpoints together to its limit, less its live leases", () => {
    const live = new Map([
      ['a', 1],
      ['A', 2],
    ]);
    const picked = pickFair(
      [inApp('a1', 'a', 'A', 4), inApp('b1', 'b', 'A', 4), inApp('c1', 'c', 'A', 4), inApp('d1', 'd', 'B', 4)],
      live,
      10,
    );
    expect(picked.map((c) => c.id)).toEqual(['a1', 'd1', 'b1']);
    expect(live.get('A')).toBe(4);
    expect(live.get('B')).toBe(1);
  });
});

describe('tallyLiveLeases', () => {
  it("sums an application's endpoints, and leaves out the targets and applications at their limit", () => {
    const { live, full } = tallyLiveLeases(
      [
        { target: 'a', app_id: 'A', n: 2, lim: 2 },
        { target: 'b', app_id: 'A', n: 1, lim: null },
        { target: 'c', app_id: 'B', n: 3, lim: null },
        { target: 'c2', app_id: 'B', n: 1, lim: null },
        { target: 'dst', app_id: null, n: 9, lim: null },
      ],
      { endpoint: 16, application: 4 },
    );
    expect(live.get('A')).toBe(3);
    expect(live.get('B')).toBe(4);
    expect(full).toEqual(['a', 'B']);
  });
});

describe('FairClaim', () => {
  const row = (id: string, target: string, over: Partial<WindowRow> = {}): WindowRow => ({
    id,
    target,
    app_id: 'app',
    msg_id: id,
    trigger: 0,
    due: 0,
    lim: null,
    ordered: false,
    disabled: false,
    ...over,
  });

  it("takes an ordered endpoint's due head at the place of its first row, and nothing behind it", () => {
    const claim = new FairClaim(new Map(), [], 10, { endpoint: 16, application: 64 });
    claim.consider(
      {
        rows: [
          row('o2', 'o', { ordered: true }),
          row('x1', 'x'),
          row('o3', 'o', { ordered: true }),
          row('d1', 'd', { disabled: true }),
        ],
        complete: true,
      },
      () => ({ id: 'o1', due: true }),
    );
    expect(claim.lease).toEqual(['o1', 'x1']);
    expect(claim.cancel).toEqual(['d1']);
    expect([...claim.skip].sort()).toEqual(['d', 'o', 'x']);
    expect(claim.wantsMore).toBe(false); // a complete window: nothing more is due
  });

  it('leaves out an application that a window filled, for the next windows', () => {
    const claim = new FairClaim(new Map(), [], 10, { endpoint: 16, application: 2 });
    claim.consider(
      { rows: [row('a1', 'a'), row('b1', 'b'), row('c1', 'c'), row('x1', 'x', { app_id: 'other' })], complete: false },
      () => null,
    );
    expect(claim.lease).toEqual(['a1', 'x1', 'b1']);
    expect(claim.skip.has('app')).toBe(true);
    expect(claim.skip.has('other')).toBe(false);
  });
});

describe('mayHandOff', () => {
  it('counts the hand-offs against the limit, and never hands over an ordered endpoint', () => {
    const live = new Map([['a', 15]]);
    expect(mayHandOff(live, 'a', 16, null, false)).toBe(true);
    expect(mayHandOff(live, 'a', 16, null, false)).toBe(false);
    expect(mayHandOff(live, 'o', 16, null, true)).toBe(false);
  });

  it("counts the hand-offs against the application's limit, over all of its endpoints", () => {
    const live = new Map([['A', 1]]);
    const A = { id: 'A', limit: 3 };
    expect(mayHandOff(live, 'a', 16, A, false)).toBe(true);
    expect(mayHandOff(live, 'b', 16, A, false)).toBe(true);
    expect(mayHandOff(live, 'c', 16, A, false)).toBe(false);
    expect(mayHandOff(live, 'c', 16, { id: 'B', limit: 3 }, false)).toBe(true);
    expect(live.get('A')).toBe(3);
  });
});
