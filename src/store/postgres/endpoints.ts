import { NotFoundError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { DeliveryStatus, Endpoint, EndpointSecret } from '../../core/types.js';
import type { EndpointInput, Page, PageQuery, TimeRange } from '../store.js';
import { rangeCondition } from './conditions.js';
import { isForeignKeyViolation, type PgDb, withConflict } from './database.js';
import { cursorCondition, planPage, toPage } from './paging.js';
import { endpointColumns, type EndpointRow, toEndpoint } from '../rows.js';
import { SqlParams } from './sql-params.js';

const UID_TAKEN = 'an endpoint with this uid already exists in this application';

// The one endpoint of application $1 that ref $2 names: as for applications, an id wins over an equal uid.
const FROM_REF = 'FROM endpoints WHERE app_id = $1 AND (id = $2 OR uid = $2) ORDER BY id = $2 DESC LIMIT 1';

/** Column values as bound parameters: JSON as text, the rest as is. */
type EndpointColumns = Partial<Record<keyof EndpointRow, unknown>>;

/** Endpoints of an application. A ref is the endpoint's id or its uid within the application. */
export class PgEndpoints {
  constructor(private readonly db: PgDb) {}

  async create(appId: string, input: EndpointInput, now: number): Promise<Endpoint> {
    const secrets: EndpointSecret[] = [{ key: input.secret, expiresAt: null }];
    const c = endpointColumns(input, (value) => value);
    try {
      const row = await withConflict(UID_TAKEN, () =>
        this.db.get<EndpointRow>(
          `INSERT INTO endpoints (id, app_id, uid, url, description, event_types, channels, disabled, metadata,
             throttle_rate, headers, secrets, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING *`,
          [
            newId('ep', now),
            appId,
            c.uid,
            c.url,
            c.description,
            c.event_types,
            c.channels,
            c.disabled,
            c.metadata,
            c.throttle_rate,
            JSON.stringify(input.headers ?? {}),
            JSON.stringify(secrets),
            now,
          ],
        ),
      );
      return toEndpoint(row!);
    } catch (error) {
      if (isForeignKeyViolation(error)) throw new NotFoundError('application');
      throw error;
    }
  }

  async get(appId: string, ref: string): Promise<Endpoint | null> {
    const row = await this.db.get<EndpointRow>(`SELECT * ${FROM_REF}`, [appId, ref]);
    return row ? toEndpoint(row) : null;
  }

  /** The endpoint, or `NotFoundError('endpoint')`. */
  async require(appId: string, ref: string): Promise<Endpoint> {
    const endpoint = await this.get(appId, ref);
    if (!endpoint) throw new NotFoundError('endpoint');
    return endpoint;
  }

  async list(appId: string, query: PageQuery): Promise<Page<Endpoint>> {
    const plan = planPage(query, 'ascending');
    const params = new SqlParams(appId);
    const sql = `SELECT * FROM endpoints WHERE app_id = $1${cursorCondition(plan, 'id', params)}
      ORDER BY id ${plan.sql} LIMIT ${params.add(plan.fetch)}`;
    const rows = await this.db.all<EndpointRow>(sql, params.values);
    return toPage(rows.map(toEndpoint), plan, (e) => e.id);
  }

  /** Replaces the mutable fields; headers only when given (they have their own API in Svix). */
  async update(appId: string, ref: string, input: Omit<EndpointInput, 'secret'>, now: number): Promise<Endpoint> {
    const { id } = await this.require(appId, ref);
    return this.updateColumns(id, now, {
      ...endpointColumns(input, (value) => value),
      ...(input.headers ? { headers: JSON.stringify(input.headers) } : {}),
    });
  }

  async delete(appId: string, ref: string): Promise<void> {
    // Deliveries (and their attempts) go with it: ON DELETE CASCADE.
    const changed = await this.db.run(
      `DELETE FROM endpoints WHERE id = (SELECT id ${FROM_REF})`,
      [appId, ref],
    );
    if (changed === 0) throw new NotFoundError('endpoint');
  }

  async setHeaders(appId: string, ref: string, headers: Record<string, string>, now: number): Promise<Endpoint> {
    const { id } = await this.require(appId, ref);
    return this.updateColumns(id, now, { headers: JSON.stringify(headers) });
  }

  async setSecrets(appId: string, ref: string, secrets: EndpointSecret[], now: number): Promise<Endpoint> {
    const { id } = await this.require(appId, ref);
    return this.updateColumns(id, now, { secrets: JSON.stringify(secrets) });
  }

  async stats(endpointId: string, range: TimeRange): Promise<Record<DeliveryStatus, number>> {
    const params = new SqlParams(endpointId);
    const inRange = rangeCondition('created_at', range, params);
    const sql = `SELECT status, count(*) AS n FROM deliveries WHERE endpoint_id = $1${inRange} GROUP BY status`;
    const counts: Record<DeliveryStatus, number> = { pending: 0, sending: 0, success: 0, fail: 0, canceled: 0 };
    for (const row of await this.db.all<{ status: DeliveryStatus; n: number }>(sql, params.values)) counts[row.status] = row.n;
    return counts;
  }

  /** `columns` are trusted column names from this file, never user input. */
  private async updateColumns(id: string, now: number, columns: EndpointColumns): Promise<Endpoint> {
    const params = new SqlParams();
    const sets = Object.entries(columns).map(([name, value]) => `${name} = ${params.add(value)}`);
    const sql = `UPDATE endpoints SET ${sets.join(', ')}, updated_at = ${params.add(now)}
      WHERE id = ${params.add(id)} RETURNING *`;
    const row = await withConflict(UID_TAKEN, () => this.db.get<EndpointRow>(sql, params.values));
    if (!row) throw new NotFoundError('endpoint'); // deleted by another process meanwhile
    return toEndpoint(row);
  }
}
