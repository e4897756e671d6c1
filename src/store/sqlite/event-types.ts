import { NotFoundError } from '../../core/errors.js';
import type { EventType } from '../../core/types.js';
import type { EventTypeInput, Page, PageQuery } from '../store.js';
import { type SqliteDb, withConflict } from './database.js';
import { cursorCondition, planPage, toPage } from './paging.js';
import { type EventTypeRow, toEventType, toJsonOrNull } from '../rows.js';

/** Event types, keyed and paged by name. Deleting archives unless asked to expunge. */
export class SqliteEventTypes {
  constructor(private readonly db: SqliteDb) {}

  async create(input: EventTypeInput, now: number): Promise<EventType> {
    const row: EventTypeRow = {
      name: input.name,
      description: input.description,
      archived: input.archived ? 1 : 0,
      deprecated: input.deprecated ? 1 : 0,
      feature_flag: input.featureFlag ?? null,
      schemas: toJsonOrNull(input.schemas),
      created_at: now,
      updated_at: now,
    };
    withConflict(`event type ${input.name} already exists`, () =>
      this.db.run(
        `INSERT INTO event_types (name, description, archived, deprecated, feature_flag, schemas, created_at, updated_at)
         VALUES (@name, @description, @archived, @deprecated, @feature_flag, @schemas, @created_at, @updated_at)`,
        row,
      ),
    );
    return toEventType(row);
  }

  async get(name: string): Promise<EventType | null> {
    const row = this.db.get<EventTypeRow>('SELECT * FROM event_types WHERE name = ?', name);
    return row ? toEventType(row) : null;
  }

  async list(query: PageQuery & { includeArchived: boolean }): Promise<Page<EventType>> {
    const plan = planPage(query, 'ascending');
    const params: unknown[] = [];
    const archived = query.includeArchived ? '' : ' AND archived = 0';
    const sql = `SELECT * FROM event_types WHERE 1${archived}${cursorCondition(plan, 'name', params)}
      ORDER BY name ${plan.sql} LIMIT ?`;
    const rows = this.db.all<EventTypeRow>(sql, ...params, plan.fetch);
    return toPage(rows.map(toEventType), plan, (t) => t.name);
  }

  async update(name: string, input: Omit<EventTypeInput, 'name'>, now: number): Promise<EventType> {
    const { changes } = this.db.run(
      `UPDATE event_types SET description = ?, archived = ?, deprecated = ?, feature_flag = ?, schemas = ?,
         updated_at = ? WHERE name = ?`,
      input.description,
      input.archived ? 1 : 0,
      input.deprecated ? 1 : 0,
      input.featureFlag ?? null,
      toJsonOrNull(input.schemas),
      now,
      name,
    );
    const updated = changes === 1 ? await this.get(name) : null;
    if (!updated) throw new NotFoundError('event type');
    return updated;
  }

  async delete(name: string, expunge: boolean, now: number): Promise<void> {
    const { changes } = expunge
      ? this.db.run('DELETE FROM event_types WHERE name = ?', name)
      : this.db.run('UPDATE event_types SET archived = 1, updated_at = ? WHERE name = ?', now, name);
    if (changes === 0) throw new NotFoundError('event type');
  }
}
