import { mkdtempSync, rmSync } from 'node:fs';
import { claimMessages, endpointInput, outcomeFor, ROOMY_APPLICATIONS } from '../suite/fixtures.suite.js';
import { newId } from '../../core/ids.js';
import type { ClaimedEvent } from '../store.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { runStoreSuite } from '../store.suite.js';
import { MIGRATIONS } from './migrations.js';
import { SqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'hookd-sqlite-'));
let n = 0;
const newPath = () => join(dir, `store-${++n}.db`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

runStoreSuite('sqlite', async (fairLimits) => SqliteStore.open(newPath(), { fairLimits }));

describe('SqliteStore specifics', () => {
  it('keeps committed data across close and reopen', async () => {
    const path = newPath();
    const first = SqliteStore.open(path);
    await first.migrate();
    const app = await first.applications.create({ name: 'Acme' }, 1);
    // Not awaited before close: close() still writes the queued group commit.
    const pending = first.messages.create({ appRef: app.id, eventType: 't', payload: '{}' }, 2);
    await first.close();
    const { message } = await pending;

    const second = SqliteStore.open(path);
    await second.migrate();
    expect(await second.applications.get(app.id)).toEqual(app);
    expect(await second.messages.get(app.id, message.id)).toEqual(message);
    await second.close();
  });

  it('migrates once: a second migrate() is a no-op, and the file is in WAL mode', async () => {
    const path = newPath();
    const store = SqliteStore.open(path);
    await store.migrate();
    await store.migrate();
    await store.close();
    const db = new Database(path, { readonly: true });
    const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
    expect(versions).toEqual(MIGRATIONS.map((m) => m.version));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it("keeps a message's delivery and attempt in the message list indexes, and an event's in none", async () => {
    const path = newPath();
    const store = SqliteStore.open(path);
    await store.migrate();
    const app = await store.applications.create({ name: 'a' }, 1);
    await store.endpoints.create(app.id, endpointInput(), 1);
    await store.messages.create({ appRef: app.id, eventType: 't', payload: '{}' }, 2);
    const [message] = await claimMessages(store, 'w', 10, 30_000, 3);
    const source = await store.sources.create({ name: 's', verification: { type: 'none' } }, 1);
    const destination = await store.destinations.create({ name: 'd', url: 'https://svc.example/in' }, 1);
    const route = { connectionId: null, destinationId: destination.id };
    await store.inbound.receive(
      { sourceId: source.id, method: 'POST', path: '', headers: [], body: Buffer.from('{}') },
      [route],
      null,
      4,
    );
    const [event] = (await store.queue.claim('w', 10, 30_000, 5)) as ClaimedEvent[];
    const eventAttempt = {
      kind: 'event' as const,
      id: newId('atmpt', 6),
      deliveryId: event.delivery.id,
      requestId: event.request.id,
      destinationId: destination.id,
      url: destination.url,
      status: 'success' as const,
      responseStatusCode: 200,
      response: '',
      responseDurationMs: 1,
      requestHeaders: {},
      trigger: event.delivery.trigger,
      createdAt: 6,
    };
    await store.queue.record(
      'w',
      [
        outcomeFor(message, 6, { status: 'success', nextAttemptAt: null }),
        { attempt: eventAttempt, status: 'success', nextAttemptAt: null },
      ],
      6,
    );
    await store.close();
    const db = new Database(path, { readonly: true });
    const entries = db
      .prepare(
        "SELECT name, sum(ncell) AS n FROM dbstat WHERE pagetype = 'leaf' AND name IN (?, ?, ?, ?, ?, ?) GROUP BY name",
      )
      .all('deliveries', 'attempts', 'deliveries_msg', 'deliveries_endpoint', 'attempts_msg', 'attempts_endpoint');
    db.close();
    // Two rows in each table; the list indexes hold the message's alone.
    expect(Object.fromEntries(entries.map((e) => [(e as { name: string }).name, (e as { n: number }).n]))).toEqual({
      deliveries: 2,
      attempts: 2,
      deliveries_msg: 1,
      deliveries_endpoint: 1,
      attempts_msg: 1,
      attempts_endpoint: 1,
    });
  });

  it('refuses a database migrated by a newer hookd', async () => {
    const path = newPath();
    const store = SqliteStore.open(path);
    await store.migrate();
    await store.close();
    const db = new Database(path);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, ?, 0)').run('future');
    db.close();
    const again = SqliteStore.open(path);
    await expect(again.migrate()).rejects.toThrow(/newer/);
    await again.close();
  });

  it('fails only the input whose write breaks a constraint that no check foresaw', async () => {
    const store = SqliteStore.open(':memory:');
    await store.migrate();
    const app = await store.applications.create({ name: 'a' }, 1);
    const input = (eventType: string | null) => ({ appRef: app.id, eventType: eventType as string, payload: '{}' });
    // A null event type passes the plan (reads only) and breaks NOT NULL on insert: the batch
    // rolls back and is retried input by input.
    const results = await Promise.allSettled(
      [input('a'), input(null), input('c')].map((i) => store.messages.create(i, 2)),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await store.messages.list(app.id, { limit: 10 })).data.map((m) => m.eventType)).toEqual(['c', 'a']);
    await store.close();
  });

  it('splits a burst larger than one group commit into several, losing nothing', async () => {
    const store = SqliteStore.open(':memory:', { fairLimits: ROOMY_APPLICATIONS });
    await store.migrate();
    const app = await store.applications.create({ name: 'a' }, 1);
    await store.endpoints.create(app.id, { url: 'https://x.test', secret: 'whsec_x', maxConcurrency: 5_000 }, 1);
    const burst = Array.from({ length: 2_500 }, () =>
      store.messages.create({ appRef: app.id, eventType: 't', payload: '{}' }, 2),
    );
    expect(new Set((await Promise.all(burst)).map((r) => r.message.id)).size).toBe(2_500);
    expect(await store.queue.claim('w', 5_000, 1_000, 2)).toHaveLength(2_500);
    await store.close();
  });

  it('works in memory', async () => {
    const store = SqliteStore.open(':memory:');
    await store.migrate();
    expect((await store.applications.create({ name: 'm' }, 1)).name).toBe('m');
    await store.close();
  });
});
