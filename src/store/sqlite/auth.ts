import { SqlTokensAndSettings } from '../crud/tokens-and-settings.js';
import type { AuthStore, IdempotencyState, StoredResponse } from '../store.js';
import type { SqliteDb } from './database.js';
import { sqliteExecutor } from './sqlite-executor.js';

// Takes the key when it is free or its row has expired; RETURNING says whether we took it. The
// same statement shape works on PostgreSQL (INSERT ... ON CONFLICT DO UPDATE ... WHERE).
const CLAIM_KEY = `INSERT INTO idempotency (key, state, status_code, body, created_at, expires_at)
  VALUES (?, 'running', NULL, NULL, ?, ?)
  ON CONFLICT (key) DO UPDATE SET state = 'running', status_code = NULL, body = NULL,
    created_at = excluded.created_at, expires_at = excluded.expires_at
  WHERE idempotency.expires_at <= excluded.created_at
  RETURNING key`;

/** The auth port on SQLite: tokens and settings as on every backend, idempotency keys in group commits. */
export class SqliteAuth extends SqlTokensAndSettings implements AuthStore {
  constructor(private readonly sqlite: SqliteDb) {
    super(sqliteExecutor(sqlite));
  }

  /**
   * Claim-or-read runs inside one (group-committed) write transaction: no other process can
   * finish or take the key between the two statements.
   */
  beginIdempotency(key: string, now: number, expiresAt: number): Promise<IdempotencyState> {
    return this.sqlite.defer((): IdempotencyState => {
      if (this.sqlite.get(CLAIM_KEY, key, now, expiresAt)) return { state: 'new' };
      const row = this.sqlite.get<{ state: string; status_code: number | null; body: string | null }>(
        'SELECT state, status_code, body FROM idempotency WHERE key = ?',
        key,
      )!;
      if (row.state !== 'done') return { state: 'running' };
      return { state: 'done', response: { statusCode: row.status_code ?? 0, body: row.body ?? '' } };
    });
  }

  completeIdempotency(key: string, response: StoredResponse, expiresAt: number): Promise<void> {
    return this.sqlite.defer(() => {
      this.sqlite.run(
        "UPDATE idempotency SET state = 'done', status_code = ?, body = ?, expires_at = ? WHERE key = ?",
        response.statusCode,
        response.body,
        expiresAt,
        key,
      );
    });
  }

  abandonIdempotency(key: string): Promise<void> {
    return this.sqlite.defer(() => void this.sqlite.run('DELETE FROM idempotency WHERE key = ?', key));
  }
}
