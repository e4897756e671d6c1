import { describe, expect, it } from 'vitest';
import type { AttemptRecord } from '../../core/types.js';
import type { ClaimedDelivery, LocalWorker, RequestInput } from '../store.js';
import { LEASE_MS, type SuiteContext, T0 } from './fixtures.suite.js';

/** A source with an HTTP destination and a device's CLI destination, both connected. */
async function setUpListen(ctx: SuiteContext) {
  const source = await ctx.store.sources.create({ name: 'stripe', verification: { type: 'none' } }, T0);
  const http = await ctx.store.destinations.create({ url: 'https://svc.example/hooks' }, T0);
  const httpConnection = await ctx.store.connections.create({ sourceId: source.id, destinationId: http.id }, T0);
  const cli = await ctx.store.listen.open(
    { sourceId: source.id, device: 'laptop', forwardTo: 'http://localhost:3000/hooks', filter: null },
    T0,
  );
  const routes = [
    { connectionId: httpConnection.id, destinationId: http.id },
    { connectionId: cli.connection.id, destinationId: cli.destination.id },
  ];
  const receive = async (n: number, now = T0) => {
    const input: RequestInput = {
      sourceId: source.id,
      method: 'POST',
      path: `/n${n}`,
      headers: [],
      body: Buffer.from([n]),
    };
    return (await ctx.store.inbound.receive(input, routes, null, now)).events;
  };
  return { source, http, cli, receive };
}

/** The attempt a session records for an event it streamed. */
function cliAttempt(
  eventId: string,
  requestId: string,
  destinationId: string,
  status: 'success' | 'fail',
): AttemptRecord {
  return {
    kind: 'event',
    id: `atmpt_${eventId}`,
    deliveryId: eventId,
    requestId,
    destinationId,
    url: 'http://localhost:3000/hooks',
    status,
    responseStatusCode: status === 'success' ? 200 : 0,
    response: '',
    responseDurationMs: 3,
    requestHeaders: {},
    trigger: 0,
    createdAt: T0,
  };
}

/** `hookd listen`'s queue: CLI destinations, out of the engine's reach, taken in order by one session. */
export function describeListen(ctx: SuiteContext): void {
  describe('listen: CLI destinations and their queue', () => {
    it('keeps one destination and connection per (source, device), updating URL and filter', async () => {
      const { source, cli } = await setUpListen(ctx);
      expect(cli.destination).toMatchObject({ kind: 'cli', uid: `listen_${source.id}_laptop` });
      const again = await ctx.store.listen.open(
        { sourceId: source.id, device: 'laptop', forwardTo: 'http://localhost:4000/', filter: { method: 'POST' } },
        T0 + 1,
      );
      expect(again.destination.id).toBe(cli.destination.id);
      expect(again.destination.url).toBe('http://localhost:4000/');
      expect(again.connection).toMatchObject({ id: cli.connection.id, filter: { method: 'POST' } });
      const other = await ctx.store.listen.open(
        { sourceId: source.id, device: 'desktop', forwardTo: 'http://localhost:3000/', filter: null },
        T0,
      );
      expect(other.destination.id).not.toBe(cli.destination.id);
    });

    it('never lets the engine claim a CLI event, nor hands one to the local worker', async () => {
      const { cli, http, receive } = await setUpListen(ctx);
      const taken: ClaimedDelivery[] = [];
      const worker: LocalWorker = {
        workerId: 'wrk_local',
        leaseMs: LEASE_MS,
        reserve: (wanted) => wanted,
        unreserve: () => {},
        take: (claimed) => taken.push(...claimed),
      };
      await ctx.store.queue.attachLocalWorker(worker);
      const events = await receive(1);
      await ctx.store.queue.attachLocalWorker(null);
      expect(taken.map((c) => c.kind === 'event' && c.destination.id)).toEqual([http.id]);
      const cliEvent = events.find((e) => e.destinationId === cli.destination.id)!;
      expect(cliEvent.status).toBe('pending');
      // The HTTP event is leased to the local worker; the CLI event is no one's to claim.
      expect(await ctx.store.queue.claim('wrk_other', 10, LEASE_MS, T0 + 1)).toEqual([]);
      expect(await ctx.store.queue.nextDueAt()).toBe(T0 + LEASE_MS); // the HTTP event's lease only
      // It is an event like any other to the API.
      expect(await ctx.store.requests.getEvent(cliEvent.id)).toMatchObject({ id: cliEvent.id, status: 'pending' });
    });

    it('leases the oldest due event to one session at a time, records its outcome, retries a failure', async () => {
      const { cli, receive } = await setUpListen(ctx);
      const dst = cli.destination.id;
      const first = (await receive(1, T0)).find((e) => e.destinationId === dst)!;
      const second = (await receive(2, T0 + 1)).find((e) => e.destinationId === dst)!;
      const leased = await ctx.store.listen.claimNext(dst, 'lsn_a', LEASE_MS, T0 + 2);
      expect(leased?.delivery.id).toBe(first.id);
      expect(leased?.request.body).toEqual(Buffer.from([1]));
      expect(await ctx.store.listen.isLeased(first.id, 'lsn_a')).toBe(true);
      const next = await ctx.store.listen.claimNext(dst, 'lsn_b', LEASE_MS, T0 + 2);
      expect(next?.delivery.id).toBe(second.id);
      expect(await ctx.store.listen.claimNext(dst, 'lsn_b', LEASE_MS, T0 + 2)).toBeNull();
      const attempt = cliAttempt(first.id, first.requestId, dst, 'fail');
      await ctx.store.queue.record('lsn_a', [{ attempt, status: 'pending', nextAttemptAt: T0 + 5_000 }], T0 + 3);
      expect(await ctx.store.listen.isLeased(first.id, 'lsn_a')).toBe(false);
      expect(await ctx.store.listen.nextDueAt(dst)).toBe(T0 + 5_000);
      expect((await ctx.store.requests.listEventAttempts(first.id, { limit: 10 })).data).toHaveLength(1);
      expect((await ctx.store.listen.claimNext(dst, 'lsn_a', LEASE_MS, T0 + 5_000))?.delivery.id).toBe(first.id);
    });

    it('a new session takes over leases left behind; --no-replay cancels the backlog', async () => {
      const { cli, receive } = await setUpListen(ctx);
      const dst = cli.destination.id;
      for (let n = 0; n < 3; n++) await receive(n, T0 + n);
      await ctx.store.listen.claimNext(dst, 'lsn_gone', LEASE_MS, T0 + 5);
      expect(await ctx.store.listen.takeOver(dst, T0 + 6)).toBe(1);
      expect(await ctx.store.listen.skipBacklog(dst, T0 + 7)).toBe(3);
      expect(await ctx.store.listen.claimNext(dst, 'lsn_new', LEASE_MS, T0 + 8)).toBeNull();
      const events = await ctx.store.requests.listEvents({ destinationId: dst }, { limit: 10 });
      expect(events.data.map((e) => e.status)).toEqual(['canceled', 'canceled', 'canceled']);
    });
  });
}
