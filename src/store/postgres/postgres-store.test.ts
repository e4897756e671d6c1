import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { reusableTestSchema, type TestSchema } from '../../../test/helpers/test-schemas.js';
import type { FairLimits } from '../fair-share.js';
import type { ClaimedMessage } from '../store.js';
import { claimMessages, ROOMY_APPLICATIONS } from '../suite/fixtures.suite.js';
import { ValidationError } from '../../core/errors.js';
import { runStoreSuite } from '../store.suite.js';
import type { WorkDue } from '../work-signal.js';
import type { StoredRequestNote } from '../request-feed.js';
import { LEASE_MS, messageInput, outcomeFor, T0 } from '../suite/fixtures.suite.js';
import { SCAN_WINDOW_SQL, TARGET_WINDOW_SQL } from './fair-claim.js';
import { LEASE_PICKED, POSTPONE, RECORD, RECORD_HANDING_OFF } from './delivery-queue.js';
import { RECEIVE, REPLAY } from './inbound.js';
import { LOAD_ENDPOINTS, WRITE } from './message-writer.js';
import { MIGRATIONS } from './migrations.js';
import { PostgresStore } from './postgres-store.js';

const url = process.env.HOOKD_TEST_DATABASE_URL;

if (url === undefined || url === '') {
  describe.skip('postgres: skipped, HOOKD_TEST_DATABASE_URL is not set', () => {
    it('runs the Store conformance suite and the PostgreSQL-specific tests', () => undefined);
  });
} else {
  describePostgres(url);
}

