import { SqlSecretColumns } from '../crud/secret-columns.js';
import type { SqlExecutor } from '../crud/sql.js';
import type { MapSecret } from '../secret-fields.js';
import type { SqliteDb } from './database.js';

/**
 * The shared rewrite, made to leave no old value in the file: SQLite keeps a replaced value in
 * the page's free space, in freed pages and in the WAL until they are reused. While it runs,
 * `secure_delete` zeroes what is freed; after it, a TRUNCATE checkpoint moves the WAL into the
 * database file and empties it.
 */
export class SqliteSecretColumns extends SqlSecretColumns {
  constructor(
    crud: SqlExecutor,
    private readonly sqlite: SqliteDb,
  ) {
    super(crud);
  }

  override async rewrite(map: MapSecret): Promise<number> {
    this.sqlite.raw.pragma('secure_delete = ON');
    try {
      const written = await super.rewrite(map);
      if (written > 0) this.sqlite.raw.pragma('wal_checkpoint(TRUNCATE)');
      return written;
    } finally {
      this.sqlite.raw.pragma('secure_delete = OFF');
    }
  }
}
