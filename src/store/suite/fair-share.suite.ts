import { describe, expect, it } from 'vitest';
import type { ClaimedEvent, ClaimedMessage, LocalWorker } from '../store.js';
import {
  claimMessages,
  createApp,
  createEndpoint,
  eventOutcomeFor,
  LEASE_MS,
  messageInput,
  outcomeFor,
  type SuiteContext,
  T0,
} from './fixtures.suite.js';

/** Fair shares (store/fair-share.ts): each endpoint's limit on live leases, rank order, ordered endpoints. */

/** A local worker with room for everything it is handed, which collects it in `taken`. */
function takingWorker(taken: ClaimedMessage[]): LocalWorker {
  return {
    workerId: 'wrk_local',
    leaseMs: LEASE_MS,
    reserve: (wanted) => wanted,
    unreserve: () => {},
    take: (claimed) => taken.push(...(claimed as ClaimedMessage[])),
  };
}

export function describeFairShare(ctx: SuiteContext): void {
  /** `n` messages to the application, created at T0, T0+1, ... */
  async function send(appId: string, n: number) {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await ctx.store.messages.create(messageInput(appId), T0 + i)).message.id);
    return ids;
  }

  const endpointsOf = (claimed: ClaimedMessage[]) => claimed.map((c) => c.endpoint.uid);

  describe('fair shares of the queue', () => {
    it('leases no endpoint more than its limit, counting live leases across claims, until outcomes free them', async () => {
      const app = await createApp(ctx.store);
      await createEndpoint(ctx.store, app.id, { uid: 'a', maxConcurrency: 2 });
      await send(app.id, 5);
      await createEndpoint(ctx.store, app.id, { uid: 'b', url: 'https://example.com/b' });
      await send(app.id, 3); // due: 8 to a (limit 2), 3 to b (the default limit, 16)
      const first = await claimMessages(ctx.store, 'w1', 100, LEASE_MS, T0 + 10);
      expect(endpointsOf(first).filter((e) => e === 'a')).toHaveLength(2);
      expect(endpointsOf(first).filter((e) => e === 'b')).toHaveLength(3);
      // Another worker finds a at its limit: the leases are counted in the store, not per worker.
      expect(await claimMessages(ctx.store, 'w2', 100, LEASE_MS, T0 + 11)).toEqual([]);
      const done = first.find((c) => c.endpoint.uid === 'a')!;
      await ctx.store.queue.record(
        'w1',
        [outcomeFor(done, T0 + 12, { status: 'success', nextAttemptAt: null })],
        T0 + 12,
      );
      expect(endpointsOf(await claimMessages(ctx.store, 'w2', 100, LEASE_MS, T0 + 13))).toEqual(['a']);
      // An expired lease is no longer live: its delivery is due again, and its place is free.
      const later = T0 + 13 + LEASE_MS;
      expect(endpointsOf(await claimMessages(ctx.store, 'w3', 100, LEASE_MS, later)).sort()).toEqual([
        'a',
        'a',
        'b',
        'b',
        'b',
      ]);
    });

    it('takes rank 1 of every endpoint before rank 2, oldest first within a rank', async () => {
      const app = await createApp(ctx.store);
      await createEndpoint(ctx.store, app.id, { uid: 'a' });
      await send(app.id, 3); // a's three are the oldest
      await createEndpoint(ctx.store, app.id, { uid: 'b', url: 'https://example.com/b' });
      await ctx.store.messages.create(messageInput(app.id), T0 + 5); // one more to a, one to b
      const claimed = await claimMessages(ctx.store, 'w', 3, LEASE_MS, T0 + 10);
      expect(endpointsOf(claimed)).toEqual(['a', 'b', 'a']);
    });

    it('a deep backlog of an endpoint at its limit does not hide the others', async () => {
      const app = await createApp(ctx.store);
      await createEndpoint(ctx.store, app.id, { uid: 'busy', maxConcurrency: 2 });
      await send(app.id, 300);
      await createEndpoint(ctx.store, app.id, { uid: 'quiet', url: 'https://example.com/q' });
      await ctx.store.messages.create(messageInput(app.id), T0 + 400);
      // A claim of 4 reads a window of 64 due rows: all of them busy's, at its limit after 2.
      const claimed = await claimMessages(ctx.store, 'w', 4, LEASE_MS, T0 + 500);
      expect(endpointsOf(claimed)).toEqual(['busy', 'busy', 'quiet']);
      expect(endpointsOf(await claimMessages(ctx.store, 'w', 4, LEASE_MS, T0 + 501))).toEqual([]);
    });

    it('reads as many index entries behind 300 or 3,000 held-back deliveries, fewer than the backlog', async () => {
      const reads: number[] = [];
      await ctx.useFairLimits({ endpoint: 16, application: 64, observeClaimReads: (rows) => reads.push(rows) });
      const stalledApp = await createApp(ctx.store);
      await createEndpoint(ctx.store, stalledApp.id, { uid: 'stalled', maxConcurrency: 2 });
      const healthyApp = await createApp(ctx.store);
      await createEndpoint(ctx.store, healthyApp.id, { uid: 'healthy', url: 'https://example.com/h' });
      const burst = (appId: string, n: number, at: number) =>
        Promise.all(Array.from({ length: n }, () => ctx.store.messages.create(messageInput(appId), at)));
      await burst(stalledApp.id, 302, T0);
      // stalled at its limit: its other 300 due deliveries, the oldest of all, are held back.
      expect(endpointsOf(await claimMessages(ctx.store, 'w1', 2, LEASE_MS, T0 + 1))).toEqual(['stalled', 'stalled']);
      const claimHealthy = async (at: number) => {
        await burst(healthyApp.id, 3, at);
        reads.length = 0;
        expect(endpointsOf(await claimMessages(ctx.store, 'w2', 4, LEASE_MS, at + 1))).toEqual(
          Array(3).fill('healthy'),
        );
        expect(reads).toHaveLength(1);
        return reads[0];
      };
      const behind300 = await claimHealthy(T0 + 10);
      await burst(stalledApp.id, 2_700, T0 + 2);
      const behind3000 = await claimHealthy(T0 + 20);
      // A claim of 4 scans 128 entries of the due index (FairClaim.scanSize: all stalled's, held
      // back), then walks the 2 targets with pending work (one seek each) and reads healthy's 3
      // due rows: 133 either way. Walking the due index past the backlog would read 300 or 3,000.
      expect(behind300).toBe(128 + 2 + 3);
      expect(behind3000).toBe(behind300);
    });

    /** An application with 5 endpoints and 16 messages: 80 deliveries, 16 (the endpoint limit) to each. */
    async function crowdedApp() {
      const app = await createApp(ctx.store);
      for (let i = 0; i < 5; i++)
        await createEndpoint(ctx.store, app.id, { uid: `e${i}`, url: `https://example.com/${i}` });
      await send(app.id, 16);
      return app;
    }
    /** How many were claimed of each endpoint, fewest first. */
    function perEndpoint(claimed: ClaimedMessage[]): number[] {
      const counts = new Map<string, number>();
      for (const c of claimed) counts.set(c.endpoint.id, (counts.get(c.endpoint.id) ?? 0) + 1);
      return [...counts.values()].sort((a, b) => a - b);
    }

    it("leases an application's endpoints together no more than its limit (64), counting live leases across claims", async () => {
      const crowded = await crowdedApp();
      const other = await createApp(ctx.store);
      await createEndpoint(ctx.store, other.id, { uid: 'other', url: 'https://example.com/other' });
      await send(other.id, 2);
      const first = await claimMessages(ctx.store, 'w1', 200, LEASE_MS, T0 + 100);
      expect(endpointsOf(first).filter((e) => e === 'other')).toHaveLength(2);
      const ofCrowded = first.filter((c) => c.endpoint.appId === crowded.id);
      expect(ofCrowded).toHaveLength(64);
      // Ranked per endpoint within the application: 12 or 13 each, not the oldest endpoint's 16.
      expect(perEndpoint(ofCrowded)).toEqual([12, 13, 13, 13, 13]);
      // Another worker finds the application at its limit.
      expect(await claimMessages(ctx.store, 'w2', 200, LEASE_MS, T0 + 101)).toEqual([]);
      await ctx.store.queue.record(
        'w1',
        [outcomeFor(ofCrowded[0], T0 + 102, { status: 'success', nextAttemptAt: null })],
        T0 + 102,
      );
      const next = await claimMessages(ctx.store, 'w2', 200, LEASE_MS, T0 + 103);
      expect(next.map((c) => c.endpoint.appId)).toEqual([crowded.id]);
    });

    it("hands a local worker no more than the application's limit, and a claim then counts those leases", async () => {
      const taken: ClaimedMessage[] = [];
      await ctx.store.queue.attachLocalWorker(takingWorker(taken));
      await crowdedApp();
      await ctx.store.queue.attachLocalWorker(null);
      expect(taken).toHaveLength(64);
      expect(await claimMessages(ctx.store, 'w', 200, LEASE_MS, T0 + 100)).toEqual([]);
    });

    it('hands a local worker no more than an endpoint limit allows, and nothing of an ordered endpoint', async () => {
      const app = await createApp(ctx.store);
      await createEndpoint(ctx.store, app.id, { uid: 'limited', maxConcurrency: 3 });
      await createEndpoint(ctx.store, app.id, { uid: 'ordered', url: 'https://example.com/o', ordered: true });
      const taken: ClaimedMessage[] = [];
      await ctx.store.queue.attachLocalWorker(takingWorker(taken));
      await Promise.all(Array.from({ length: 10 }, () => ctx.store.messages.create(messageInput(app.id), T0)));
      await ctx.store.queue.attachLocalWorker(null);
      expect(endpointsOf(taken)).toEqual(['limited', 'limited', 'limited']);
      // The limited endpoint is full; the ordered one's first message is claimable, alone.
      expect(endpointsOf(await claimMessages(ctx.store, 'w', 100, LEASE_MS, T0 + 1))).toEqual(['ordered']);
    });

    it("counts, in one batch's hand-off, only what each limit let through: an endpoint's refusal takes none of its application's share", async () => {
      await ctx.useFairLimits({ endpoint: 16, application: 5 });
      const app = await createApp(ctx.store);
      await createEndpoint(ctx.store, app.id, { uid: 'a', maxConcurrency: 2 });
      await createEndpoint(ctx.store, app.id, { uid: 'b', url: 'https://example.com/b' });
      const taken: ClaimedMessage[] = [];
      await ctx.store.queue.attachLocalWorker(takingWorker(taken));
      // One turn of the event loop: one batch of 4 messages, fanned out a, b, a, b, ... In order,
      // a's first two fit its limit, its third and fourth do not (and take none of the
      // application's 5), so b's first three fit the application's limit and its fourth does not.
      const created = await Promise.all(
        Array.from({ length: 4 }, (_, i) => ctx.store.messages.create(messageInput(app.id), T0 + i)),
      );
      await ctx.store.queue.attachLocalWorker(null);
      expect(endpointsOf(taken).sort()).toEqual(['a', 'a', 'b', 'b', 'b']);
      const messageOf = new Map(created.map(({ message }, i) => [message.id, i]));
      const takenOf = (uid: string) =>
        taken.filter((c) => c.endpoint.uid === uid).map((c) => messageOf.get(c.message.id));
      expect(takenOf('a').sort()).toEqual([0, 1]);
      expect(takenOf('b').sort()).toEqual([0, 1, 2]);
      // The application is at its limit: a claim takes nothing until an outcome frees a place.
      expect(await claimMessages(ctx.store, 'w', 100, LEASE_MS, T0 + 10)).toEqual([]);
    });
  });

  describe('the hand-off at record', () => {
    const HAND_OFF = { leaseMs: LEASE_MS };
    const success = (c: ClaimedMessage, at: number) => outcomeFor(c, at, { status: 'success', nextAttemptAt: null });
    const recordHandingOff = async (workerId: string, done: ClaimedMessage[], at: number) =>
      (await ctx.store.queue.record(
        workerId,
        done.map((c) => success(c, at)),
        at,
        HAND_OFF,
      )) as ClaimedMessage[];

    it("leases the ended lease's endpoint its next due delivery, oldest first, to the same worker, within its limit", async () => {
      const app = await createApp(ctx.store);
      await createEndpoint(ctx.store, app.id, { uid: 'a', maxConcurrency: 2 });
      const ids = await send(app.id, 5);
      const first = await claimMessages(ctx.store, 'w1', 100, LEASE_MS, T0 + 10);
      expect(first.map((c) => c.message.id)).toEqual(ids.slice(0, 2));
      const handed = await recordHandingOff('w1', [first[0]], T0 + 11);
      expect(handed.map((c) => [c.message.id, c.delivery.status])).toEqual([[ids[2], 'sending']]);
      expect(handed[0].endpoint).toMatchObject({ uid: 'a', url: 'https://example.com/hook' });
      // Still at its limit: a claim of any worker takes nothing.
      expect(await claimMessages(ctx.store, 'w2', 100, LEASE_MS, T0 + 12)).toEqual([]);
      // Two leases end: two more, the last of the backlog, and none twice.
      const next = await recordHandingOff('w1', [first[1], handed[0]], T0 + 13);
      expect(next.map((c) => c.message.id).sort()).toEqual(ids.slice(3).sort());
      // Nothing left due: nothing handed, and both places free for a claim.
      expect(await recordHandingOff('w1', next, T0 + 14)).toEqual([]);
      const stats = await ctx.store.endpoints.stats(first[0].endpoint.id, {});
      expect(stats).toMatchObject({ success: 5, sending: 0, pending: 0 });
    });

    it('hands off nothing without being asked, for an ordered endpoint, or for an endpoint the batch disables', async () => {
      const app = await createApp(ctx.store);
      await createEndpoint(ctx.store, app.id, { uid: 'ordered', ordered: true });
      await createEndpoint(ctx.store, app.id, { uid: 'gone', url: 'https://example.com/gone', maxConcurrency: 1 });
      await createEndpoint(ctx.store, app.id, { uid: 'plain', url: 'https://example.com/plain', maxConcurrency: 1 });
      await send(app.id, 3);
      const claimed = await claimMessages(ctx.store, 'w', 100, LEASE_MS, T0 + 10);
      expect(endpointsOf(claimed).sort()).toEqual(['gone', 'ordered', 'plain']);
      const of = (uid: string) => claimed.find((c) => c.endpoint.uid === uid)!;
      // Not asked: the places are left for a claim.
      expect(await ctx.store.queue.record('w', [success(of('plain'), T0 + 11)], T0 + 11)).toEqual([]);
      // An ordered endpoint's next message is for a claim to lease (it checks the head); a 410
      // disables the endpoint in the same batch.
      const gone = outcomeFor(of('gone'), T0 + 12, { status: 'fail', nextAttemptAt: null, disableEndpoint: true });
      expect(await ctx.store.queue.record('w', [success(of('ordered'), T0 + 12), gone], T0 + 12, HAND_OFF)).toEqual([]);
      // A claim then takes the ordered endpoint's next and plain's; gone's are canceled.
      expect(endpointsOf(await claimMessages(ctx.store, 'w', 100, LEASE_MS, T0 + 13)).sort()).toEqual([
        'ordered',
        'plain',
      ]);
    });

    it('hands off nothing when the application was at its limit: a claim gives the place, in rank order, to an endpoint it held back', async () => {
      await ctx.useFairLimits({ endpoint: 16, application: 2 });
      const app = await createApp(ctx.store);
      await createEndpoint(ctx.store, app.id, { uid: 'busy', eventTypes: ['busy'] });
      const busy = (at: number) => ctx.store.messages.create(messageInput(app.id, { eventType: 'busy' }), at);
      await busy(T0);
      await busy(T0 + 1);
      const first = await claimMessages(ctx.store, 'w', 100, LEASE_MS, T0 + 2);
      expect(endpointsOf(first)).toEqual(['busy', 'busy']); // the application at its limit
      await createEndpoint(ctx.store, app.id, { uid: 'waiting', url: 'https://example.com/w', eventTypes: ['other'] });
      await ctx.store.messages.create(messageInput(app.id, { eventType: 'other' }), T0 + 3);
      await busy(T0 + 4);
      expect(await recordHandingOff('w', [first[0]], T0 + 5)).toEqual([]);
      expect(endpointsOf(await claimMessages(ctx.store, 'w', 100, LEASE_MS, T0 + 6))).toEqual(['waiting']);
      // With room in the application, busy's place goes on to busy's next.
      await ctx.useFairLimits({ endpoint: 16, application: 3 });
      const again = await createApp(ctx.store);
      await createEndpoint(ctx.store, again.id, { uid: 'busy', maxConcurrency: 1 });
      await send(again.id, 2);
      const [one] = await claimMessages(ctx.store, 'w', 100, LEASE_MS, T0 + 10);
      expect(endpointsOf(await recordHandingOff('w', [one], T0 + 11))).toEqual(['busy']);
    });

    it('hands a destination its next due event, and nothing when the destination is disabled', async () => {
      await ctx.useFairLimits({ endpoint: 1, application: 64 }); // a destination's limit: the default
      const destination = await ctx.store.destinations.create({ url: 'https://svc.example/hooks' }, T0);
      const routes = [{ connectionId: null, destinationId: destination.id }];
      const request = {
        sourceId: null,
        method: 'POST',
        path: '/e',
        headers: [['content-type', 'application/json']] as [string, string][],
        body: Buffer.from('{}'),
      };
      for (let i = 0; i < 3; i++) await ctx.store.inbound.receive(request, routes, null, T0 + i);
      const [first] = (await ctx.store.queue.claim('w', 100, LEASE_MS, T0 + 10)) as ClaimedEvent[];
      const handed = (await ctx.store.queue.record(
        'w',
        [eventOutcomeFor(first, T0 + 11, { status: 'success', nextAttemptAt: null })],
        T0 + 11,
        HAND_OFF,
      )) as ClaimedEvent[];
      expect(handed.map((c) => [c.kind, c.destination.id, c.request.id !== first.request.id])).toEqual([
        ['event', destination.id, true],
      ]);
      await ctx.store.destinations.update(destination.id, { url: destination.url, disabled: true }, T0 + 12);
      expect(
        await ctx.store.queue.record(
          'w',
          [eventOutcomeFor(handed[0], T0 + 13, { status: 'success', nextAttemptAt: null })],
          T0 + 13,
          HAND_OFF,
        ),
      ).toEqual([]);
    });
  });

  describe('ordered endpoints', () => {
    it("attempts a message only after every earlier message's delivery succeeded or ended", async () => {
      const app = await createApp(ctx.store);
      const endpoint = await createEndpoint(ctx.store, app.id, { ordered: true });
      const [m1, m2, m3] = await send(app.id, 3);
      const claimAt = (now: number) => claimMessages(ctx.store, 'w', 100, LEASE_MS, now);
      const first = await claimAt(T0 + 10);
      expect(first.map((c) => c.message.id)).toEqual([m1]);
      expect(await claimAt(T0 + 11)).toEqual([]); // m1 in flight: nothing behind it
      // m1 fails, its retry due at T0 + 100: m2 and m3 wait for it.
      await ctx.store.queue.record(
        'w',
        [outcomeFor(first[0], T0 + 12, { status: 'pending', nextAttemptAt: T0 + 100 })],
        T0 + 12,
      );
      expect(await claimAt(T0 + 50)).toEqual([]);
      const retry = await claimAt(T0 + 100);
      expect(retry.map((c) => c.message.id)).toEqual([m1]);
      await ctx.store.queue.record(
        'w',
        [outcomeFor(retry[0], T0 + 101, { status: 'success', nextAttemptAt: null })],
        T0 + 101,
      );
      const second = await claimAt(T0 + 102);
      expect(second.map((c) => c.message.id)).toEqual([m2]);
      // A manual resend is not ordered: it goes at once, even of the last message, beside m2.
      await ctx.store.requeue.resend(app.id, m3, endpoint.id, T0 + 103);
      const resent = await claimAt(T0 + 104);
      expect(resent.map((c) => [c.message.id, c.delivery.trigger])).toEqual([[m3, 1]]);
      // m2 ends for good (its schedule exhausted): m3's scheduled delivery may go.
      await ctx.store.queue.record(
        'w',
        [outcomeFor(second[0], T0 + 105, { status: 'fail', nextAttemptAt: null })],
        T0 + 105,
      );
      const third = await claimAt(T0 + 106);
      expect(third.map((c) => [c.message.id, c.delivery.trigger])).toEqual([[m3, 0]]);
    });

    it('finds a retried head behind a window full of the messages that wait for it', async () => {
      const app = await createApp(ctx.store);
      await createEndpoint(ctx.store, app.id, { ordered: true });
      const [m1] = await send(app.id, 100);
      const first = await claimMessages(ctx.store, 'w', 10, LEASE_MS, T0 + 200);
      await ctx.store.queue.record(
        'w',
        [outcomeFor(first[0], T0 + 201, { status: 'pending', nextAttemptAt: T0 + 500 })],
        T0 + 201,
      );
      // A claim of 10 reads 64 rows at a time: all 99 waiting messages are due before m1's retry.
      const retry = await claimMessages(ctx.store, 'w', 10, LEASE_MS, T0 + 500);
      expect(retry.map((c) => c.message.id)).toEqual([m1]);
    });

    it('leaves other endpoints unaffected', async () => {
      const app = await createApp(ctx.store);
      await createEndpoint(ctx.store, app.id, { uid: 'ordered', ordered: true });
      await createEndpoint(ctx.store, app.id, { uid: 'free', url: 'https://example.com/f' });
      await send(app.id, 5);
      const claimed = await claimMessages(ctx.store, 'w', 100, LEASE_MS, T0 + 10);
      expect(endpointsOf(claimed).sort()).toEqual(['free', 'free', 'free', 'free', 'free', 'ordered']);
    });
  });
}
