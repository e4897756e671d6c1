import type { SecretColumnStore } from '../ports/secret-columns.js';
import {
  type MapSecret,
  mapBasicAuth,
  mapEndpointSecrets,
  mapHeaderValues,
  mapVerification,
} from '../secret-fields.js';
import { join, raw, type Sql, sql, type SqlExecutor } from './sql.js';

/** A column that holds secrets: JSON (mapped by its shape's function) or a bare text secret. */
interface SecretColumn {
  name: string;
  // biome-ignore lint/suspicious/noExplicitAny: each column's own shape, parsed from its JSON text
  map: ((value: any, f: MapSecret) => unknown) | 'text';
}

/** Every stored secret, by table (the shapes are secret-fields.ts's). */
const SECRET_TABLES: readonly { table: string; columns: readonly SecretColumn[] }[] = [
  {
    table: 'endpoints',
    columns: [
      { name: 'secrets', map: mapEndpointSecrets },
      { name: 'headers', map: mapHeaderValues },
    ],
  },
  { table: 'sources', columns: [{ name: 'verification', map: mapVerification }] },
  {
    table: 'destinations',
    columns: [
      { name: 'headers', map: mapHeaderValues },
      { name: 'basic_auth', map: mapBasicAuth },
      { name: 'secret', map: 'text' },
    ],
  },
];

const BATCH_ROWS = 200;
/** A row changed under the rewrite this many times in a row is left to the next pass. */
const MAX_ROW_TRIES = 5;
const KEY_ID_SETTING = 'master_key_id';

/** Each column as text: PostgreSQL's `json` keeps the text it was given, so a compare-and-set can match it. */
type TextRow = { id: string } & Record<string, string | null>;

export class SqlSecretColumns implements SecretColumnStore {
  constructor(private readonly db: SqlExecutor) {}

  async rewrite(f: MapSecret): Promise<number> {
    let written = 0;
    for (const { table, columns } of SECRET_TABLES) {
      const select = join(
        columns.map((c) => sql`CAST(${raw(c.name)} AS TEXT) AS ${raw(c.name)}`),
        ', ',
      );
      let after = '';
      for (;;) {
        const rows = await this.db.all<TextRow>(
          sql`SELECT id, ${select} FROM ${raw(table)} WHERE id > ${after} ORDER BY id LIMIT ${BATCH_ROWS}`,
        );
        for (const row of rows) if (await this.rewriteRow(table, columns, select, row, f)) written++;
        if (rows.length < BATCH_ROWS) break;
        after = rows[rows.length - 1].id;
      }
    }
    return written;
  }

  keyId(): Promise<string | null> {
    return this.db
      .get<{ value: string }>(sql`SELECT value FROM settings WHERE key = ${KEY_ID_SETTING}`)
      .then((row) => row?.value ?? null);
  }

  async initKeyId(keyId: string): Promise<string> {
    await this.db.run(
      sql`INSERT INTO settings (key, value) VALUES (${KEY_ID_SETTING}, ${keyId}) ON CONFLICT (key) DO NOTHING`,
    );
    return (await this.keyId()) ?? keyId;
  }

  async setKeyId(keyId: string): Promise<void> {
    await this.db.run(
      sql`INSERT INTO settings (key, value) VALUES (${KEY_ID_SETTING}, ${keyId})
        ON CONFLICT (key) DO UPDATE SET value = ${keyId}`,
    );
  }

  /** Writes one row's mapped values if they differ, compared-and-set; re-reads it when it changed meanwhile. */
  private async rewriteRow(
    table: string,
    columns: readonly SecretColumn[],
    select: Sql,
    first: TextRow,
    f: MapSecret,
  ): Promise<boolean> {
    let row: TextRow | undefined = first;
    for (let tries = 0; row && tries < MAX_ROW_TRIES; tries++) {
      const sets = columns.flatMap((c) => {
        const text = row![c.name];
        const next = mapColumn(c, text, f);
        return next === text ? [] : [sql`${raw(c.name)} = ${next}`];
      });
      if (sets.length === 0) return false;
      const unchanged = join(
        columns.map((c) =>
          row![c.name] === null ? sql`${raw(c.name)} IS NULL` : sql`CAST(${raw(c.name)} AS TEXT) = ${row![c.name]}`,
        ),
        ' AND ',
      );
      const changed = await this.db.run(
        sql`UPDATE ${raw(table)} SET ${join(sets, ', ')} WHERE id = ${row.id} AND ${unchanged}`,
      );
      if (changed > 0) return true;
      row = await this.db.get<TextRow>(sql`SELECT id, ${select} FROM ${raw(table)} WHERE id = ${row.id}`);
    }
    return false;
  }
}

/** A column's text after `f`: the same text when no value in it changed. */
function mapColumn(column: SecretColumn, text: string | null, f: MapSecret): string | null {
  if (text === null) return null;
  if (column.map === 'text') return f(text);
  const value: unknown = JSON.parse(text);
  const mapped = JSON.stringify(column.map(value, f));
  return mapped === JSON.stringify(value) ? text : mapped;
}
