import { NotFoundError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { DeliveryStatus, Endpoint, EndpointSecret } from '../../core/types.js';
import { type EndpointRow, toEndpoint, toJsonOrNull } from '../rows.js';
import type { EndpointInput, EndpointStore, Page, PageQuery, TimeRange } from '../store.js';
import { rangeCondition } from './conditions.js';
import { pageTail, planPage, toPage } from './paging.js';
import { join, raw, type Sql, sql, type SqlExecutor } from './sql.js';
import { mapViolations } from './violations.js';

const UID_TAKEN = 'an endpoint with this uid already exists in this application';

/** The one endpoint of the application that `ref` names: as for applications, an id wins over an equal uid. */
const fromRef = (appId: string, ref: string): Sql =>
  sql`FROM endpoints WHERE app_id = ${appId} AND (id = ${ref} OR uid = ${ref}) ORDER BY id = ${ref} DESC LIMIT 1`;

/** Column values as bound: JSON as text, booleans as booleans. */
type EndpointColumns = Partial<Record<keyof EndpointRow, unknown>>;

/** Endpoints of an application. A ref is the endpoint's id or its uid within the application. */
export class SqlEndpoints implements EndpointStore {
  constructor(private readonly db: SqlExecutor) {}

  async create(appId: string, input: EndpointInput, now: number): Promise<Endpoint> {
    const row: EndpointRow = {
      id: newId('ep', now),
      app_id: appId,
      ...endpointColumns(input),
      headers: JSON.stringify(input.headers ?? {}),
      secrets: JSON.stringify([{ key: input.secret, expiresAt: null }] satisfies EndpointSecret[]),
      created_at: now,
      updated_at: now,
    };
    await mapViolations(this.db, { unique: UID_TAKEN, foreignKey: 'application' }, () =>
      this.db.run(
        sql`INSERT INTO endpoints (id, app_id, uid, url, description, event_types, channels, disabled, metadata,
            throttle_rate, max_concurrency, ordered, headers, secrets, created_at, updated_at)
          VALUES (${row.id}, ${row.app_id}, ${row.uid}, ${row.url}, ${row.description}, ${row.event_types},
            ${row.channels}, ${row.disabled}, ${row.metadata}, ${row.throttle_rate}, ${row.max_concurrency},
            ${row.ordered}, ${row.headers}, ${row.secrets}, ${now}, ${now})`,
      ),
    );
    return toEndpoint(row);
  }

  async get(appId: string, ref: string): Promise<Endpoint | null> {
    const row = await this.db.get<EndpointRow>(sql`SELECT * ${fromRef(appId, ref)}`);
    return row ? toEndpoint(row) : null;
  }

  async list(appId: string, query: PageQuery): Promise<Page<Endpoint>> {
    const plan = planPage(query, 'ascending');
    const rows = await this.db.all<EndpointRow>(
      sql`SELECT * FROM endpoints WHERE app_id = ${appId}${pageTail(plan, 'id')}`,
    );
    return toPage(rows.map(toEndpoint), plan, (e) => e.id);
  }

  /** Replaces the mutable fields; headers only when given (they have their own API in Svix). */
  update(appId: string, ref: string, input: Omit<EndpointInput, 'secret'>, now: number): Promise<Endpoint> {
    return this.updateColumns(appId, ref, now, {
      ...endpointColumns(input),
      ...(input.headers ? { headers: JSON.stringify(input.headers) } : {}),
    });
  }

  async delete(appId: string, ref: string): Promise<void> {
    // Deliveries (and their attempts) go with it: ON DELETE CASCADE.
    const changed = await this.db.run(sql`DELETE FROM endpoints WHERE id = (SELECT id ${fromRef(appId, ref)})`);
    if (changed === 0) throw new NotFoundError('endpoint');
  }

  setHeaders(appId: string, ref: string, headers: Record<string, string>, now: number): Promise<Endpoint> {
    return this.updateColumns(appId, ref, now, { headers: JSON.stringify(headers) });
  }

  setSecrets(appId: string, ref: string, secrets: EndpointSecret[], now: number): Promise<Endpoint> {
    return this.updateColumns(appId, ref, now, { secrets: JSON.stringify(secrets) });
  }

  /** Counts of the endpoint's deliveries by status, created in [since, until). */
  async stats(endpointId: string, range: TimeRange): Promise<Record<DeliveryStatus, number>> {
    const rows = await this.db.all<{ status: DeliveryStatus; n: number }>(
      sql`SELECT status, count(*) AS n FROM deliveries
        WHERE endpoint_id = ${endpointId}${rangeCondition('created_at', range)} GROUP BY status`,
    );
    const counts: Record<DeliveryStatus, number> = { pending: 0, sending: 0, success: 0, fail: 0, canceled: 0 };
    for (const row of rows) counts[row.status] = row.n;
    return counts;
  }

  /**
   * One statement: finds the endpoint by ref and sets `columns` (trusted names from this file,
   * never user input). `NotFoundError` when there is none (or it was deleted meanwhile).
   */
  private async updateColumns(appId: string, ref: string, now: number, columns: EndpointColumns): Promise<Endpoint> {
    const sets = join(
      Object.entries(columns).map(([name, value]) => sql`${raw(name)} = ${value}`),
      ', ',
    );
    const row = await mapViolations(this.db, { unique: UID_TAKEN }, () =>
      this.db.get<EndpointRow>(
        sql`UPDATE endpoints SET ${sets}, updated_at = ${now} WHERE id = (SELECT id ${fromRef(appId, ref)}) RETURNING *`,
      ),
    );
    if (!row) throw new NotFoundError('endpoint');
    return toEndpoint(row);
  }
}

/** The columns that creating and updating an endpoint both write, from its input. */
function endpointColumns(input: Omit<EndpointInput, 'secret'>) {
  return {
    uid: input.uid ?? null,
    url: input.url,
    description: input.description ?? '',
    event_types: toJsonOrNull(input.eventTypes),
    channels: toJsonOrNull(input.channels),
    disabled: input.disabled ?? false,
    metadata: JSON.stringify(input.metadata ?? {}),
    throttle_rate: input.throttleRate ?? null,
    max_concurrency: input.maxConcurrency ?? null,
    ordered: input.ordered ?? false,
  };
}
