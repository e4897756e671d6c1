import { NotFoundError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Connection } from '../../core/types.js';
import { type ConnectionRow, toConnection } from '../inbound-rows.js';
import { toJsonOrNull } from '../rows.js';
import type { ConnectionInput, ConnectionStore, Page, PageQuery } from '../store.js';
import { pageTail, planPage, toPage } from './paging.js';
import { raw, type Sql, sql, type SqlExecutor } from './sql.js';

/** ` AND column = value` when the value is given, else nothing. */
const equalsIfGiven = (column: string, value: string | undefined): Sql =>
  value === undefined ? raw('') : sql` AND ${raw(column)} = ${value}`;

/**
 * A connection's columns, `filter` as its stored text: node-postgres would parse the `json`
 * column (and lose what JSON.parse loses), SQLite returns TEXT anyway.
 */
const columns = (t = '') =>
  raw(
    `${t}id, ${t}name, ${t}source_id, ${t}destination_id, CAST(${t}filter AS TEXT) AS filter, ${t}transform, ` +
      `${t}disabled, ${t}created_at, ${t}updated_at`,
  );

/** Connections: source → destination, with an optional filter and transform. Refs are ids only. */
export class SqlConnections implements ConnectionStore {
  constructor(private readonly db: SqlExecutor) {}

  async create(input: ConnectionInput, now: number): Promise<Connection> {
    const row: ConnectionRow = {
      id: newId('conn', now),
      ...connectionColumns(input),
      created_at: now,
      updated_at: now,
    };
    await this.missingParentAsNotFound(input, () =>
      this.db.run(
        sql`INSERT INTO connections (id, name, source_id, destination_id, filter, transform, disabled, created_at,
            updated_at)
          VALUES (${row.id}, ${row.name}, ${row.source_id}, ${row.destination_id}, ${row.filter}, ${row.transform},
            ${row.disabled}, ${now}, ${now})`,
      ),
    );
    return toConnection(row);
  }

  async get(id: string): Promise<Connection | null> {
    const row = await this.db.get<ConnectionRow>(sql`SELECT ${columns()} FROM connections WHERE id = ${id}`);
    return row ? toConnection(row) : null;
  }

  /** Oldest first by default. */
  async list(filter: { sourceId?: string; destinationId?: string }, query: PageQuery): Promise<Page<Connection>> {
    const plan = planPage(query, 'ascending');
    const rows = await this.db.all<ConnectionRow>(
      sql`SELECT ${columns()} FROM connections WHERE true${equalsIfGiven('source_id', filter.sourceId)}${equalsIfGiven(
        'destination_id',
        filter.destinationId,
      )}${pageTail(plan, 'id')}`,
    );
    return toPage(rows.map(toConnection), plan, (c) => c.id);
  }

  /**
   * Runs on every received request: one statement, through connections_source (source_id) and the
   * destinations' primary key. A source has a handful of connections, so the sort costs nothing.
   */
  async listRoutes(sourceId: string): Promise<Connection[]> {
    const rows = await this.db.all<ConnectionRow>(
      sql`SELECT ${columns('c.')} FROM connections c JOIN destinations d ON d.id = c.destination_id
        WHERE c.source_id = ${sourceId} AND c.disabled = ${false} AND d.disabled = ${false} ORDER BY c.id`,
    );
    return rows.map(toConnection);
  }

  async update(id: string, input: ConnectionInput, now: number): Promise<Connection> {
    const c = connectionColumns(input);
    const row = await this.missingParentAsNotFound(input, () =>
      this.db.get<ConnectionRow>(
        sql`UPDATE connections SET name = ${c.name}, source_id = ${c.source_id}, destination_id = ${c.destination_id},
          filter = ${c.filter}, transform = ${c.transform}, disabled = ${c.disabled}, updated_at = ${now}
          WHERE id = ${id} RETURNING ${columns()}`,
      ),
    );
    if (!row) throw new NotFoundError('connection');
    return toConnection(row);
  }

  /** Its events stay: deliveries.connection_id has no foreign key. */
  async delete(id: string): Promise<void> {
    const changed = await this.db.run(sql`DELETE FROM connections WHERE id = ${id}`);
    if (changed === 0) throw new NotFoundError('connection');
  }

  /**
   * Runs a write of `input`; a foreign key violation becomes `NotFoundError` naming the missing
   * parent, which one looked up after the fact (the violation does not say which).
   */
  private async missingParentAsNotFound<T>(input: ConnectionInput, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (!this.db.dialect.isForeignKeyViolation(error)) throw error;
      const source = await this.db.get(sql`SELECT id FROM sources WHERE id = ${input.sourceId}`);
      throw new NotFoundError(source === undefined ? 'source' : 'destination');
    }
  }
}

/** The columns that creating and updating a connection both write, as bound. */
function connectionColumns(input: ConnectionInput) {
  return {
    name: input.name ?? '',
    source_id: input.sourceId,
    destination_id: input.destinationId,
    filter: input.filterText !== undefined ? input.filterText : toJsonOrNull(input.filter),
    transform: input.transform ?? null,
    disabled: input.disabled ?? false,
  };
}
