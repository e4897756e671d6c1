import { NotFoundError } from '../../core/errors.js';
import type { EventType } from '../../core/types.js';
import type { EventTypeInput, Page, PageQuery } from '../store.js';
import { type PgDb, withConflict } from './database.js';
import { cursorCondition, planPage, toPage } from './paging.js';
import { type EventTypeRow, toEventType, toJsonOrNull } from '../rows.js';
import { SqlParams } from './sql-params.js';

/** Event types, keyed and paged by name. Deleting archives unless asked to expunge. */
export class PgEventTypes {
  constructor(private readonly db: PgDb) {}

  async create(input: EventTypeInput, now: number): Promise<EventType> {
    const row = await withConflict(`event type ${input.name} already exists`, () =>
      this.db.get<EventTypeRow>(
        `INSERT INTO event_types (name, description, archived, deprecated, feature_flag, schemas, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING *`,
        [
          input.name,
          input.description,
          input.archived ?? false,
          input.deprecated ?? false,
          input.featureFlag ?? null,
          toJsonOrNull(input.schemas),
          now,
        ],
      ),
    );
    return toEventType(row!);
  }

  async get(name: string): Promise<EventType | null> {
    const row = await this.db.get<EventTypeRow>('SELECT * FROM event_types WHERE name = $1', [name]);
    return row ? toEventType(row) : null;
  }

  async list(query: PageQuery & { includeArchived: boolean }): Promise<Page<EventType>> {
    const plan = planPage(query, 'ascending');
    const params = new SqlParams();
    const archived = query.includeArchived ? '' : ' AND NOT archived';
    const sql = `SELECT * FROM event_types WHERE true${archived}${cursorCondition(plan, 'name', params)}
      ORDER BY name ${plan.sql} LIMIT ${params.add(plan.fetch)}`;
    const rows = await this.db.all<EventTypeRow>(sql, params.values);
    return toPage(rows.map(toEventType), plan, (t) => t.name);
  }

  async update(name: string, input: Omit<EventTypeInput, 'name'>, now: number): Promise<EventType> {
    const row = await this.db.get<EventTypeRow>(
      `UPDATE event_types SET description = $1, archived = $2, deprecated = $3, feature_flag = $4, schemas = $5,
         updated_at = $6 WHERE name = $7 RETURNING *`,
      [
        input.description,
        input.archived ?? false,
        input.deprecated ?? false,
        input.featureFlag ?? null,
        toJsonOrNull(input.schemas),
        now,
        name,
      ],
    );
    if (!row) throw new NotFoundError('event type');
    return toEventType(row);
  }

  async delete(name: string, expunge: boolean, now: number): Promise<void> {
    const changed = expunge
      ? await this.db.run('DELETE FROM event_types WHERE name = $1', [name])
      : await this.db.run('UPDATE event_types SET archived = true, updated_at = $1 WHERE name = $2', [now, name]);
    if (changed === 0) throw new NotFoundError('event type');
  }
}
