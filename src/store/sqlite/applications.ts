import { NotFoundError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Application } from '../../core/types.js';
import type { ApplicationInput, Page, PageQuery } from '../store.js';
import { type SqliteDb, withConflict } from './database.js';
import { cursorCondition, planPage, toPage } from './paging.js';
import { type ApplicationRow, toApplication } from '../rows.js';

const UID_TAKEN = 'an application with this uid already exists';

// The id wins over a uid that happens to equal another application's id.
export const SELECT_BY_REF = 'SELECT * FROM applications WHERE id = @ref OR uid = @ref ORDER BY id = @ref DESC LIMIT 1';

/** Applications: the tenants. A ref is an application's id or its uid. */
export class SqliteApplications {
  constructor(private readonly db: SqliteDb) {}

  async create(input: ApplicationInput, now: number): Promise<Application> {
    const row: ApplicationRow = {
      id: newId('app', now),
      uid: input.uid ?? null,
      name: input.name,
      metadata: JSON.stringify(input.metadata ?? {}),
      throttle_rate: input.throttleRate ?? null,
      created_at: now,
      updated_at: now,
    };
    withConflict(UID_TAKEN, () =>
      this.db.run(
        `INSERT INTO applications (id, uid, name, metadata, throttle_rate, created_at, updated_at)
         VALUES (@id, @uid, @name, @metadata, @throttle_rate, @created_at, @updated_at)`,
        row,
      ),
    );
    return toApplication(row);
  }

  async get(ref: string): Promise<Application | null> {
    const row = this.db.get<ApplicationRow>(SELECT_BY_REF, { ref });
    return row ? toApplication(row) : null;
  }

  /** The application's id, or `NotFoundError('application')`. */
  requireId(ref: string): string {
    const row = this.db.get<ApplicationRow>(SELECT_BY_REF, { ref });
    if (!row) throw new NotFoundError('application');
    return row.id;
  }

  async list(query: PageQuery): Promise<Page<Application>> {
    const plan = planPage(query, 'ascending');
    const params: unknown[] = [];
    const sql = `SELECT * FROM applications WHERE 1${cursorCondition(plan, 'id', params)}
      ORDER BY id ${plan.sql} LIMIT ?`;
    const rows = this.db.all<ApplicationRow>(sql, ...params, plan.fetch);
    return toPage(rows.map(toApplication), plan, (a) => a.id);
  }

  async update(ref: string, input: ApplicationInput, now: number): Promise<Application> {
    const id = this.requireId(ref);
    const { changes } = withConflict(UID_TAKEN, () =>
      this.db.run(
        'UPDATE applications SET uid = ?, name = ?, metadata = ?, throttle_rate = ?, updated_at = ? WHERE id = ?',
        input.uid ?? null,
        input.name,
        JSON.stringify(input.metadata ?? {}),
        input.throttleRate ?? null,
        now,
        id,
      ),
    );
    const updated = changes === 1 ? await this.get(id) : null; // null: another process deleted it meanwhile
    if (!updated) throw new NotFoundError('application');
    return updated;
  }

  /** Foreign keys cascade to endpoints, messages, deliveries, attempts and tokens. */
  async delete(ref: string): Promise<void> {
    this.db.run('DELETE FROM applications WHERE id = ?', this.requireId(ref));
  }
}
