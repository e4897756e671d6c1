import type { ApiToken } from '../../core/types.js';
import { type TokenRow, toToken } from '../rows.js';
import { sql, type SqlExecutor } from './sql.js';
import { mapViolations } from './violations.js';

/**
 * API tokens and server settings. Idempotency keys, the third part of the auth port, are each
 * backend's own (a subclass): they sit on every API POST and take keys differently (a group commit
 * on SQLite, claim-then-read with retries on PostgreSQL).
 */
export class SqlTokensAndSettings {
  constructor(protected readonly db: SqlExecutor) {}

  async createToken(token: ApiToken): Promise<void> {
    await mapViolations(this.db, { unique: 'a token with this hash already exists', foreignKey: 'application' }, () =>
      this.db.run(sql`INSERT INTO tokens (id, hash, app_id, created_at, expires_at)
        VALUES (${token.id}, ${token.hash}, ${token.appId}, ${token.createdAt}, ${token.expiresAt})`),
    );
  }

  async deleteToken(hash: string): Promise<void> {
    await this.db.run(sql`DELETE FROM tokens WHERE hash = ${hash}`);
  }

  /** The token whatever its expiry: the caller decides what an expired token means. */
  async findTokenByHash(hash: string): Promise<ApiToken | null> {
    const row = await this.db.get<TokenRow>(sql`SELECT * FROM tokens WHERE hash = ${hash}`);
    return row ? toToken(row) : null;
  }

  /** A small key/value table for server settings, e.g. the admin token's hash. */
  async getSetting(key: string): Promise<string | null> {
    return (await this.db.get<{ value: string }>(sql`SELECT value FROM settings WHERE key = ${key}`))?.value ?? null;
  }

  /** Stores `value` unless the key holds one already (atomic: racing processes agree); returns what it holds. */
  async initSetting(key: string, value: string): Promise<string> {
    await this.db.run(sql`INSERT INTO settings (key, value) VALUES (${key}, ${value}) ON CONFLICT (key) DO NOTHING`);
    return (await this.getSetting(key)) ?? value;
  }
}