function describePostgres(url: string): void {
  const schemas: string[] = [];
  /** A fresh schema name for this run; dropped after all tests. */
  const newSchema = () => {
    const schema = `hookd_test_${randomBytes(6).toString('hex')}`;
    schemas.push(schema);
    return schema;
  };
  const open = (schema: string, fairLimits?: FairLimits) =>
    PostgresStore.open(url, { schema, poolSize: 4, fairLimits });

  afterAll(async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  // The suite closes each test's store before the next test asks for one: the schema it used can
  // then be emptied and used again (test/helpers/test-schemas.ts).
  let suiteSchema: TestSchema | null = null;
  afterAll(() => suiteSchema?.release());
  runStoreSuite('postgres', async (fairLimits) => {
    await suiteSchema?.release();
    suiteSchema = await reusableTestSchema(url);
    return open(suiteSchema.name, fairLimits);
  });

  describe('PostgresStore specifics', () => {
    /** Two stores on one schema, as two processes would have: two pools, two LISTEN connections. */
    async function twoStores() {
      const schema = newSchema();
      // Named after the schema, so that a test can find these stores' connections in pg_stat_activity.
      // One application's bursts: the limits bind nowhere here.
      const options = { schema, poolSize: 4, applicationName: schema, fairLimits: ROOMY_APPLICATIONS };
      const a = await PostgresStore.open(url, options);
      const b = await PostgresStore.open(url, options);
      await Promise.all([a.migrate(), b.migrate()]);
      return { a, b, schema, close: () => Promise.all([a.close(), b.close()]) };
    }

    it('never leases one delivery to two stores claiming at the same time', async () => {
      const { a, b, close } = await twoStores();
      const app = await a.applications.create({ name: 'a' }, T0);
      await a.endpoints.create(app.id, { url: 'https://x.test', secret: 'whsec_x', maxConcurrency: 1_000 }, T0);
      await Promise.all(Array.from({ length: 500 }, (_, i) => a.messages.create(messageInput(app.id), T0 + (i % 7))));
      const drain = async (store: PostgresStore, worker: string) => {
        const ids: string[] = [];
        for (;;) {
          const claimed = await claimMessages(store, worker, 50, LEASE_MS, T0 + 10);
          if (claimed.length === 0) return ids;
          ids.push(...claimed.map((c) => c.delivery.id));
        }
      };
      // Two claim loops per store, all four at once.
      const [a1, b1, a2, b2] = await Promise.all([drain(a, 'wa1'), drain(b, 'wb1'), drain(a, 'wa2'), drain(b, 'wb2')]);
      const byA = [...a1, ...a2];
      const byB = [...b1, ...b2];
      const seenA = new Set(byA);
      expect(byA.length + byB.length).toBe(500);
      expect(new Set([...byA, ...byB]).size).toBe(500);
      expect(byB.filter((id) => seenA.has(id))).toEqual([]);
      expect(byA.length).toBeGreaterThan(0);
      expect(byB.length).toBeGreaterThan(0);
      await close();
    });

    it('holds each endpoint to its limit across two stores claiming at the same time', async () => {
      const { a, b, close } = await twoStores();
      const app = await a.applications.create({ name: 'a' }, T0);
      const limited = await a.endpoints.create(
        app.id,
        { url: 'https://x.test', secret: 'whsec_x', maxConcurrency: 3 },
        T0,
      );
      await a.endpoints.create(app.id, { url: 'https://y.test', secret: 'whsec_y' }, T0); // the default, 16
      await Promise.all(Array.from({ length: 40 }, () => a.messages.create(messageInput(app.id), T0)));
      // Eight claims of 5 at once, over two pools: as many as 40 would fit the claims' limits.
      const claims = await Promise.all(
        Array.from({ length: 8 }, (_, i) => claimMessages(i % 2 ? a : b, `w${i}`, 5, LEASE_MS, T0 + 10)),
      );
      const byEndpoint = (id: string) => claims.flat().filter((c) => c.endpoint.id === id).length;
      expect(byEndpoint(limited.id)).toBe(3);
      expect(claims.flat()).toHaveLength(3 + 16);
      await close();
    });

    it("hands new deliveries to the local worker while its claim waits for another process's claim", async () => {
      const { a, b, schema, close } = await twoStores();
      const app = await a.applications.create({ name: 'a' }, T0);
      await a.endpoints.create(app.id, { url: 'https://x.test', secret: 'whsec_x' }, T0);
      // Another process's claim: holds the claims' advisory lock of the schema.
      const other = new pg.Client({ connectionString: url });
      await other.connect();
      await other.query('BEGIN');
      await other.query(`SELECT pg_advisory_xact_lock(hashtextextended('hookd claims ' || $1, 0))`, [schema]);
      const taken: string[] = [];
      await b.queue.attachLocalWorker({
        workerId: 'wrk_b',
        leaseMs: LEASE_MS,
        reserve: (wanted) => wanted,
        unreserve: () => {},
        take: (claimed) => taken.push(...claimed.map((c) => c.delivery.id)),
      });
      let claimed: ClaimedMessage[] | null = null;
      const claim = claimMessages(b, 'wrk_b', 10, LEASE_MS, T0 + 1).then((c) => (claimed = c));
      // b's claim is waiting for the lock (its turn at b's claim gate comes after it)...
      const waitingForLock = async () =>
        (
          await other.query(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
            [schema],
          )
        ).rows[0].n === 1;
      for (let tries = 0; !(await waitingForLock()); tries++) {
        if (tries === 250) throw new Error("b's claim never waited for the lock");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // ...and b's writer takes its turn meanwhile: the message is written and handed off.
      const { message } = await withTimeout(b.messages.create(messageInput(app.id), T0), 10_000);
      expect(taken).toHaveLength(1);
      expect(claimed).toBeNull();
      await other.query('ROLLBACK');
      await other.end();
      await claim;
      expect(claimed).toEqual([]); // the delivery was leased to b's worker at creation
      expect((await a.messages.get(app.id, message.id))?.id).toBe(message.id);
      await b.queue.attachLocalWorker(null);
      await close();
    });

    it('holds no new delivery behind a circuit that another process is closing: the write waits for the close', async () => {
      // A writer that read the circuit open just before the close committed could commit held
      // deliveries after the close's release had looked: they waited for a probe that no longer
      // came (up to 30 s). Now it reads the row under a shared lock, and waits for the close.
      const { a, schema, close } = await twoStores();
      const app = await a.applications.create({ name: 'a' }, T0);
      const endpoint = await a.endpoints.create(app.id, { url: 'https://x.test', secret: 'whsec_x' }, T0);
      const destination = await a.destinations.create({ url: 'https://svc.example/in' }, T0);
      const NOW = T0 + 1_000;
      /** Runs `write` while another process's transaction closes `target`'s circuit, then commits it. */
      const whileClosing = async <T>(target: string, write: () => Promise<T>): Promise<T> => {
        await a.health.setCircuit(target, 'open', T0 + 60_000, T0);
        const other = new pg.Client({ connectionString: url });
        await other.connect();
        await other.query(`SET search_path TO ${schema}`);
        await other.query('BEGIN');
        await other.query(`UPDATE target_health SET circuit = 'closed', probe_at = NULL WHERE target_id = $1`, [
          target,
        ]);
        let done = false;
        const written = write().finally(() => {
          done = true;
        });
        const waiting = async () =>
          (
            await other.query(
              `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
              [schema],
            )
          ).rows[0].n === 1;
        // The write waits for the close (without the lock it read the circuit open and was done).
        for (let tries = 0; !done && !(await waiting()); tries++) {
          if (tries === 250) throw new Error('the write neither waited for the lock nor ended');
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await other.query('COMMIT');
        await other.end();
        return written;
      };
      await whileClosing(endpoint.id, () => a.messages.create(messageInput(app.id), NOW));
      const request = { sourceId: null, method: 'POST', path: '/', headers: [], body: Buffer.from('{}') };
      const routes = [{ connectionId: null, destinationId: destination.id }];
      const { events } = await whileClosing(destination.id, () => a.inbound.receive(request, routes, null, NOW));
      expect(events.map((e) => e.nextAttemptAt)).toEqual([NOW]);
      expect(await a.queue.nextDueAt()).toBe(NOW);
      expect(await a.queue.claim('w', 10, LEASE_MS, NOW)).toHaveLength(2);
      await close();
    });

    it("wakes another store's onWork listeners through NOTIFY, and not its own twice", async () => {
      const { a, b, close } = await twoStores();
      const app = await a.applications.create({ name: 'a' }, T0);
      await a.endpoints.create(app.id, { url: 'https://x.test', secret: 'whsec_x' }, T0);
      let ownSignals = 0;
      a.queue.onWork(() => ownSignals++);
      const woken = new Promise<number>((resolve) => {
        const started = Date.now();
        b.queue.onWork(() => resolve(Date.now() - started));
      });
      await a.messages.create(messageInput(app.id), T0);
      expect(ownSignals).toBe(1); // in-process, right after the commit
      expect(await withTimeout(woken, 5_000)).toBeLessThan(5_000);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(ownSignals).toBe(1); // its own NOTIFY is not heard as a second signal
      await close();
    });

    it('wakes the other store after every commit that queues work, saying whether it is due now or later', async () => {
      const { a, b, close } = await twoStores();
      const app = await a.applications.create({ name: 'a' }, T0);
      const endpoint = await a.endpoints.create(app.id, { url: 'https://x.test', secret: 'whsec_x' }, T0);
      const local: WorkDue[] = [];
      const remote: WorkDue[] = [];
      a.queue.onWork((due) => local.push(due));
      b.queue.onWork((due) => remote.push(due));
      const expectWoken = async (what: string, due: WorkDue, act: () => Promise<unknown>) => {
        const before = remote.length;
        await act();
        expect(local.at(-1), what).toBe(due);
        await waitFor(() => remote.length > before, 5_000).catch(() => {
          throw new Error(`${what} did not wake the other store`);
        });
        expect(remote.slice(before), what).toEqual([due]);
      };
      const { message } = await a.messages.create(messageInput(app.id), T0);
      // This commit's NOTIFY too must have arrived before the next one is counted: a late one
      // would be counted twice.
      await waitFor(() => remote.length === 1, 5_000);
      await expectWoken('messages.create', 'now', () => a.messages.create(messageInput(app.id), T0));
      const claimed = await claimMessages(a, 'w', 10, LEASE_MS, T0);
      await expectWoken('queue.record (rescheduled)', 'later', () =>
        a.queue.record(
          'w',
          claimed.map((c) => outcomeFor(c, T0, { status: 'pending', nextAttemptAt: T0 + 1 })),
          T0,
        ),
      );
      await claimMessages(a, 'w', 10, LEASE_MS, T0 + 1);
      await expectWoken('queue.release', 'now', () => a.queue.release('w', T0 + 2));
      await expectWoken('requeue.resend', 'now', () => a.requeue.resend(app.id, message.id, endpoint.id, T0 + 3));
      const failed = await claimMessages(a, 'w', 10, LEASE_MS, T0 + 3);
      await a.queue.record(
        'w',
        failed.map((c) => outcomeFor(c, T0 + 3, { status: 'fail', nextAttemptAt: null })),
        T0 + 3,
      );
      await expectWoken('requeue.recoverFailed', 'now', () => a.requeue.recoverFailed(endpoint.id, {}, T0 + 4));
      const late = await a.endpoints.create(app.id, { url: 'https://y.test', secret: 'whsec_y' }, T0 + 5);
      await expectWoken('requeue.replayMissing', 'now', () => a.requeue.replayMissing(late.id, {}, T0 + 6));
      await close();
    });

    it("tells the other store when deliveries created for a held target are due: the probe's or the pause end's time", async () => {
      // A process that only takes API calls creates them; without the time in its NOTIFY, the
      // engines of the others learnt of them at their next lookup, up to their 30 s idle poll.
      const { a, b, close } = await twoStores();
      const app = await a.applications.create({ name: 'a' }, T0);
      const endpoint = await a.endpoints.create(app.id, { url: 'https://x.test', secret: 'whsec_x' }, T0);
      const destination = await a.destinations.create({ url: 'https://svc.example/in' }, T0);
      const probeAt = T0 + 60_000;
      const pausedUntil = T0 + 90_000;
      await a.health.setCircuit(endpoint.id, 'open', probeAt, T0);
      await a.health.slowDown(destination.id, { slowRate: null, slowCeiling: null, pausedUntil }, T0);
      const remote: [WorkDue, number | undefined][] = [];
      b.queue.onWork((due, at) => remote.push([due, at]));
      const routes = [{ connectionId: null, destinationId: destination.id }];
      const request = { sourceId: null, method: 'POST', path: '/', headers: [], body: Buffer.from('{}') };
      await a.messages.create(messageInput(app.id), T0 + 1);
      await waitFor(() => remote.length === 1, 5_000);
      const received = await a.inbound.receive(request, routes, null, T0 + 1);
      await waitFor(() => remote.length === 2, 5_000);
      await a.inbound.replay(received.request.id, routes, T0 + 2);
      await waitFor(() => remote.length === 3, 5_000);
      expect(remote).toEqual([
        ['later', probeAt],
        ['later', pausedUntil],
        ['later', pausedUntil],
      ]);
      await close();
    });

    it('gives a concurrently begun idempotency key to exactly one of two stores', async () => {
      const { a, b, close } = await twoStores();
      for (let round = 0; round < 10; round++) {
        const key = `race-${round}`;
        const states = await Promise.all(
          Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).auth.beginIdempotency(key, T0, T0 + 60_000)),
        );
        expect(states.filter((s) => s.state === 'new')).toHaveLength(1);
        expect(states.filter((s) => s.state === 'running')).toHaveLength(9);
      }
      await close();
    });

    it('creates one message for an eventId sent to two stores at once', async () => {
      const { a, b, close } = await twoStores();
      const app = await a.applications.create({ name: 'a' }, T0);
      await a.endpoints.create(app.id, { url: 'https://x.test', secret: 'whsec_x' }, T0);
      for (let round = 0; round < 10; round++) {
        const input = messageInput(app.id, { eventId: `evt-${round}` });
        const results = await Promise.all([a, b, a, b].map((store) => store.messages.create(input, T0)));
        expect(results.filter((r) => r.created)).toHaveLength(1);
        expect(new Set(results.map((r) => r.message.id)).size).toBe(1);
      }
      expect((await a.messages.list(app.id, { limit: 50 })).data).toHaveLength(10);
      expect(await claimMessages(a, 'w', 100, LEASE_MS, T0)).toHaveLength(10); // one delivery each
      await close();
    });

    it("carries each request one store stores to the other's feed, in batches, and not back to its own", async () => {
      const { a, b, close } = await twoStores();
      const source = await a.sources.create({ name: 's', verification: { type: 'none' } }, T0);
      const heardByA: StoredRequestNote[] = [];
      const heardByB: StoredRequestNote[] = [];
      a.inbound.onRequest((note) => heardByA.push(note));
      b.inbound.onRequest((note) => heardByB.push(note));
      const stored = [];
      for (let i = 0; i < 300; i++) {
        const input = { sourceId: source.id, method: 'POST', path: '', headers: [], body: Buffer.from(`${i}`) };
        stored.push((await a.inbound.receive(input, [], null, T0)).request.id);
      }
      const expected = stored.map((requestId) => ({ sourceId: source.id, requestId }));
      await expect.poll(() => heardByB.length).toBe(300);
      expect(heardByB).toEqual(expected);
      expect(heardByA).toEqual(expected); // at once, in process; its own NOTIFYs are not heard again
      await close();
    });

    it('migrates an empty schema from several fresh stores at once, exactly once', async () => {
      const schema = newSchema();
      const stores = await Promise.all([1, 2, 3].map(() => open(schema)));
      await Promise.all(stores.map((s) => s.migrate()));
      await Promise.all(stores.map((s) => s.migrate()));
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const { rows } = await client.query(`SELECT version FROM ${schema}.schema_migrations ORDER BY version`);
      await client.end();
      expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
      expect(await stores[0].applications.create({ name: 'x' }, T0)).toMatchObject({ name: 'x' });
      await Promise.all(stores.map((s) => s.close()));
    });

    it('refuses a schema migrated by a newer hookd', async () => {
      const schema = newSchema();
      const store = await open(schema);
      await store.migrate();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`INSERT INTO ${schema}.schema_migrations VALUES (999, 'future', 0)`);
      await client.end();
      await expect(store.migrate()).rejects.toThrow(/newer/);
      await store.close();
    });

    it('reconnects a dropped LISTEN connection and signals once, in case work arrived meanwhile', async () => {
      const { a, b, schema, close } = await twoStores();
      const app = await a.applications.create({ name: 'a' }, T0);
      await a.endpoints.create(app.id, { url: 'https://x.test', secret: 'whsec_x' }, T0);
      let signals = 0;
      b.queue.onWork(() => signals++);
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      // Both stores' LISTEN connections (as a server restart or an idle-connection killer would).
      const killed = await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
        [`${schema}:listen`],
      );
      await admin.end();
      expect(killed.rowCount).toBe(2);
      await waitFor(() => signals >= 1, 5_000);
      expect(signals).toBe(1);
      await a.messages.create(messageInput(app.id), T0);
      await waitFor(() => signals >= 2, 5_000);
      await close();
    });

    it('round-trips a payload byte for byte and stores a response that contains NUL', async () => {
      const store = await open(newSchema());
      await store.migrate();
      const app = await store.applications.create({ name: 'a', metadata: { z: '1', a: '2' } }, T0);
      expect(Object.keys((await store.applications.get(app.id))!.metadata)).toEqual(['z', 'a']); // key order kept
      await store.endpoints.create(
        app.id,
        { url: 'https://x.test', secret: 'whsec_x', headers: { 'x-b': '1', 'x-a': '2' } },
        T0,
      );
      const payload = '{ "b" :1,"a":"é\\u00e9 😀\\n",  "n":1.50e3 }\n';
      const { message } = await store.messages.create(messageInput(app.id, { payload, channels: ['eu', 'x"y'] }), T0);
      expect((await store.messages.get(app.id, message.id))!.payload).toBe(payload);
      const [claimed] = await claimMessages(store, 'w', 10, LEASE_MS, T0);
      expect(claimed.message.payload).toBe(payload);
      expect(claimed.message.channels).toEqual(['eu', 'x"y']);
      expect(Object.keys(claimed.endpoint.headers)).toEqual(['x-b', 'x-a']);
      const outcome = outcomeFor(claimed, T0 + 1, { status: 'success', nextAttemptAt: null });
      outcome.attempt.response = 'a\u0000b';
      await store.queue.record('w', [outcome], T0 + 1);
      expect((await store.attempts.get(app.id, message.id, outcome.attempt.id))!.response).toBe('a\uFFFDb');
      await store.close();
    });

    it('refuses text with a NUL character (which PostgreSQL cannot store) as bad input, alone in its batch', async () => {
      const store = await open(newSchema());
      await store.migrate();
      await expect(store.applications.create({ name: 'a\u0000b' }, T0)).rejects.toBeInstanceOf(ValidationError);
      const app = await store.applications.create({ name: 'a' }, T0);
      const results = await Promise.allSettled(
        ['x', 'y\u0000', 'z'].map((eventType) => store.messages.create(messageInput(app.id, { eventType }), T0)),
      );
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(ValidationError);
      await store.close();
    });

    it('claims through the partial indexes, not by reading the table', async () => {
      const schema = newSchema();
      const store = await open(schema, ROOMY_APPLICATIONS);
      await store.migrate();
      const admin = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
      await admin.connect();
      await admin.query(`INSERT INTO applications VALUES ('app_1', NULL, 'a', '{}', NULL, 0, 0)`);
      await admin.query(`INSERT INTO endpoints VALUES ('ep_1', 'app_1', NULL, 'https://x.test', '', NULL, NULL, false,
        '{}', NULL, '{}', '[]', 0, 0, 1000)`);
      await admin.query(`INSERT INTO messages SELECT 'msg_' || i, 'app_1', 't', NULL, NULL, '{}', i
        FROM generate_series(1, 30000) AS i`);
      // Mostly finished deliveries, as in a long-running system, and a few due.
      await admin.query(`INSERT INTO deliveries SELECT 'dlv_' || i, 'app_1', 'msg_' || i, 'ep_1',
          CASE WHEN i % 100 = 0 THEN 'pending' ELSE 'success' END, 0, 0, CASE WHEN i % 100 = 0 THEN i END, NULL, NULL, i, i
        FROM generate_series(1, 30000) AS i`);
      await admin.query('ANALYZE');
      const explain = async (sql: string, params: unknown[]) =>
        (await admin.query(`EXPLAIN (COSTS OFF) ${sql}`, params)).rows.map((r) => r['QUERY PLAN'] as string).join('\n');
      const byTime = await explain(SCAN_WINDOW_SQL, [T0, 100, ['ep_full'], 200]);
      const byTarget = await explain(TARGET_WINDOW_SQL, [T0, 100, ['ep_full'], 50, 16]);
      await admin.end();
      expect(byTime).toContain('Index Scan using deliveries_due on deliveries');
      expect(byTarget).toContain('Index Scan using deliveries_due_target on deliveries');
      for (const plan of [byTime, byTarget]) {
        expect(plan).toContain('Index Scan using deliveries_lease on deliveries');
        expect(plan).not.toMatch(/Seq Scan on deliveries/);
      }
      expect(await claimMessages(store, 'w', 1_000, LEASE_MS, T0)).toHaveLength(300);
      await store.close();
    });

    it('prepares only statements whose generic plan, made on an empty schema, reads the growing tables by index', async () => {
      // A prepared statement's generic plan is made on a connection's sixth call and kept: made on a
      // fresh schema, it must not scan a table that grows (delivery-queue.ts, RECORD).
      const schema = newSchema();
      const store = await open(schema);
      await store.migrate();
      await store.close();
      const admin = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
      await admin.connect();
      await admin.query('SET plan_cache_mode = force_generic_plan');
      const plans = new Map<string, string>();
      for (const statement of [WRITE, LOAD_ENDPOINTS, RECEIVE, REPLAY, RECORD, RECORD_HANDING_OFF, POSTPONE]) {
        const params = Math.max(...[...statement.text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
        await admin.query(`PREPARE generic AS ${statement.text}`);
        const plan = await admin.query(`EXPLAIN EXECUTE generic(${Array(params).fill('NULL').join(', ')})`);
        plans.set(statement.name, plan.rows.map((r) => r['QUERY PLAN'] as string).join('\n'));
        await admin.query('DEALLOCATE generic');
      }
      await admin.end();
      expect([...plans.keys()]).toHaveLength(7);
      for (const plan of plans.values())
        expect(plan).not.toMatch(/Seq Scan on (deliveries|messages|attempts|requests)\b/);
      // Each outcome's delivery by its key, each outcome once (not a batch hashed against the table).
      expect(plans.get(RECORD.name)).toMatch(/Index Scan using deliveries_pkey on deliveries/);
      expect(plans.get(RECORD_HANDING_OFF.name)).toMatch(/Index Scan using deliveries_pkey on deliveries/);
      expect(plans.get(POSTPONE.name)).toMatch(/Index Scan using deliveries_pkey on deliveries/);
      // Planned on every call, as the claim's other statements.
      expect(typeof LEASE_PICKED).toBe('string');
    });

    it('records a batch by primary key on a connection that began when the table was empty', async () => {
      const schema = newSchema();
      // One connection, as a long-lived one: every statement of the store runs on it.
      const store = await PostgresStore.open(url, { schema, poolSize: 1, fairLimits: ROOMY_APPLICATIONS });
      await store.migrate();
      const pool = (store as unknown as { db: { pool: pg.Pool } }).db.pool;
      const app = await store.applications.create({ name: 'a' }, T0);
      await store.endpoints.create(app.id, { url: 'https://x.test', secret: 'whsec_x', maxConcurrency: 1_000 }, T0);
      const claimBatch = async (count: number, now: number) => {
        await Promise.all(Array.from({ length: count }, () => store.messages.create(messageInput(app.id), now)));
        return claimMessages(store, 'w', count, LEASE_MS, now);
      };
      const record = (claimed: ClaimedMessage[], now: number) =>
        store.queue.record(
          'w',
          claimed.map((c) => outcomeFor(c, now, { status: 'success', nextAttemptAt: null })),
          now,
        );
      // Ten records while the table is small: a prepared statement would have had its generic plan.
      for (let i = 0; i < 10; i++) await record(await claimBatch(4, T0 + i), T0 + i);
      // The table grows (finished deliveries, as in a running system) with no ANALYZE since.
      await pool.query(
        `INSERT INTO messages SELECT 'msg_old' || i, $1, 't', NULL, NULL, '{}', 0
        FROM generate_series(1, 40000) AS i`,
        [app.id],
      );
      await pool.query(
        `INSERT INTO deliveries (id, app_id, msg_id, endpoint_id, status, trigger, attempt_count,
          created_at, updated_at)
        SELECT 'dlv_old' || i, $1, 'msg_old' || i, e.id, 'success', 0, 1, 0, 0
        FROM generate_series(1, 40000) AS i, endpoints e`,
        [app.id],
      );
      const claimed = await claimBatch(32, T0 + 100);
      expect(claimed).toHaveLength(32);
      // The deliveries table's pages read (hit or not) so far, this connection's counted too.
      const pagesRead = async () => {
        await pool.query('SELECT pg_stat_force_next_flush()');
        const { rows } = await pool.query<{ n: string }>(`SELECT heap_blks_hit + heap_blks_read AS n
          FROM pg_statio_user_tables WHERE schemaname = current_schema() AND relname = 'deliveries'`);
        return Number(rows[0].n);
      };
      const before = await pagesRead();
      await record(claimed, T0 + 101);
      const pages = (await pagesRead()) - before;
      const [{ table }] = (await pool.query<{ table: number }>(`SELECT pg_relation_size('deliveries') / 8192 AS table`))
        .rows;
      await store.close();
      // Each outcome reads its delivery's page a few times over (the attempt's EXISTS and foreign
      // key, the UPDATE and its lock) and the page its new version goes to: about ten pages each
      // (316 for 32 measured), where a plan that scans the table reads all of it, twice (1,060 with
      // the table at 413 pages: the record statement prepared and planned while the table was empty).
      expect(table).toBeGreaterThan(32 * 20);
      expect(pages).toBeLessThanOrEqual(32 * 15);
    });

    it('splits a burst larger than one group commit into several, losing nothing', async () => {
      const store = await open(newSchema(), ROOMY_APPLICATIONS);
      await store.migrate();
      const app = await store.applications.create({ name: 'a' }, T0);
      await store.endpoints.create(app.id, { url: 'https://x.test', secret: 'whsec_x', maxConcurrency: 5_000 }, T0);
      const burst = Array.from({ length: 2_500 }, () => store.messages.create(messageInput(app.id), T0));
      const pending = store.messages.create(messageInput(app.id), T0); // not awaited before close
      expect(new Set((await Promise.all(burst)).map((r) => r.message.id)).size).toBe(2_500);
      await store.close();
      expect((await pending).created).toBe(true);
      const again = await open(schemas[schemas.length - 1], ROOMY_APPLICATIONS);
      expect(await claimMessages(again, 'w', 5_000, 1_000, T0)).toHaveLength(2_501);
      await again.close();
    });

    it('refuses a schema name that is not a plain identifier', async () => {
      await expect(PostgresStore.open(url, { schema: 'x; DROP TABLE y' })).rejects.toThrow(/schema name/);
    });
  });
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function waitFor(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
