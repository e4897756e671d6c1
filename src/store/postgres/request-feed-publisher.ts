import type { Logger } from 'pino';
import { REQUEST_CHANNEL, requestsPayload, type StoredRequestNote } from '../request-feed.js';
import type { PgDb } from './database.js';

/** How long stored requests wait to share one NOTIFY. */
const BATCH_MS = 20;
/** NOTIFY payloads must stay under 8000 bytes. */
const MAX_PAYLOAD_BYTES = 7_800;

/**
 * Tells the other processes which requests this one stored (the live feed across processes), a
 * batch per NOTIFY at most every 20 ms, sent outside the requests' own transactions. A NOTIFY in
 * the request's transaction would serialize the receive path: PostgreSQL holds one database-wide
 * lock from a notifying transaction's pre-commit until its commit is flushed (measured: about
 * 130 requests/s). Best effort, like the feed itself: a failed NOTIFY is logged; the requests are
 * stored all the same.
 */
export class RequestFeedPublisher {
  private pending: StoredRequestNote[] = [];
  private timer: NodeJS.Timeout | null = null;
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: PgDb,
    private readonly sender: { instance: string; schema: string },
    private readonly log: Logger,
  ) {}

  publish(note: StoredRequestNote): void {
    this.pending.push(note);
    this.timer ??= setTimeout(() => this.flush(), BATCH_MS);
  }

  /** Sends what is pending now; resolves when every NOTIFY so far has been sent. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const notes = this.pending;
    this.pending = [];
    if (notes.length > 0) {
      this.sending = this.sending.then(() =>
        this.send(notes).catch((err: Error) => {
          this.log.warn({ err: err.message, requests: notes.length }, 'announcing stored requests failed');
        }),
      );
    }
    return this.sending;
  }

  private async send(notes: StoredRequestNote[]): Promise<void> {
    for (const payload of requestsPayload(notes, this.sender, MAX_PAYLOAD_BYTES)) {
      await this.db.run(`SELECT pg_notify('${REQUEST_CHANNEL}', $1)`, [payload]);
    }
  }
}
