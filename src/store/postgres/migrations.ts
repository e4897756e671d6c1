import { type Migration, migrationsToApply } from '../migration.js';
import type { PgDb } from './database.js';

/**
 * Conventions:
 * - Times are `bigint` epoch ms (parsed to numbers per connection), booleans `boolean`.
 * - Maps (metadata, headers, secrets, schemas) are `json`, not `jsonb`: `json` keeps the text as
 *   sent, key order included, and nothing queries inside them. The two string lists that are
 *   filtered on (channels, event types) are `jsonb`, for the `?` operator. The payload is `text`:
 *   the exact JSON text that is signed and sent, byte for byte.
 * - Ids, uids and names are `COLLATE "C"`: lists page by id, and ids sort by creation time only
 *   in byte order (a linguistic collation would put `a` before `B`). Whatever the database's
 *   default collation, order and comparisons match SQLite's.
 * - Foreign keys cascade along one chain (application → endpoints and messages → deliveries →
 *   attempts), as on SQLite, and every one of them has an index on the referencing side.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
CREATE TABLE applications (
  id text COLLATE "C" PRIMARY KEY,
  uid text COLLATE "C" UNIQUE,
  name text NOT NULL,
  metadata json NOT NULL,
  throttle_rate integer,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);

CREATE TABLE event_types (
  name text COLLATE "C" PRIMARY KEY,
  description text NOT NULL,
  archived boolean NOT NULL,
  deprecated boolean NOT NULL,
  feature_flag text,
  schemas json,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);

CREATE TABLE endpoints (
  id text COLLATE "C" PRIMARY KEY,
  app_id text COLLATE "C" NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
  uid text COLLATE "C",
  url text NOT NULL,
  description text NOT NULL,
  event_types jsonb,
  channels jsonb,
  disabled boolean NOT NULL,
  metadata json NOT NULL,
  throttle_rate integer,
  headers json NOT NULL,
  secrets json NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  UNIQUE (app_id, uid)
);
CREATE INDEX endpoints_app ON endpoints (app_id, id);

CREATE TABLE messages (
  id text COLLATE "C" PRIMARY KEY,
  app_id text COLLATE "C" NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
  event_type text COLLATE "C" NOT NULL,
  event_id text COLLATE "C",
  channels jsonb,
  payload text,
  created_at bigint NOT NULL
);
CREATE INDEX messages_app ON messages (app_id, id);
-- eventId dedup across processes: INSERT ... ON CONFLICT (app_id, event_id) WHERE event_id IS NOT NULL.
CREATE UNIQUE INDEX messages_event_id ON messages (app_id, event_id) WHERE event_id IS NOT NULL;

-- The queue. The two partial indexes hold only the rows a claim looks for (pending, sending),
-- so a claim reads about as many index entries as it returns however long the backlog, and
-- finished rows cost it nothing. Frequent autovacuum keeps the dead entries that claims leave at
-- the head of those indexes few.
CREATE TABLE deliveries (
  id text COLLATE "C" PRIMARY KEY,
  app_id text COLLATE "C" NOT NULL,
  msg_id text COLLATE "C" NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  endpoint_id text COLLATE "C" NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
  status text NOT NULL,
  trigger smallint NOT NULL,
  attempt_count integer NOT NULL,
  next_attempt_at bigint,
  lease_owner text,
  lease_until bigint,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
) WITH (autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX deliveries_lease ON deliveries (lease_until) WHERE status = 'sending';
CREATE INDEX deliveries_msg ON deliveries (msg_id, endpoint_id);
CREATE INDEX deliveries_endpoint ON deliveries (endpoint_id, msg_id);

CREATE TABLE attempts (
  id text COLLATE "C" PRIMARY KEY,
  delivery_id text COLLATE "C" NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
  app_id text COLLATE "C" NOT NULL,
  msg_id text COLLATE "C" NOT NULL,
  endpoint_id text COLLATE "C" NOT NULL,
  url text NOT NULL,
  status text NOT NULL,
  response_status_code integer NOT NULL,
  response text NOT NULL,
  response_duration_ms integer NOT NULL,
  request_headers json NOT NULL,
  trigger smallint NOT NULL,
  created_at bigint NOT NULL
);
CREATE INDEX attempts_delivery ON attempts (delivery_id);
CREATE INDEX attempts_msg ON attempts (msg_id, id);
CREATE INDEX attempts_endpoint ON attempts (endpoint_id, id);

CREATE TABLE tokens (
  id text COLLATE "C" PRIMARY KEY,
  hash text COLLATE "C" NOT NULL UNIQUE,
  app_id text COLLATE "C" REFERENCES applications (id) ON DELETE CASCADE,
  created_at bigint NOT NULL,
  expires_at bigint
);
CREATE INDEX tokens_app ON tokens (app_id);

CREATE TABLE settings (
  key text COLLATE "C" PRIMARY KEY,
  value text NOT NULL
);

CREATE TABLE idempotency (
  key text COLLATE "C" PRIMARY KEY,
  state text NOT NULL,
  status_code integer,
  body text,
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL
);
`,
  },
  {
    version: 2,
    name: 'delivery kinds: messages, and received requests forwarded to destinations',
    // Existing rows become kind `message`. What a delivery (and an attempt) points at is per kind;
    // the CHECKs keep each kind's pointers set. A constant default is a catalog change only: no
    // table rewrite.
    sql: `
CREATE TABLE destinations (
  id text COLLATE "C" PRIMARY KEY,
  url text NOT NULL,
  created_at bigint NOT NULL
);

-- One received request, raw: headers are a json array of [name, value] pairs in arrival order
-- (json keeps it as sent), the body the exact bytes. path is what followed the source's path,
-- query included.
CREATE TABLE requests (
  id text COLLATE "C" PRIMARY KEY,
  source_id text COLLATE "C",
  method text NOT NULL,
  path text NOT NULL,
  headers json NOT NULL,
  body bytea NOT NULL,
  received_at bigint NOT NULL
);
CREATE INDEX requests_source ON requests (source_id, id) WHERE source_id IS NOT NULL;

ALTER TABLE deliveries
  ADD COLUMN kind text NOT NULL DEFAULT 'message',
  ALTER COLUMN app_id DROP NOT NULL,
  ALTER COLUMN msg_id DROP NOT NULL,
  ALTER COLUMN endpoint_id DROP NOT NULL,
  ADD COLUMN request_id text COLLATE "C" REFERENCES requests (id) ON DELETE CASCADE,
  ADD COLUMN destination_id text COLLATE "C" REFERENCES destinations (id) ON DELETE CASCADE,
  ADD CONSTRAINT deliveries_message_target
    CHECK (kind <> 'message' OR (app_id IS NOT NULL AND msg_id IS NOT NULL AND endpoint_id IS NOT NULL)),
  ADD CONSTRAINT deliveries_event_target CHECK (kind <> 'event' OR (request_id IS NOT NULL AND destination_id IS NOT NULL));
-- Partial: message deliveries (all of today's) pay nothing for them.
CREATE INDEX deliveries_request ON deliveries (request_id, destination_id) WHERE request_id IS NOT NULL;
CREATE INDEX deliveries_destination ON deliveries (destination_id, request_id) WHERE destination_id IS NOT NULL;

ALTER TABLE attempts
  ADD COLUMN kind text NOT NULL DEFAULT 'message',
  ALTER COLUMN app_id DROP NOT NULL,
  ALTER COLUMN msg_id DROP NOT NULL,
  ALTER COLUMN endpoint_id DROP NOT NULL,
  ADD COLUMN request_id text COLLATE "C",
  ADD COLUMN destination_id text COLLATE "C";
`,
  },
  {
    version: 3,
    name: 'receive: sources, connections, destination settings, request outcomes, dedup keys, events',
    // Event deliveries (kind `event`) get ids `evt_`: the API calls them events. connection_id has
    // no foreign key: an event outlives its connection (the history stays).
    sql: `
CREATE TABLE sources (
  id text COLLATE "C" PRIMARY KEY,
  uid text COLLATE "C" UNIQUE,
  name text NOT NULL,
  verification json NOT NULL,
  response json,
  dedup json,
  disabled boolean NOT NULL DEFAULT false,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);

ALTER TABLE destinations
  ADD COLUMN uid text COLLATE "C",
  ADD COLUMN name text NOT NULL DEFAULT '',
  ADD COLUMN headers json NOT NULL DEFAULT '{}',
  ADD COLUMN basic_auth json,
  ADD COLUMN throttle_rate integer,
  ADD COLUMN retry_schedule json,
  ADD COLUMN timeout_ms integer,
  ADD COLUMN secret text,
  ADD COLUMN disabled boolean NOT NULL DEFAULT false,
  ADD COLUMN updated_at bigint NOT NULL DEFAULT 0;
UPDATE destinations SET updated_at = created_at;
CREATE UNIQUE INDEX destinations_uid ON destinations (uid) WHERE uid IS NOT NULL;

CREATE TABLE connections (
  id text COLLATE "C" PRIMARY KEY,
  name text NOT NULL,
  source_id text COLLATE "C" NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
  destination_id text COLLATE "C" NOT NULL REFERENCES destinations (id) ON DELETE CASCADE,
  filter json,
  transform text,
  disabled boolean NOT NULL DEFAULT false,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX connections_source ON connections (source_id);
CREATE INDEX connections_destination ON connections (destination_id);

ALTER TABLE requests
  ADD COLUMN status text NOT NULL DEFAULT 'accepted',
  ADD COLUMN cause text,
  ADD COLUMN detail text,
  ADD COLUMN body_size integer NOT NULL DEFAULT 0;
UPDATE requests SET body_size = length(body);
CREATE INDEX requests_source_status ON requests (source_id, status, id) WHERE source_id IS NOT NULL;

-- What a source has seen, for its dedup window: one row per (source, key), the first request's id.
CREATE TABLE request_keys (
  source_id text COLLATE "C" NOT NULL,
  key text COLLATE "C" NOT NULL,
  request_id text COLLATE "C" NOT NULL,
  expires_at bigint NOT NULL,
  PRIMARY KEY (source_id, key)
);

ALTER TABLE deliveries ADD COLUMN connection_id text COLLATE "C";
CREATE INDEX deliveries_connection ON deliveries (connection_id) WHERE connection_id IS NOT NULL;
`,
  },
  {
    version: 4,
    name: 'retention: when a payload expires, when a request was pruned',
    sql: `
-- A message's payload (and its attempts' response bodies) is cleared at this time
-- (payloadRetentionPeriod); NULL: kept. The index holds only payloads still there.
ALTER TABLE messages ADD COLUMN payload_expires_at bigint;
CREATE INDEX messages_payload_expiry ON messages (payload_expires_at)
  WHERE payload IS NOT NULL AND payload_expires_at IS NOT NULL;
-- A received request whose body and headers were cleared by retention.
ALTER TABLE requests ADD COLUMN pruned_at bigint;
CREATE INDEX requests_unpruned ON requests (received_at) WHERE pruned_at IS NULL;
`,
  },
  {
    version: 5,
    name: "hookd listen: CLI destinations, and their events kept out of the engine's claims",
    // Events for a CLI destination are delivery kind `cli`: a `hookd listen` session takes them
    // (deliveries_cli), never the engine. Its two claim indexes leave them out, so that a CLI's
    // backlog while it is offline costs the engine's claims nothing.
    sql: `
ALTER TABLE destinations ADD COLUMN kind TEXT NOT NULL DEFAULT 'http';
DROP INDEX deliveries_due;
CREATE INDEX deliveries_due ON deliveries (next_attempt_at, id) WHERE status = 'pending' AND kind <> 'cli';
DROP INDEX deliveries_lease;
CREATE INDEX deliveries_lease ON deliveries (lease_until) WHERE status = 'sending' AND kind <> 'cli';
CREATE INDEX deliveries_cli ON deliveries (destination_id, created_at, id)
  WHERE kind = 'cli' AND status IN ('pending', 'sending');
`,
  },
  {
    version: 6,
    name: 'delivery control: per-endpoint concurrency limit, ordered endpoints',
    // deliveries_open: an ordered endpoint's head (its oldest scheduled delivery not ended) is the
    // first entry for the endpoint; rows leave the index when they end, so the lookup costs the
    // same however long the endpoint's history.
    sql: `
ALTER TABLE endpoints ADD COLUMN max_concurrency integer, ADD COLUMN ordered boolean NOT NULL DEFAULT false;
CREATE INDEX deliveries_open ON deliveries (endpoint_id, msg_id)
  WHERE kind = 'message' AND trigger = 0 AND status IN ('pending', 'sending');
`,
  },
  {
    // PostgreSQL's alone (SQLite counts in memory): 7 was applied before 6 on databases of that time.
    version: 7,
    name: 'API rate-limit counters',
    // UNLOGGED: counters of the last minute need no crash safety, and no WAL per failed request.
    sql: `
CREATE UNLOGGED TABLE rate_limit_counters (
  key text COLLATE "C" PRIMARY KEY,
  count integer NOT NULL,
  ends_at bigint NOT NULL
);
`,
  },
  {
    version: 8,
    name: 'endpoint health (rate budgets, slow-down, circuit state, failure clock), message traceparent',
    sql: `
-- Per target (an endpoint's or a destination's id) health, shared by every worker process:
-- the rate budget (GCRA: tat is the next free send slot, epoch ms), a Retry-After pause, the
-- adaptive slow-down after 429/502/503/504 (slow_rate msg/s at slow_since, climbing back to
-- slow_ceiling), the circuit (closed, open, half-open; probe_at: the next probe) and the failure
-- clock (failing_since: the first failure since the last success). No foreign key: a target is
-- of either kind; a deleted target's row is never read again.
CREATE TABLE target_health (
  target_id text COLLATE "C" PRIMARY KEY,
  tat double precision,
  paused_until bigint,
  slow_rate double precision,
  slow_ceiling double precision,
  slow_since bigint,
  circuit text NOT NULL DEFAULT 'closed',
  probe_at bigint,
  failing_since bigint,
  updated_at bigint NOT NULL
);
-- Send slots reserved in the budget by deliveries given back to the queue until then: the
-- delivery that comes back (to any worker) takes its own slot instead of a new one.
CREATE TABLE throttle_slots (
  delivery_id text COLLATE "C" PRIMARY KEY,
  target_id text COLLATE "C" NOT NULL,
  slot_at double precision NOT NULL
);
CREATE INDEX throttle_slots_target ON throttle_slots (target_id);
CREATE INDEX throttle_slots_slot ON throttle_slots (slot_at);
-- The W3C traceparent of the API call that created the message: its attempts are child spans.
ALTER TABLE messages ADD COLUMN traceparent text;
`,
  },
  {
    version: 9,
    name: 'claims walk targets with due work, not the due backlog of the targets they leave out',
    // Pending deliveries by target and due time: a claim finds the targets with due work one seek
    // each (store/fair-share.ts, FairClaim), so the backlog of a target at its limit is never read.
    // IF NOT EXISTS: on a large table the operator builds it first with CREATE INDEX CONCURRENTLY
    // (docs/deploy.md, "Upgrading"), which no migration can do inside its transaction.
    sql: `
CREATE INDEX IF NOT EXISTS deliveries_due_target ON deliveries ((COALESCE(endpoint_id, destination_id)), next_attempt_at, id)
  WHERE status = 'pending' AND kind <> 'cli';
`,
  },
];

/**
 * Applies the migrations that `schema_migrations` does not list, in one transaction (DDL is
 * transactional on PostgreSQL: a crash half-way leaves the schema as it was), under a
 * transaction-scoped advisory lock: processes that start together queue on the lock, and each
 * one after the first finds nothing left to do. The lock key is per schema, so that schemas of
 * one database (one per test) migrate independently. Refuses a schema that a newer hookd migrated.
 */
export async function migrate(db: PgDb): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.run(`SELECT pg_advisory_xact_lock(hashtextextended('hookd migrations ' || current_schema(), 0))`);
    // `IF NOT EXISTS` would still print a NOTICE on every start; look first.
    const found = await tx.get<{ found: string | null }>(`SELECT to_regclass('schema_migrations')::text AS found`);
    if (found!.found === null) {
      await tx.run(`CREATE TABLE schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at bigint NOT NULL
      )`);
    }
    const rows = await tx.all<{ version: number }>('SELECT version FROM schema_migrations');
    for (const m of migrationsToApply(
      rows.map((r) => r.version),
      MIGRATIONS,
    )) {
      await tx.run(m.sql);
      await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        m.version,
        m.name,
        Date.now(),
      ]);
    }
  });
}
