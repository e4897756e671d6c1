import { newId } from '../../core/ids.js';
import type { Config } from '../../config/config.js';
import type { LeasedEvent, ListenTarget, Store } from '../../store/store.js';
import type { HubSession } from './listen-hub.js';
import { recordListenOutcome } from './listen-outcome.js';

/** How often an idle session looks for due events nobody told it about (a retry due, another process's retry). */
const SAFETY_POLL_MS = 2_000;
/** How often a session waiting for an outcome asks the store whether another process recorded it. */
const REPORT_POLL_MS = 1_000;

export interface ListenSessionDeps {
  store: Store;
  config: Pick<Config, 'requestTimeoutMs' | 'leaseMarginMs' | 'retryScheduleSeconds'>;
  now: () => number;
}

/** One event as the stream carries it (`event: request`); the body is base64 of the exact bytes. */
export interface StreamedEvent {
  event: string;
  request: string;
  /** This attempt's number, from 1. */
  attempt: number;
  method: string;
  /** What followed the source's path, query included (`/orders?id=1`, or `` for none). */
  path: string;
  headers: [string, string][];
  body: string;
  receivedAt: string;
}

/**
 * One connected `hookd listen`: it leases its destination's events one at a time, oldest due
 * first (store `listen.claimNext`), writes each to the stream, and waits for its outcome before
 * the next, so that the local app sees them in the order they arrived. The outcome comes by the
 * outcome route: from this process at once (`reported`), or recorded by another process (seen by
 * polling the lease); with none by the end of the lease, the attempt is recorded as a timeout.
 * It wakes on every request stored for its source (on PostgreSQL also those other processes
 * store: NOTIFY) and on the queue's work signal (a retry), and looks again every 2 s.
 * When it ends (the stream closed), the lease it holds is given back without an attempt: the
 * event is due again for the device's next session (at-least-once).
 */
export class ListenSession implements HubSession {
  readonly id = newId('lsn');
  readonly destinationId: string;
  readonly leaseMs: number;
  private stopped = false;
  private woken = false;
  private wakeUp: (() => void) | null = null;
  private outcome: { eventId: string; done: () => void } | null = null;

  constructor(
    private readonly deps: ListenSessionDeps,
    private readonly target: ListenTarget,
    /** Writes one chunk of the event stream. */
    private readonly write: (chunk: string) => void,
    /** Ends the stream (the server is closing). */
    private readonly endStream: () => void,
  ) {
    this.destinationId = target.destination.id;
    this.leaseMs = (target.destination.timeoutMs ?? deps.config.requestTimeoutMs) + deps.config.leaseMarginMs;
  }

  /** Streams the destination's events until `stop()`. Never rejects: a store failure ends the session. */
  async run(): Promise<void> {
    const { store } = this.deps;
    const sourceId = this.target.connection.sourceId;
    const unsubscribeRequests = store.inbound.onRequest((note) => {
      if (note.sourceId === sourceId) this.wake();
    });
    // Work due at a stored time is held for a target's probe or pause: never a CLI destination's.
    const unsubscribeWork = store.queue.onWork((_due, at) => {
      if (at === undefined) this.wake();
    });
    try {
      await store.listen.takeOver(this.destinationId, this.deps.now());
      while (!this.stopped) {
        this.woken = false;
        const leased = await store.listen.claimNext(this.destinationId, this.id, this.leaseMs, this.deps.now());
        if (leased === null) {
          await this.sleep();
          continue;
        }
        this.write(`event: request\nid: ${leased.delivery.id}\ndata: ${JSON.stringify(streamed(leased))}\n\n`);
        await this.awaitOutcome(leased);
      }
    } catch (error) {
      this.write(`event: error\ndata: ${JSON.stringify({ detail: (error as Error).message })}\n\n`);
      this.endStream();
    } finally {
      unsubscribeRequests();
      unsubscribeWork();
      await store.queue.release(this.id, this.deps.now()).catch(() => {});
    }
  }

  stop(): void {
    this.stopped = true;
    this.wake();
    this.outcome?.done();
  }

  end(): void {
    this.stop();
    this.endStream();
  }

  reported(eventId: string): void {
    if (this.outcome?.eventId === eventId) this.outcome.done();
  }

  private wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Until woken, the next event is due, or the safety poll. */
  private async sleep(): Promise<void> {
    const due = await this.deps.store.listen.nextDueAt(this.destinationId);
    if (this.woken || this.stopped) return;
    const delayMs = due === null ? SAFETY_POLL_MS : Math.min(Math.max(due - this.deps.now(), 0), SAFETY_POLL_MS);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delayMs);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wakeUp = null;
  }

  /** Until the event's outcome is recorded here or elsewhere, or its lease ends (then: a timeout). */
  private async awaitOutcome(leased: LeasedEvent): Promise<void> {
    const { store, now } = this.deps;
    const eventId = leased.delivery.id;
    const deadline = now() + this.leaseMs;
    let reported = false;
    const done = new Promise<void>((resolve) => {
      this.outcome = { eventId, done: resolve };
    }).then(() => {
      reported = true;
    });
    try {
      while (!this.stopped && !reported) {
        const waitMs = Math.min(REPORT_POLL_MS, Math.max(deadline - now(), 0));
        await Promise.race([done, new Promise((resolve) => setTimeout(resolve, waitMs).unref())]);
        if (reported || this.stopped) return;
        if (!(await store.listen.isLeased(eventId, this.id))) return; // recorded by another process
        if (now() >= deadline) {
          const report = {
            url: this.target.destination.url,
            statusCode: 0,
            response: `hookd listen reported no outcome within ${this.leaseMs} ms`,
            durationMs: this.leaseMs,
            error: 'timeout' as const,
          };
          await recordListenOutcome(this.deps, this.id, leased.delivery, report);
          return;
        }
      }
    } finally {
      this.outcome = null;
    }
  }
}

function streamed({ delivery, request }: LeasedEvent): StreamedEvent {
  return {
    event: delivery.id,
    request: request.id,
    attempt: delivery.attemptCount + 1,
    method: request.method,
    path: request.path,
    headers: request.headers.map(([name, value]) => [name, value]),
    body: request.body.toString('base64'),
    receivedAt: new Date(request.receivedAt).toISOString(),
  };
}
