import pg from 'pg';
import type { Logger } from 'pino';
import type { WorkSignal } from '../work-signal.js';
import { parseRequestsPayload, REQUEST_CHANNEL, type RequestFeed } from '../request-feed.js';
import { parseWorkPayload, WORK_CHANNEL, type WorkSender } from './work-notify.js';

const RECONNECT_FIRST_MS = 100;
const RECONNECT_MAX_MS = 5_000;
/**
 * A LISTEN connection only receives, so a peer that vanished without a FIN (a NAT or firewall
 * dropping an idle flow, a failed-over server) would never be noticed. A query this often
 * turns that silence into an error, and the error into a reconnect.
 */
const HEARTBEAT_MS = 30_000;
/** A heartbeat unanswered this long counts as a lost connection (a dead peer never errors by itself). */
const HEARTBEAT_TIMEOUT_MS = 10_000;

/**
 * The other half of `work-notify.ts`: one dedicated connection (not from the pool: a pooled
 * client goes back to the pool, and LISTEN belongs to the session) that LISTENs on `hookd_work`
 * and turns each notification from another store instance into a local `WorkSignal.emit()`; and
 * on `hookd_requests`, each request another instance stored into a local `RequestFeed.emit()`.
 *
 * If the connection drops (server restart, failover, idle kill), it reconnects with a backoff
 * (100 ms doubling to 5 s) and then emits once: notifications sent while it was away are lost,
 * and the work they announced may be waiting.
 */
export class PgWorkListener {
  private client: pg.Client | null = null;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private backoffMs = RECONNECT_FIRST_MS;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly self: WorkSender,
    private readonly work: WorkSignal,
    private readonly log: Logger,
    private readonly feed: RequestFeed,
  ) {}

  /** Connects and LISTENs; resolves once notifications are being received. */
  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ ...this.config, query_timeout: HEARTBEAT_TIMEOUT_MS, keepAlive: true });
    // Without an 'error' listener, a dropped connection would crash the process.
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, null));
    client.on('notification', (message) => {
      if (message.channel === REQUEST_CHANNEL) {
        const batch = parseRequestsPayload(message.payload);
        if (batch === null || batch.schema !== this.self.schema || batch.instance === this.self.instance) return;
        for (const note of batch.notes) this.feed.emit(note);
        return;
      }
      if (message.channel !== WORK_CHANNEL) return;
      const sender = parseWorkPayload(message.payload);
      if (sender === null || sender.schema !== this.self.schema || sender.instance === this.self.instance) return;
      this.work.emit(sender.due, sender.at);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${WORK_CHANNEL}; LISTEN ${REQUEST_CHANNEL}`);
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.backoffMs = RECONNECT_FIRST_MS;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      client.query('SELECT 1').catch((error: Error) => this.lost(client, error));
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  private lost(client: pg.Client, error: Error | null): void {
    if (this.stopped || this.client !== client) return; // an old client, or stop() ended it
    this.client = null;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    this.log.warn({ err: error?.message }, 'the LISTEN connection to PostgreSQL dropped; reconnecting');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.retryTimer) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, RECONNECT_MAX_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect().then(
        () => {
          // What was missed meanwhile may be due at any time: as after a retry, look it up.
          if (!this.stopped) this.work.emit('later');
        },
        () => this.scheduleReconnect(),
      );
    }, delay);
    this.retryTimer.unref();
  }
}
