import { NotFoundError } from '../../core/errors.js';
import type { EventType } from '../../core/types.js';
import { type EventTypeRow, toEventType } from '../rows.js';
import type { EventTypeInput, EventTypeStore, Page, PageQuery } from '../store.js';
import { pageTail, planPage, toPage } from './paging.js';
import { raw, sql, type SqlExecutor } from './sql.js';
import { mapViolations } from './violations.js';

/**
 * The columns of an event type, `schemas` as its stored text: node-postgres would parse a `json`
 * column (and lose what JSON.parse loses), SQLite returns TEXT anyway.
 */
const COLUMNS = raw(
  'name, description, archived, deprecated, feature_flag, CAST(schemas AS TEXT) AS schemas, created_at, updated_at',
);

/** Event types, keyed and paged by name. Deleting archives unless asked to expunge. */
export class SqlEventTypes implements EventTypeStore {
  constructor(private readonly db: SqlExecutor) {}

  async create(input: EventTypeInput, now: number): Promise<EventType> {
    const row: EventTypeRow = {
      name: input.name,
      description: input.description,
      archived: input.archived ?? false,
      deprecated: input.deprecated ?? false,
      feature_flag: input.featureFlag ?? null,
      schemas: input.schemas ?? null,
      created_at: now,
      updated_at: now,
    };
    await mapViolations(this.db, { unique: `event type ${input.name} already exists` }, () =>
      this.db.run(
        sql`INSERT INTO event_types (name, description, archived, deprecated, feature_flag, schemas, created_at, updated_at)
          VALUES (${row.name}, ${row.description}, ${row.archived}, ${row.deprecated}, ${row.feature_flag}, ${row.schemas},
            ${now}, ${now})`,
      ),
    );
    return toEventType(row);
  }

  async get(name: string): Promise<EventType | null> {
    const row = await this.db.get<EventTypeRow>(sql`SELECT ${COLUMNS} FROM event_types WHERE name = ${name}`);
    return row ? toEventType(row) : null;
  }

  async list(query: PageQuery & { includeArchived: boolean }): Promise<Page<EventType>> {
    const plan = planPage(query, 'ascending');
    const archived = raw(query.includeArchived ? '' : ' AND NOT archived');
    const rows = await this.db.all<EventTypeRow>(
      sql`SELECT ${COLUMNS} FROM event_types WHERE true${archived}${pageTail(plan, 'name')}`,
    );
    return toPage(rows.map(toEventType), plan, (t) => t.name);
  }

  async update(name: string, input: Omit<EventTypeInput, 'name'>, now: number): Promise<EventType> {
    const row = await this.db.get<EventTypeRow>(
      sql`UPDATE event_types SET description = ${input.description}, archived = ${input.archived ?? false},
        deprecated = ${input.deprecated ?? false}, feature_flag = ${input.featureFlag ?? null},
        schemas = ${input.schemas ?? null}, updated_at = ${now} WHERE name = ${name} RETURNING ${COLUMNS}`,
    );
    if (!row) throw new NotFoundError('event type');
    return toEventType(row);
  }

  async delete(name: string, expunge: boolean, now: number): Promise<void> {
    const changed = await this.db.run(
      expunge
        ? sql`DELETE FROM event_types WHERE name = ${name}`
        : sql`UPDATE event_types SET archived = ${true}, updated_at = ${now} WHERE name = ${name}`,
    );
    if (changed === 0) throw new NotFoundError('event type');
  }
}
