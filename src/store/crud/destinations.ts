import { NotFoundError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Destination } from '../../core/types.js';
import { type DestinationRow, toDestination } from '../inbound-rows.js';
import { toJsonOrNull } from '../rows.js';
import type { DestinationInput, DestinationStore, Page, PageQuery } from '../store.js';
import { pageTail, planPage, toPage } from './paging.js';
import { fromRef } from './refs.js';
import { sql, type SqlExecutor } from './sql.js';
import { mapViolations } from './violations.js';

const UID_TAKEN = { unique: 'a destination with this uid already exists' };

/** Destinations: where received requests are forwarded. A ref is a destination's id or its uid. */
export class SqlDestinations implements DestinationStore {
  constructor(private readonly db: SqlExecutor) {}

  async create(input: DestinationInput, now: number): Promise<Destination> {
    const row: DestinationRow = {
      id: newId('dst', now),
      kind: 'http',
      ...destinationColumns(input),
      created_at: now,
      updated_at: now,
    };
    await mapViolations(this.db, UID_TAKEN, () =>
      this.db.run(
        sql`INSERT INTO destinations (id, uid, name, url, headers, basic_auth, throttle_rate, retry_schedule,
            timeout_ms, secret, disabled, created_at, updated_at)
          VALUES (${row.id}, ${row.uid}, ${row.name}, ${row.url}, ${row.headers}, ${row.basic_auth},
            ${row.throttle_rate}, ${row.retry_schedule}, ${row.timeout_ms}, ${row.secret}, ${row.disabled},
            ${now}, ${now})`,
      ),
    );
    return toDestination(row);
  }

  async get(ref: string): Promise<Destination | null> {
    const row = await this.db.get<DestinationRow>(sql`SELECT * ${fromRef('destinations', ref)}`);
    return row ? toDestination(row) : null;
  }

  /** Oldest first by default. */
  async list(query: PageQuery): Promise<Page<Destination>> {
    const plan = planPage(query, 'ascending');
    const rows = await this.db.all<DestinationRow>(sql`SELECT * FROM destinations WHERE true${pageTail(plan, 'id')}`);
    return toPage(rows.map(toDestination), plan, (d) => d.id);
  }

  async update(ref: string, input: DestinationInput, now: number): Promise<Destination> {
    const c = destinationColumns(input);
    const row = await mapViolations(this.db, UID_TAKEN, () =>
      this.db.get<DestinationRow>(
        sql`UPDATE destinations SET uid = ${c.uid}, name = ${c.name}, url = ${c.url}, headers = ${c.headers},
          basic_auth = ${c.basic_auth}, throttle_rate = ${c.throttle_rate}, retry_schedule = ${c.retry_schedule},
          timeout_ms = ${c.timeout_ms}, secret = ${c.secret}, disabled = ${c.disabled}, updated_at = ${now}
          WHERE id = (SELECT id ${fromRef('destinations', ref)}) RETURNING *`,
      ),
    );
    if (!row) throw new NotFoundError('destination');
    return toDestination(row);
  }

  /** Connections and events (with their attempts) go with it: ON DELETE CASCADE. */
  async delete(ref: string): Promise<void> {
    const changed = await this.db.run(
      sql`DELETE FROM destinations WHERE id = (SELECT id ${fromRef('destinations', ref)})`,
    );
    if (changed === 0) throw new NotFoundError('destination');
  }
}

/** The columns that creating and updating a destination both write, as bound. */
function destinationColumns(input: DestinationInput) {
  return {
    uid: input.uid ?? null,
    name: input.name ?? '',
    url: input.url,
    headers: JSON.stringify(input.headers ?? {}),
    basic_auth: toJsonOrNull(input.basicAuth),
    throttle_rate: input.throttleRate ?? null,
    retry_schedule: toJsonOrNull(input.retrySchedule),
    timeout_ms: input.timeoutMs ?? null,
    secret: input.secret ?? null,
    disabled: input.disabled ?? false,
  };
}
