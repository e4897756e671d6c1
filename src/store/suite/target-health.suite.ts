import { describe, expect, it } from 'vitest';
import type { ClaimedDelivery } from '../store.js';
import type { WorkDue } from '../work-signal.js';
import {
  claimMessages,
  countWork,
  createApp,
  createEndpoint,
  LEASE_MS,
  messageInput,
  type SuiteContext,
  T0,
} from './fixtures.suite.js';

export function describeTargetHealth(ctx: SuiteContext): void {
  describe('target health', () => {
    it("reads an endpoint never written as healthy, with its own rate or else its application's", async () => {
      const { store } = ctx;
      const app = await store.applications.create({ name: 'Acme', throttleRate: 7 }, T0);
      const own = await createEndpoint(store, app.id, { throttleRate: 3 });
      const inherited = await createEndpoint(store, app.id);
      const destination = await store.destinations.create({ url: 'https://svc.example/in', throttleRate: 5 }, T0);
      const read = await store.health.read([own.id, inherited.id, 'ep_missing'], [destination.id]);
      const byId = new Map(read.map((h) => [h.targetId, h]));
      expect(byId.size).toBe(3);
      expect(byId.get(own.id)).toMatchObject({ rate: 3, circuit: 'closed', pausedUntil: null, failingSince: null });
      expect(byId.get(inherited.id)?.rate).toBe(7);
      expect(byId.get(destination.id)?.rate).toBe(5);
    });

    it('reserves consecutive slots that never overlap, starting no earlier than a pause', async () => {
      const { store } = ctx;
      const endpoint = await createEndpoint(store, (await createApp(store)).id);
      const [a, b] = await Promise.all([
        store.health.reserve(endpoint.id, 20, 5, T0),
        store.health.reserve(endpoint.id, 20, 5, T0),
      ]);
      expect([a, b].sort((x, y) => x - y)).toEqual([T0, T0 + 100]);
      // Later, after the budget's slots have passed: the next slot is now.
      expect(await store.health.reserve(endpoint.id, 20, 1, T0 + 1_000)).toBe(T0 + 1_000);
      await store.health.slowDown(
        endpoint.id,
        { slowRate: null, slowCeiling: null, pausedUntil: T0 + 5_000 },
        T0 + 1_001,
      );
      expect(await store.health.reserve(endpoint.id, 20, 1, T0 + 1_002)).toBe(T0 + 5_000);
      expect(await store.health.reserve(endpoint.id, 20, 1, T0 + 1_003)).toBe(T0 + 5_020);
    });

    it('gives a held slot to one taker only; a slow-down drops the slots held at the old pace', async () => {
      const { store } = ctx;
      const endpoint = await createEndpoint(store, (await createApp(store)).id);
      await store.health.holdSlots([
        { deliveryId: 'dlv_1', targetId: endpoint.id, slotAt: T0 + 20 },
        { deliveryId: 'dlv_2', targetId: endpoint.id, slotAt: T0 + 40 },
        { deliveryId: 'dlv_3', targetId: endpoint.id, slotAt: T0 + 60 },
      ]);
      const [first, second] = await Promise.all([
        store.health.takeSlots(['dlv_1', 'dlv_9']),
        store.health.takeSlots(['dlv_1']),
      ]);
      expect([...first, ...second]).toEqual([{ deliveryId: 'dlv_1', targetId: endpoint.id, slotAt: T0 + 20 }]);
      await store.health.slowDown(endpoint.id, { slowRate: 2, slowCeiling: 10, pausedUntil: null }, T0 + 30);
      expect(await store.health.takeSlots(['dlv_2', 'dlv_3'])).toEqual([]);
      const [health] = await store.health.read([endpoint.id], []);
      expect(health).toMatchObject({ slowRate: 2, slowCeiling: 10, slowSince: T0 + 30, pausedUntil: null });
      // A pause never shortens one already set.
      await store.health.slowDown(endpoint.id, { slowRate: null, slowCeiling: null, pausedUntil: T0 + 9_000 }, T0 + 40);
      await store.health.slowDown(endpoint.id, { slowRate: 1, slowCeiling: 10, pausedUntil: T0 + 2_000 }, T0 + 50);
      expect((await store.health.read([endpoint.id], []))[0]).toMatchObject({ pausedUntil: T0 + 9_000, slowRate: 1 });
    });

    it("gives a target's held slots within a window to other takers, earliest first, each to one taker", async () => {
      const { store } = ctx;
      await store.health.holdSlots([
        { deliveryId: 'dlv_a', targetId: 'ep_x', slotAt: T0 + 60 },
        { deliveryId: 'dlv_b', targetId: 'ep_x', slotAt: T0 + 20 },
        { deliveryId: 'dlv_c', targetId: 'ep_x', slotAt: T0 + 40 },
        { deliveryId: 'dlv_far', targetId: 'ep_x', slotAt: T0 + 5_000 },
        { deliveryId: 'dlv_past', targetId: 'ep_x', slotAt: T0 - 1_000 },
        { deliveryId: 'dlv_other', targetId: 'ep_y', slotAt: T0 + 30 },
      ]);
      const [first, second] = await Promise.all([
        store.health.takeTargetSlots('ep_x', T0 - 500, T0 + 1_000, 2),
        store.health.takeTargetSlots('ep_x', T0 - 500, T0 + 1_000, 2),
      ]);
      expect(first.length).toBeLessThanOrEqual(2);
      expect(second.length).toBeLessThanOrEqual(2);
      const rest = await store.health.takeTargetSlots('ep_x', T0 - 500, T0 + 1_000, 5);
      // The three in the window, each to one taker only (under a race on PostgreSQL, the loser of
      // a row finds it gone and returns fewer).
      expect([...first, ...second, ...rest].sort((a, b) => a - b)).toEqual([T0 + 20, T0 + 40, T0 + 60]);
      // The delivery whose slot was taken finds none when it comes back; the others keep theirs.
      expect(
        (await store.health.takeSlots(['dlv_a', 'dlv_far', 'dlv_past', 'dlv_other'])).map((s) => s.deliveryId).sort(),
      ).toEqual(['dlv_far', 'dlv_other', 'dlv_past']);
    });

    it('sweeps held slots whose delivery never came back', async () => {
      const { store } = ctx;
      await store.health.holdSlots([
        { deliveryId: 'dlv_old', targetId: 'ep_x', slotAt: T0 },
        { deliveryId: 'dlv_new', targetId: 'ep_x', slotAt: T0 + 10_000 },
      ]);
      expect(await store.health.sweepSlots(T0 + 1)).toBe(1);
      expect((await store.health.takeSlots(['dlv_old', 'dlv_new'])).map((s) => s.deliveryId)).toEqual(['dlv_new']);
    });

    it('opens a circuit, gives its probe to one taker once due, and closes it', async () => {
      const { store } = ctx;
      const endpoint = await createEndpoint(store, (await createApp(store)).id);
      await store.health.setCircuit(endpoint.id, 'open', T0 + 1_000, T0);
      expect(await store.health.takeProbe(endpoint.id, T0 + 2_000, T0 + 999)).toBe(false);
      const takers = await Promise.all([
        store.health.takeProbe(endpoint.id, T0 + 2_000, T0 + 1_000),
        store.health.takeProbe(endpoint.id, T0 + 2_000, T0 + 1_000),
      ]);
      expect(takers.filter(Boolean)).toHaveLength(1);
      expect((await store.health.read([endpoint.id], []))[0]).toMatchObject({
        circuit: 'half-open',
        probeAt: T0 + 2_000,
      });
      expect(await store.health.endpointCircuits()).toEqual([{ endpointId: endpoint.id, circuit: 'half-open' }]);
      await store.health.setCircuit(endpoint.id, 'closed', null, T0 + 1_500);
      expect(await store.health.takeProbe(endpoint.id, T0 + 9_000, T0 + 5_000)).toBe(false);
      expect((await store.health.read([endpoint.id], []))[0]).toMatchObject({ circuit: 'closed', probeAt: null });
    });

    it('closing a circuit makes due now the deliveries held until its probe, and signals work', async () => {
      const { store } = ctx;
      const app = await createApp(store);
      const endpoint = await createEndpoint(store, app.id);
      const other = await createEndpoint(store, app.id, { url: 'https://other.example/hook' });
      for (let i = 0; i < 3; i++) await store.messages.create(messageInput(app.id), T0);
      const claimed = await claimMessages(store, 'w', 10, LEASE_MS, T0);
      const mine = claimed.filter((c) => c.endpoint.id === endpoint.id);
      expect(mine).toHaveLength(3);
      const PROBE_AT = T0 + 60_000;
      await store.health.setCircuit(endpoint.id, 'open', PROBE_AT, T0);
      // Two held until the probe; one retry due later than any probe; the other endpoint's held too.
      await store.queue.postpone(
        'w',
        [
          { id: mine[0].delivery.id, dueAt: PROBE_AT },
          { id: mine[1].delivery.id, dueAt: PROBE_AT },
          { id: mine[2].delivery.id, dueAt: T0 + 600_000 },
          ...claimed.filter((c) => c.endpoint.id === other.id).map((c) => ({ id: c.delivery.id, dueAt: PROBE_AT })),
        ],
        T0,
      );
      const work = countWork(store);
      const NOW = T0 + 1_000;
      expect(await store.health.closeCircuit({ id: endpoint.id, kind: 'endpoint' }, NOW + 60_000, NOW)).toBe(2);
      expect(work.count).toBeGreaterThanOrEqual(1);
      expect((await store.health.read([endpoint.id], []))[0]).toMatchObject({ circuit: 'closed', probeAt: null });
      const due = await claimMessages(store, 'w', 10, LEASE_MS, NOW);
      expect(due.map((c) => c.delivery.id).sort()).toEqual([mine[0].delivery.id, mine[1].delivery.id].sort());
      // Nothing held: nothing moved, no signal.
      const signals = work.count;
      expect(await store.health.closeCircuit({ id: endpoint.id, kind: 'endpoint' }, NOW + 60_000, NOW)).toBe(0);
      expect(work.count).toBe(signals);
    });

    it('creates deliveries for a target that may not be sent to yet due when it may: none handed off, each commit signalling that time', async () => {
      // Behind a dead destination, each group commit woke a claim that leased its events for the
      // gate to give back, and the gate then moved them to the probe: three writes of each, and the
      // ingest at ~60% of its rate behind a slow destination (bench: destination down).
      const { store } = ctx;
      const app = await createApp(store);
      const endpoint = await createEndpoint(store, app.id);
      const destination = await store.destinations.create({ url: 'https://svc.example/in' }, T0);
      const PROBE_AT = T0 + 60_000;
      await store.health.setCircuit(endpoint.id, 'open', PROBE_AT, T0);
      const pausedUntil = PROBE_AT + 30_000;
      await store.health.slowDown(destination.id, { slowRate: null, slowCeiling: null, pausedUntil }, T0);
      const taken: ClaimedDelivery[] = [];
      await store.queue.attachLocalWorker({
        workerId: 'wrk_local',
        leaseMs: LEASE_MS,
        reserve: (wanted) => wanted,
        unreserve: () => {},
        take: (claimed) => taken.push(...claimed),
      });
      const signals: [WorkDue, number | undefined][] = [];
      store.queue.onWork((due, at) => signals.push([due, at]));
      const NOW = T0 + 1_000;
      const routes = [{ connectionId: null, destinationId: destination.id }];
      const request = { sourceId: null, method: 'POST', path: '/', headers: [], body: Buffer.from('{}') };
      // Each face, two group commits: each commit signals when its deliveries are due, no claim.
      for (let commit = 0; commit < 2; commit++) {
        await Promise.all([0, 1].map(() => store.messages.create(messageInput(app.id), NOW)));
      }
      expect(signals.length).toBeGreaterThanOrEqual(1);
      expect(new Set(signals.map(String))).toEqual(new Set([String(['later', PROBE_AT])]));
      signals.length = 0;
      const events = [];
      for (let commit = 0; commit < 2; commit++) {
        const received = await Promise.all([0, 1].map(() => store.inbound.receive(request, routes, null, NOW)));
        events.push(...received.flatMap((r) => r.events));
      }
      await store.queue.attachLocalWorker(null);
      expect(taken).toEqual([]);
      expect(signals.length).toBeGreaterThanOrEqual(1);
      expect(new Set(signals.map(String))).toEqual(new Set([String(['later', pausedUntil])]));
      expect(events.map((e) => e.nextAttemptAt)).toEqual(Array(4).fill(pausedUntil));
      expect(await store.queue.nextDueAt()).toBe(PROBE_AT);
      expect(await store.queue.claim('w', 100, LEASE_MS, NOW + 1_000)).toEqual([]);
      // The circuit closes: the messages' deliveries are due now; the events wait for the pause's end.
      expect(await store.health.closeCircuit({ id: endpoint.id, kind: 'endpoint' }, PROBE_AT, NOW + 2_000)).toBe(4);
      const due = await store.queue.claim('w', 100, 10 * LEASE_MS, NOW + 2_000);
      expect(due.map((c) => c.kind)).toEqual(Array(4).fill('message'));
      const later = await store.queue.claim('w', 100, LEASE_MS, pausedUntil);
      expect(later.map((c) => c.kind)).toEqual(Array(4).fill('event'));
    });

    it('keeps the failure clock from the first failure until a success', async () => {
      const { store } = ctx;
      const endpoint = await createEndpoint(store, (await createApp(store)).id);
      expect(await store.health.markFailing(endpoint.id, T0)).toBe(T0);
      expect(await store.health.markFailing(endpoint.id, T0 + 5_000)).toBe(T0);
      await store.health.markHealthy(endpoint.id, T0 + 6_000);
      expect((await store.health.read([endpoint.id], []))[0].failingSince).toBeNull();
      expect(await store.health.markFailing(endpoint.id, T0 + 7_000)).toBe(T0 + 7_000);
    });
  });
}
