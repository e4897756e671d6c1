import { NotFoundError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Application } from '../../core/types.js';
import type { ApplicationInput, Page, PageQuery } from '../store.js';
import { type PgDb, withConflict } from './database.js';
import { cursorCondition, planPage, toPage } from './paging.js';
import { type ApplicationRow, toApplication } from '../rows.js';
import { SqlParams } from './sql-params.js';

const UID_TAKEN = 'an application with this uid already exists';

// The one application that ref $1 names: the id wins over a uid that happens to equal another application's id.
const FROM_REF = 'FROM applications WHERE id = $1 OR uid = $1 ORDER BY id = $1 DESC LIMIT 1';

/** Applications: the tenants. A ref is an application's id or its uid. */
export class PgApplications {
  constructor(private readonly db: PgDb) {}

  async create(input: ApplicationInput, now: number): Promise<Application> {
    const row: ApplicationRow = {
      id: newId('app', now),
      uid: input.uid ?? null,
      name: input.name,
      metadata: input.metadata ?? {},
      throttle_rate: input.throttleRate ?? null,
      created_at: now,
      updated_at: now,
    };
    await withConflict(UID_TAKEN, () =>
      this.db.run(
        `INSERT INTO applications (id, uid, name, metadata, throttle_rate, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [row.id, row.uid, row.name, JSON.stringify(row.metadata), row.throttle_rate, now, now],
      ),
    );
    return toApplication(row);
  }

  async get(ref: string): Promise<Application | null> {
    const row = await this.db.get<ApplicationRow>(`SELECT * ${FROM_REF}`, [ref]);
    return row ? toApplication(row) : null;
  }

  /** The application's id, or `NotFoundError('application')`. */
  async requireId(ref: string): Promise<string> {
    const row = await this.db.get<{ id: string }>(`SELECT id ${FROM_REF}`, [ref]);
    if (!row) throw new NotFoundError('application');
    return row.id;
  }

  async list(query: PageQuery): Promise<Page<Application>> {
    const plan = planPage(query, 'ascending');
    const params = new SqlParams();
    const sql = `SELECT * FROM applications WHERE true${cursorCondition(plan, 'id', params)}
      ORDER BY id ${plan.sql} LIMIT ${params.add(plan.fetch)}`;
    const rows = await this.db.all<ApplicationRow>(sql, params.values);
    return toPage(rows.map(toApplication), plan, (a) => a.id);
  }

  async update(ref: string, input: ApplicationInput, now: number): Promise<Application> {
    const id = await this.requireId(ref);
    // null: another process deleted it meanwhile.
    const row = await withConflict(UID_TAKEN, () =>
      this.db.get<ApplicationRow>(
        `UPDATE applications SET uid = $1, name = $2, metadata = $3, throttle_rate = $4, updated_at = $5
         WHERE id = $6 RETURNING *`,
        [input.uid ?? null, input.name, JSON.stringify(input.metadata ?? {}), input.throttleRate ?? null, now, id],
      ),
    );
    if (!row) throw new NotFoundError('application');
    return toApplication(row);
  }

  /** Foreign keys cascade to endpoints, messages, deliveries, attempts and tokens. */
  async delete(ref: string): Promise<void> {
    const changed = await this.db.run(
      `DELETE FROM applications WHERE id = (SELECT id ${FROM_REF})`,
      [ref],
    );
    if (changed === 0) throw new NotFoundError('application');
  }
}
