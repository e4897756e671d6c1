import type Database from 'better-sqlite3';
import { type Migration, migrationsToApply } from '../migration.js';

/**
 * Conventions: times are INTEGER epoch ms, booleans 0/1, lists and maps TEXT JSON.
 * Foreign keys cascade along one chain (application → endpoints and messages → deliveries →
 * attempts); the denormalized app_id/msg_id/endpoint_id copies on deliveries and attempts carry
 * no foreign key, because every foreign key costs a child lookup (an index) per deleted parent.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
CREATE TABLE applications (
  id TEXT PRIMARY KEY,
  uid TEXT UNIQUE,
  name TEXT NOT NULL,
  metadata TEXT NOT NULL,
  throttle_rate INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE event_types (
  name TEXT PRIMARY KEY,
  description TEXT NOT NULL,
  archived INTEGER NOT NULL,
  deprecated INTEGER NOT NULL,
  feature_flag TEXT,
  schemas TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE endpoints (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
  uid TEXT,
  url TEXT NOT NULL,
  description TEXT NOT NULL,
  event_types TEXT,
  channels TEXT,
  disabled INTEGER NOT NULL,
  metadata TEXT NOT NULL,
  throttle_rate INTEGER,
  headers TEXT NOT NULL,
  secrets TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (app_id, uid)
);
CREATE INDEX endpoints_app ON endpoints (app_id, id);

CREATE TABLE messages (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
  event_type TEXT NOT NULL,
  event_id TEXT,
  channels TEXT,
  payload TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX messages_app ON messages (app_id, id);
CREATE UNIQUE INDEX messages_event_id ON messages (app_id, event_id) WHERE event_id IS NOT NULL;

-- The queue. The two partial indexes hold only the rows a claim looks for (pending, sending),
-- so claiming costs the same with ten rows or ten million finished ones.
CREATE TABLE deliveries (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL,
  msg_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  endpoint_id TEXT NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
  status TEXT NOT NULL,
  trigger INTEGER NOT NULL,
  attempt_count INTEGER NOT NULL,
  next_attempt_at INTEGER,
  lease_owner TEXT,
  lease_until INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID; -- small rows looked up by id: one b-tree instead of a table plus its id index
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_lease ON deliveries (lease_until) WHERE status = 'sending';
CREATE INDEX deliveries_msg ON deliveries (msg_id, endpoint_id);
CREATE INDEX deliveries_endpoint ON deliveries (endpoint_id, msg_id);

CREATE TABLE attempts (
  id TEXT PRIMARY KEY,
  delivery_id TEXT NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
  app_id TEXT NOT NULL,
  msg_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  url TEXT NOT NULL,
  status TEXT NOT NULL,
  response_status_code INTEGER NOT NULL,
  response TEXT NOT NULL,
  response_duration_ms INTEGER NOT NULL,
  request_headers TEXT NOT NULL,
  trigger INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX attempts_delivery ON attempts (delivery_id);
CREATE INDEX attempts_msg ON attempts (msg_id, id);
CREATE INDEX attempts_endpoint ON attempts (endpoint_id, id);

CREATE TABLE tokens (
  id TEXT PRIMARY KEY,
  hash TEXT NOT NULL UNIQUE,
  app_id TEXT REFERENCES applications(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER
);
CREATE INDEX tokens_app ON tokens (app_id);

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE idempotency (
  key TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  status_code INTEGER,
  body TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
`,
  },
  {
    version: 2,
    name: 'delivery kinds: messages, and received requests forwarded to destinations',
    // SQLite cannot drop a NOT NULL or a foreign key in place: deliveries and attempts are rebuilt
    // (create, copy, drop, rename), with foreign keys off (see migrate()). Existing rows are kind
    // `message`. What a row points at is per kind; the CHECKs keep each kind's pointers set.
    sql: `
CREATE TABLE destinations (
  id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

-- One received request, raw: headers are a JSON array of [name, value] pairs in arrival order,
-- the body the exact bytes. path is what followed the source's path, query included.
CREATE TABLE requests (
  id TEXT PRIMARY KEY,
  source_id TEXT,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  headers TEXT NOT NULL,
  body BLOB NOT NULL,
  received_at INTEGER NOT NULL
);
CREATE INDEX requests_source ON requests (source_id, id) WHERE source_id IS NOT NULL;

CREATE TABLE deliveries_v2 (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL DEFAULT 'message',
  app_id TEXT,
  msg_id TEXT REFERENCES messages(id) ON DELETE CASCADE,
  endpoint_id TEXT REFERENCES endpoints(id) ON DELETE CASCADE,
  request_id TEXT REFERENCES requests(id) ON DELETE CASCADE,
  destination_id TEXT REFERENCES destinations(id) ON DELETE CASCADE,
  status TEXT NOT NULL,
  trigger INTEGER NOT NULL,
  attempt_count INTEGER NOT NULL,
  next_attempt_at INTEGER,
  lease_owner TEXT,
  lease_until INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  CHECK (kind <> 'message' OR (app_id IS NOT NULL AND msg_id IS NOT NULL AND endpoint_id IS NOT NULL)),
  CHECK (kind <> 'event' OR (request_id IS NOT NULL AND destination_id IS NOT NULL))
) WITHOUT ROWID;
INSERT INTO deliveries_v2 (id, kind, app_id, msg_id, endpoint_id, status, trigger, attempt_count, next_attempt_at,
    lease_owner, lease_until, created_at, updated_at)
  SELECT id, 'message', app_id, msg_id, endpoint_id, status, trigger, attempt_count, next_attempt_at,
    lease_owner, lease_until, created_at, updated_at
  FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_v2 RENAME TO deliveries;
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_lease ON deliveries (lease_until) WHERE status = 'sending';
CREATE INDEX deliveries_msg ON deliveries (msg_id, endpoint_id);
CREATE INDEX deliveries_endpoint ON deliveries (endpoint_id, msg_id);
-- Partial: message deliveries (all of today's) pay nothing for them.
CREATE INDEX deliveries_request ON deliveries (request_id, destination_id) WHERE request_id IS NOT NULL;
CREATE INDEX deliveries_destination ON deliveries (destination_id, request_id) WHERE destination_id IS NOT NULL;

CREATE TABLE attempts_v2 (
  id TEXT PRIMARY KEY,
  delivery_id TEXT NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
  kind TEXT NOT NULL DEFAULT 'message',
  app_id TEXT,
  msg_id TEXT,
  endpoint_id TEXT,
  request_id TEXT,
  destination_id TEXT,
  url TEXT NOT NULL,
  status TEXT NOT NULL,
  response_status_code INTEGER NOT NULL,
  response TEXT NOT NULL,
  response_duration_ms INTEGER NOT NULL,
  request_headers TEXT NOT NULL,
  trigger INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
INSERT INTO attempts_v2 (id, delivery_id, kind, app_id, msg_id, endpoint_id, url, status, response_status_code,
    response, response_duration_ms, request_headers, trigger, created_at)
  SELECT id, delivery_id, 'message', app_id, msg_id, endpoint_id, url, status, response_status_code,
    response, response_duration_ms, request_headers, trigger, created_at
  FROM attempts;
DROP TABLE attempts;
ALTER TABLE attempts_v2 RENAME TO attempts;
CREATE INDEX attempts_delivery ON attempts (delivery_id);
CREATE INDEX attempts_msg ON attempts (msg_id, id);
CREATE INDEX attempts_endpoint ON attempts (endpoint_id, id);
`,
  },
  {
    version: 3,
    name: 'receive: sources, connections, destination settings, request outcomes, dedup keys, events',
    // Event deliveries (kind `event`) get ids `evt_`: the API calls them events. connection_id has
    // no foreign key: an event outlives its connection (the history stays).
    sql: `
CREATE TABLE sources (
  id TEXT PRIMARY KEY,
  uid TEXT UNIQUE,
  name TEXT NOT NULL,
  verification TEXT NOT NULL,
  response TEXT,
  dedup TEXT,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

ALTER TABLE destinations ADD COLUMN uid TEXT;
ALTER TABLE destinations ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE destinations ADD COLUMN headers TEXT NOT NULL DEFAULT '{}';
ALTER TABLE destinations ADD COLUMN basic_auth TEXT;
ALTER TABLE destinations ADD COLUMN throttle_rate INTEGER;
ALTER TABLE destinations ADD COLUMN retry_schedule TEXT;
ALTER TABLE destinations ADD COLUMN timeout_ms INTEGER;
ALTER TABLE destinations ADD COLUMN secret TEXT;
ALTER TABLE destinations ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE destinations ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
UPDATE destinations SET updated_at = created_at;
CREATE UNIQUE INDEX destinations_uid ON destinations (uid) WHERE uid IS NOT NULL;

CREATE TABLE connections (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
  destination_id TEXT NOT NULL REFERENCES destinations(id) ON DELETE CASCADE,
  filter TEXT,
  transform TEXT,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX connections_source ON connections (source_id);
CREATE INDEX connections_destination ON connections (destination_id);

ALTER TABLE requests ADD COLUMN status TEXT NOT NULL DEFAULT 'accepted';
ALTER TABLE requests ADD COLUMN cause TEXT;
ALTER TABLE requests ADD COLUMN detail TEXT;
ALTER TABLE requests ADD COLUMN body_size INTEGER NOT NULL DEFAULT 0;
UPDATE requests SET body_size = length(body);
CREATE INDEX requests_source_status ON requests (source_id, status, id) WHERE source_id IS NOT NULL;

-- What a source has seen, for its dedup window: one row per (source, key), the first request's id.
CREATE TABLE request_keys (
  source_id TEXT NOT NULL,
  key TEXT NOT NULL,
  request_id TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (source_id, key)
) WITHOUT ROWID;

ALTER TABLE deliveries ADD COLUMN connection_id TEXT;
CREATE INDEX deliveries_connection ON deliveries (connection_id) WHERE connection_id IS NOT NULL;
`,
  },
  {
    version: 4,
    name: 'retention: when a payload expires, when a request was pruned',
    sql: `
-- A message's payload (and its attempts' response bodies) is cleared at this time
-- (payloadRetentionPeriod); NULL: kept. The index holds only payloads still there.
ALTER TABLE messages ADD COLUMN payload_expires_at INTEGER;
CREATE INDEX messages_payload_expiry ON messages (payload_expires_at)
  WHERE payload IS NOT NULL AND payload_expires_at IS NOT NULL;
-- A received request whose body and headers were cleared by retention.
ALTER TABLE requests ADD COLUMN pruned_at INTEGER;
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
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending' AND kind <> 'cli';
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
ALTER TABLE endpoints ADD COLUMN max_concurrency INTEGER;
ALTER TABLE endpoints ADD COLUMN ordered INTEGER NOT NULL DEFAULT 0;
CREATE INDEX deliveries_open ON deliveries (endpoint_id, msg_id)
  WHERE kind = 'message' AND trigger = 0 AND status IN ('pending', 'sending');
`,
  },
  {
    // 6 is delivery control's fairness and ordering, 7 PostgreSQL's alone (rate-limit counters):
    // the runner applies whatever is missing, gaps included.
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
  target_id TEXT PRIMARY KEY,
  tat REAL,
  paused_until INTEGER,
  slow_rate REAL,
  slow_ceiling REAL,
  slow_since INTEGER,
  circuit TEXT NOT NULL DEFAULT 'closed',
  probe_at INTEGER,
  failing_since INTEGER,
  updated_at INTEGER NOT NULL
);
-- Send slots reserved in the budget by deliveries given back to the queue until then: the
-- delivery that comes back (to any worker) takes its own slot instead of a new one.
CREATE TABLE throttle_slots (
  delivery_id TEXT PRIMARY KEY,
  target_id TEXT NOT NULL,
  slot_at REAL NOT NULL
);
CREATE INDEX throttle_slots_target ON throttle_slots (target_id);
CREATE INDEX throttle_slots_slot ON throttle_slots (slot_at);
-- The W3C traceparent of the API call that created the message: its attempts are child spans.
ALTER TABLE messages ADD COLUMN traceparent TEXT;
`,
  },
  {
    version: 9,
    name: 'claims walk targets with due work, not the due backlog of the targets they leave out',
    // Pending deliveries by target and due time: a claim finds the targets with due work one seek
    // each (store/fair-share.ts, FairClaim), so the backlog of a target at its limit is never read.
    sql: `
CREATE INDEX deliveries_due_target ON deliveries (COALESCE(endpoint_id, destination_id), next_attempt_at)
  WHERE status = 'pending' AND kind <> 'cli';
`,
  },
  {
    version: 10,
    name: "the message list indexes leave out received requests' events and their attempts",
    // An event (kind event or cli) has no message and no endpoint: each of these four indexes
    // took an entry keyed by NULL for every event and every event attempt, which no query reads
    // (each looks up by a message or an endpoint, and so implies the key is not null), and a page
    // more in the WAL at each group commit. SQLite only: PostgreSQL's write path is one statement
    // per batch, and its indexes are left as they are.
    sql: `
DROP INDEX deliveries_msg;
CREATE INDEX deliveries_msg ON deliveries (msg_id, endpoint_id) WHERE msg_id IS NOT NULL;
DROP INDEX deliveries_endpoint;
CREATE INDEX deliveries_endpoint ON deliveries (endpoint_id, msg_id) WHERE endpoint_id IS NOT NULL;
DROP INDEX attempts_msg;
CREATE INDEX attempts_msg ON attempts (msg_id, id) WHERE msg_id IS NOT NULL;
DROP INDEX attempts_endpoint;
CREATE INDEX attempts_endpoint ON attempts (endpoint_id, id) WHERE endpoint_id IS NOT NULL;
`,
  },
];

/**
 * Applies the migrations that `schema_migrations` does not list, in one transaction: a crash
 * half-way leaves the schema as it was. Refuses a database that a newer hookd has migrated.
 */
export function migrate(db: Database.Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  const applyMissing = db.transaction(() => {
    const rows = db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[];
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const m of migrationsToApply(
      rows.map((r) => r.version),
      MIGRATIONS,
    )) {
      db.exec(m.sql);
      record.run(m.version, m.name, Date.now());
    }
    // Foreign keys were off: check them before the commit, as SQLite's table-rebuild recipe says.
    const broken = db.pragma('foreign_key_check') as unknown[];
    if (broken.length > 0) throw new Error(`migration left ${broken.length} rows with a dangling foreign key`);
  });
  // Rebuilding a table drops it, and with foreign keys on, dropping a parent deletes its children
  // (ON DELETE CASCADE): off for the migration. The pragma is a no-op inside a transaction, so it
  // is set around it.
  const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
  db.pragma('foreign_keys = OFF');
  try {
    // IMMEDIATE: two processes starting at once must not both see version 0 and both apply it.
    applyMissing.immediate();
  } finally {
    db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
  }
}
