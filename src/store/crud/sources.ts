import { NotFoundError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Source } from '../../core/types.js';
import { type SourceRow, toSource } from '../inbound-rows.js';
import { toJsonOrNull } from '../rows.js';
import type { Page, PageQuery, SourceInput, SourceStore } from '../store.js';
import { pageTail, planPage, toPage } from './paging.js';
import { fromRef } from './refs.js';
import { sql, type SqlExecutor } from './sql.js';
import { mapViolations } from './violations.js';

const UID_TAKEN = { unique: 'a source with this uid already exists' };

/** Sources: the URLs (`/in/{id or uid}`) that receive webhooks. A ref is a source's id or its uid. */
export class SqlSources implements SourceStore {
  constructor(private readonly db: SqlExecutor) {}

  async create(input: SourceInput, now: number): Promise<Source> {
    const row: SourceRow = { id: newId('src', now), ...sourceColumns(input), created_at: now, updated_at: now };
    await mapViolations(this.db, UID_TAKEN, () =>
      this.db.run(
        sql`INSERT INTO sources (id, uid, name, verification, response, dedup, disabled, created_at, updated_at)
          VALUES (${row.id}, ${row.uid}, ${row.name}, ${row.verification}, ${row.response}, ${row.dedup},
            ${row.disabled}, ${now}, ${now})`,
      ),
    );
    return toSource(row);
  }

  async get(ref: string): Promise<Source | null> {
    const row = await this.db.get<SourceRow>(sql`SELECT * ${fromRef('sources', ref)}`);
    return row ? toSource(row) : null;
  }

  /** Oldest first by default. */
  async list(query: PageQuery): Promise<Page<Source>> {
    const plan = planPage(query, 'ascending');
    const rows = await this.db.all<SourceRow>(sql`SELECT * FROM sources WHERE true${pageTail(plan, 'id')}`);
    return toPage(rows.map(toSource), plan, (s) => s.id);
  }

  async update(ref: string, input: SourceInput, now: number): Promise<Source> {
    const c = sourceColumns(input);
    const row = await mapViolations(this.db, UID_TAKEN, () =>
      this.db.get<SourceRow>(
        sql`UPDATE sources SET uid = ${c.uid}, name = ${c.name}, verification = ${c.verification},
          response = ${c.response}, dedup = ${c.dedup}, disabled = ${c.disabled}, updated_at = ${now}
          WHERE id = (SELECT id ${fromRef('sources', ref)}) RETURNING *`,
      ),
    );
    if (!row) throw new NotFoundError('source');
    return toSource(row);
  }

  /** Connections go with it (ON DELETE CASCADE); requests have no foreign key to it and stay. */
  async delete(ref: string): Promise<void> {
    const changed = await this.db.run(sql`DELETE FROM sources WHERE id = (SELECT id ${fromRef('sources', ref)})`);
    if (changed === 0) throw new NotFoundError('source');
  }
}

/** The columns that creating and updating a source both write, as bound (JSON as text, a boolean flag). */
function sourceColumns(input: SourceInput) {
  return {
    uid: input.uid ?? null,
    name: input.name,
    verification: JSON.stringify(input.verification),
    response: toJsonOrNull(input.response),
    dedup: toJsonOrNull(input.dedup),
    disabled: input.disabled ?? false,
  };
}
