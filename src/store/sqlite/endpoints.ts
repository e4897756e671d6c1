import { NotFoundError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { DeliveryStatus, Endpoint, EndpointSecret } from '../../core/types.js';
import type { EndpointInput, Page, PageQuery, TimeRange } from '../store.js';
import { isForeignKeyViolation, type SqliteDb, withConflict } from './database.js';
import { rangeCondition } from './conditions.js';
import { cursorCondition, planPage, toPage } from './paging.js';
import { endpointColumns, type EndpointRow, toEndpoint } from '../rows.js';

const UID_TAKEN = 'an endpoint with this uid already exists in this application';

// As for applications, an id wins over an equal uid.
const SELECT_BY_REF = `SELECT * FROM endpoints WHERE app_id = @appId AND (id = @ref OR uid = @ref)
  ORDER BY id = @ref DESC LIMIT 1`;

/** Endpoints of an application. A ref is the endpoint's id or its uid within the application. */
export class SqliteEndpoints {
  constructor(private readonly db: SqliteDb) {}

  async create(appId: string, input: EndpointInput, now: number): Promise<Endpoint> {
    const row: EndpointRow = {
      id: newId('ep', now),
      app_id: appId,
      ...endpointColumns(input, sqliteFlag),
      headers: JSON.stringify(input.headers ?? {}),
      secrets: JSON.stringify([{ key: input.secret, expiresAt: null }] satisfies EndpointSecret[]),
      created_at: now,
      updated_at: now,
    };
    try {
      withConflict(UID_TAKEN, () =>
        this.db.run(
          `INSERT INTO endpoints (id, app_id, uid, url, description, event_types, channels, disabled, metadata,
             throttle_rate, headers, secrets, created_at, updated_at)
           VALUES (@id, @app_id, @uid, @url, @description, @event_types, @channels, @disabled, @metadata,
             @throttle_rate, @headers, @secrets, @created_at, @updated_at)`,
          row,
        ),
      );
    } catch (error) {
      if (isForeignKeyViolation(error)) throw new NotFoundError('application');
      throw error;
    }
    return toEndpoint(row);
  }

  async get(appId: string, ref: string): Promise<Endpoint | null> {
    const row = this.db.get<EndpointRow>(SELECT_BY_REF, { appId, ref });
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
    const params: unknown[] = [appId];
    const sql = `SELECT * FROM endpoints WHERE app_id = ?${cursorCondition(plan, 'id', params)}
      ORDER BY id ${plan.sql} LIMIT ?`;
    const rows = this.db.all<EndpointRow>(sql, ...params, plan.fetch);
    return toPage(rows.map(toEndpoint), plan, (e) => e.id);
  }

  /** Replaces the mutable fields; headers only when given (they have their own API in Svix). */
  async update(appId: string, ref: string, input: Omit<EndpointInput, 'secret'>, now: number): Promise<Endpoint> {
    const id = (await this.require(appId, ref)).id;
    return this.updateColumns(id, now, {
      ...endpointColumns(input, sqliteFlag),
      ...(input.headers ? { headers: JSON.stringify(input.headers) } : {}),
    });
  }

  async delete(appId: string, ref: string): Promise<void> {
    // Deliveries (and their attempts) go with it: ON DELETE CASCADE.
    this.db.run('DELETE FROM endpoints WHERE id = ?', (await this.require(appId, ref)).id);
  }

  async setHeaders(appId: string, ref: string, headers: Record<string, string>, now: number): Promise<Endpoint> {
    return this.updateColumns((await this.require(appId, ref)).id, now, { headers: JSON.stringify(headers) });
  }

  async setSecrets(appId: string, ref: string, secrets: EndpointSecret[], now: number): Promise<Endpoint> {
    return this.updateColumns((await this.require(appId, ref)).id, now, { secrets: JSON.stringify(secrets) });
  }

  async stats(endpointId: string, range: TimeRange): Promise<Record<DeliveryStatus, number>> {
    const params: unknown[] = [endpointId];
    const inRange = rangeCondition('created_at', range, params);
    const sql = `SELECT status, COUNT(*) AS n FROM deliveries WHERE endpoint_id = ?${inRange} GROUP BY status`;
    const counts: Record<DeliveryStatus, number> = { pending: 0, sending: 0, success: 0, fail: 0, canceled: 0 };
    for (const row of this.db.all<{ status: DeliveryStatus; n: number }>(sql, ...params)) counts[row.status] = row.n;
    return counts;
  }

  /** `columns` are trusted column names from this file, never user input. */
  private updateColumns(id: string, now: number, columns: Partial<EndpointRow>): Endpoint {
    const names = Object.keys(columns);
    const sql = `UPDATE endpoints SET ${names.map((n) => `${n} = @${n}`).join(', ')}, updated_at = @now WHERE id = @id`;
    const { changes } = withConflict(UID_TAKEN, () => this.db.run(sql, { ...columns, now, id }));
    const row = changes === 1 ? this.db.get<EndpointRow>('SELECT * FROM endpoints WHERE id = ?', id) : undefined;
    if (!row) throw new NotFoundError('endpoint'); // deleted by another process meanwhile
    return toEndpoint(row);
  }
}

/** better-sqlite3 binds no booleans: 0/1. */
const sqliteFlag = (value: boolean) => (value ? 1 : 0);
