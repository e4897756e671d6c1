import { NotFoundError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Application } from '../../core/types.js';
import { type ApplicationRow, toApplication } from '../rows.js';
import type { ApplicationInput, ApplicationStore, Page, PageQuery } from '../store.js';
import { pageTail, planPage, toPage } from './paging.js';
import { type Sql, sql, type SqlExecutor } from './sql.js';
import { mapViolations } from './violations.js';

const UID_TAKEN = { unique: 'an application with this uid already exists' };

/** The one application `ref` names: the id wins over a uid that happens to equal another application's id. */
const fromRef = (ref: string): Sql =>
  sql`FROM applications WHERE id = ${ref} OR uid = ${ref} ORDER BY id = ${ref} DESC LIMIT 1`;

/** Applications: the tenants. A ref is an application's id or its uid. */
export class SqlApplications implements ApplicationStore {
  constructor(private readonly db: SqlExecutor) {}

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
    await mapViolations(this.db, UID_TAKEN, () =>
      this.db.run(sql`INSERT INTO applications (id, uid, name, metadata, throttle_rate, created_at, updated_at)
        VALUES (${row.id}, ${row.uid}, ${row.name}, ${row.metadata}, ${row.throttle_rate}, ${now}, ${now})`),
    );
    return toApplication(row);
  }

  async get(ref: string): Promise<Application | null> {
    const row = await this.db.get<ApplicationRow>(sql`SELECT * ${fromRef(ref)}`);
    return row ? toApplication(row) : null;
  }

  async list(query: PageQuery): Promise<Page<Application>> {
    const plan = planPage(query, 'ascending');
    const rows = await this.db.all<ApplicationRow>(sql`SELECT * FROM applications WHERE true${pageTail(plan, 'id')}`);
    return toPage(rows.map(toApplication), plan, (a) => a.id);
  }

  /** Replaces the mutable fields; `NotFoundError` when absent (or deleted meanwhile). */
  async update(ref: string, input: ApplicationInput, now: number): Promise<Application> {
    const row = await mapViolations(this.db, UID_TAKEN, () =>
      this.db.get<ApplicationRow>(
        sql`UPDATE applications SET uid = ${input.uid ?? null}, name = ${input.name},
          metadata = ${JSON.stringify(input.metadata ?? {})}, throttle_rate = ${input.throttleRate ?? null},
          updated_at = ${now} WHERE id = (SELECT id ${fromRef(ref)}) RETURNING *`,
      ),
    );
    if (!row) throw new NotFoundError('application');
    return toApplication(row);
  }

  /** Foreign keys cascade to endpoints, messages, deliveries, attempts and tokens. */
  async delete(ref: string): Promise<void> {
    const changed = await this.db.run(sql`DELETE FROM applications WHERE id = (SELECT id ${fromRef(ref)})`);
    if (changed === 0) throw new NotFoundError('application');
  }
}
