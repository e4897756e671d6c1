import { SqlTokensAndSettings } from '../crud/tokens-and-settings.js';
import type { AuthStore, IdempotencyState, StoredResponse } from '../store.js';
import type { PgDb } from './database.js';
import { postgresExecutor } from './postgres-executor.js';

// Takes the key when it is free or its row has expired; RETURNING says whether we took it. Two
// processes racing for one key serialize on the unique index: the second waits for the first to
// commit, then sees the conflict and (the row being unexpired) takes nothing.
const CLAIM_KEY = `INSERT INTO idempotency (key, state, status_code, body, created_at, expires_at)
  VALUES ($1, 'running', NULL, NULL, $2, $3)
  ON CONFLICT (key) DO UPDATE SET state = 'running', status_code = NULL, body = NULL,
    created_at = excluded.created_at, expires_at = excluded.expires_at
  WHERE idempotency.expires_at <= excluded.created_at
  RETURNING key`;

/** How often to retry a key that was abandoned between our claim and our read. */
const MAX_CLAIM_TRIES = 5;

/** The auth port on PostgreSQL: tokens and settings as on every backend, idempotency keys by claim-then-read. */
export class PgAuth extends SqlTokensAndSettings implements AuthStore {
  constructor(private readonly pg: PgDb) {
    super(postgresExecutor(pg));
  }

  /**
   * Claim, else read. No transaction is needed around the two: the claim alone is atomic, and
   * the read (a fresh snapshot) sees whoever holds the key. The only gap is a key abandoned
   * between the two statements: then it is free, and we try to claim it again.
   */
  async beginIdempotency(key: string, now: number, expiresAt: number): Promise<IdempotencyState> {
    for (let tries = 0; ; tries++) {
      if (await this.pg.get(CLAIM_KEY, [key, now, expiresAt])) return { state: 'new' };
      const row = await this.pg.get<{ state: string; status_code: number | null; body: string | null }>(
        'SELECT state, status_code, body FROM idempotency WHERE key = $1',
        [key],
      );
      if (row === undefined) {
        if (tries < MAX_CLAIM_TRIES) continue;
        return { state: 'running' }; // freed and retaken over and over: behave as "busy"
      }
      if (row.state !== 'done') return { state: 'running' };
      return { state: 'done', response: { statusCode: row.status_code ?? 0, body: row.body ?? '' } };
    }
  }

  async completeIdempotency(key: string, response: StoredResponse, expiresAt: number): Promise<void> {
    await this.pg.run(
      "UPDATE idempotency SET state = 'done', status_code = $1, body = $2, expires_at = $3 WHERE key = $4",
      [response.statusCode, response.body, expiresAt, key],
    );
  }

  async abandonIdempotency(key: string): Promise<void> {
    await this.pg.run('DELETE FROM idempotency WHERE key = $1', [key]);
  }
}
