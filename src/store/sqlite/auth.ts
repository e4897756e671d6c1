import { NotFoundError } from '../../core/errors.js';
import type { ApiToken } from '../../core/types.js';
import type { IdempotencyState, StoredResponse } from '../store.js';
import { isForeignKeyViolation, type SqliteDb, withConflict } from './database.js';
import { type TokenRow, toToken } from '../rows.js';

// Takes the key when it is free or its row has expired; RETURNING says whether we took it. The
// same statement shape works on PostgreSQL (INSERT ... ON CONFLICT DO UPDATE ... WHERE).
const CLAIM_KEY = `INSERT INTO idempotency (key, state, status_code, body, created_at, expires_at)
  VALUES (?, 'running', NULL, NULL, ?, ?)
  ON CONFLICT (key) DO UPDATE SET state = 'running', status_code = NULL, body = NULL,
    created_at = excluded.created_at, expires_at = excluded.expires_at
  WHERE idempotency.expires_at <= excluded.created_at
  RETURNING key`;

/** API tokens, server settings and idempotency keys. */
export class SqliteAuth {
  constructor(private readonly db: SqliteDb) {}

  async createToken(token: ApiToken): Promise<void> {
    try {
      withConflict('a token with this hash already exists', () =>
        this.db.run(
          'INSERT INTO tokens (id, hash, app_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
          token.id,
          token.hash,
          token.appId,
          token.createdAt,
          token.expiresAt,
        ),
      );
    } catch (error) {
      if (isForeignKeyViolation(error)) throw new NotFoundError('application');
      throw error;
    }
  }

  /** The token whatever its expiry: the caller decides what an expired token means. */
  async findTokenByHash(hash: string): Promise<ApiToken | null> {
    const row = this.db.get<TokenRow>('SELECT * FROM tokens WHERE hash = ?', hash);
    return row ? toToken(row) : null;
  }

  async getSetting(key: string): Promise<string | null> {
    return this.db.get<{ value: string }>('SELECT value FROM settings WHERE key = ?', key)?.value ?? null;
  }

  async initSetting(key: string, value: string): Promise<string> {
    this.db.run('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING', key, value);
    return (await this.getSetting(key)) ?? value;
  }

  /**
   * Claim-or-read runs inside one (group-committed) write transaction: no other process can
   * finish or take the key between the two statements.
   */
  beginIdempotency(key: string, now: number, expiresAt: number): Promise<IdempotencyState> {
    return this.db.defer((): IdempotencyState => {
      if (this.db.get(CLAIM_KEY, key, now, expiresAt)) return { state: 'new' };
      const row = this.db.get<{ state: string; status_code: number | null; body: string | null }>(
        'SELECT state, status_code, body FROM idempotency WHERE key = ?',
        key,
      )!;
      if (row.state !== 'done') return { state: 'running' };
      return { state: 'done', response: { statusCode: row.status_code ?? 0, body: row.body ?? '' } };
    });
  }

  completeIdempotency(key: string, response: StoredResponse, expiresAt: number): Promise<void> {
    return this.db.defer(() => {
      this.db.run(
        "UPDATE idempotency SET state = 'done', status_code = ?, body = ?, expires_at = ? WHERE key = ?",
        response.statusCode,
        response.body,
        expiresAt,
        key,
      );
    });
  }

  abandonIdempotency(key: string): Promise<void> {
    return this.db.defer(() => void this.db.run('DELETE FROM idempotency WHERE key = ?', key));
  }
}
