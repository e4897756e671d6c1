import { classifyOutcome, type Outcome } from '../core/outcome.js';
import { newId } from '../core/ids.js';
import type { AttemptRecord } from '../core/types.js';
import type { Config } from '../config/config.js';
import type { ClaimedDelivery, DeliveryOutcome, DeliveryQueue, RecordHandOff } from '../store/store.js';
import { buildAttempt, createRequestBuilders, type RequestBuilders } from './request-builders.js';
import type { HttpSender, SendResult } from './http-sender.js';
import { nextDeliveryState } from './next-state.js';
import type { Admission, DeliveryGate } from './delivery-gate.js';
import { redactHeaders } from '../core/sensitive-headers.js';
import type { Logger } from 'pino';
import { createLogger } from '../log/create-logger.js';

/** The safety-net poll: how long an idle engine sleeps when nothing is due and nobody wakes it. */
const IDLE_POLL_MS = 30_000;
/** The most deliveries claimed in one query. */
const CLAIM_BATCH = 256;
/**
 * How soon an engine claims again when deliveries due now were left in the queue (their endpoint
 * at its concurrency limit, or behind an ordered endpoint's head: store/fair-share.ts), rather
 * than at once in a loop: a place freed in another process is seen this late at most. An outcome
 * committed in this process claims again at once.
 */
const HELD_BACK_RECHECK_MS = 1_000;

export interface EngineOptions {
  /** The queue port of the store: the engine needs nothing else of it. */
  queue: DeliveryQueue;
  sender: HttpSender;
  config: Pick<
    Config,
    'retryScheduleSeconds' | 'headerStyle' | 'workerConcurrency' | 'requestTimeoutMs' | 'leaseMarginMs'
  >;
  /** Where the engine reports store failures. Default: `createLogger()` (info, stdout). */
  logger?: Logger;
  /** The request builder of each delivery kind. Default: `createRequestBuilders(config.headerStyle)`. */
  builders?: RequestBuilders;
  /** Wall clock in epoch ms: due times, leases and attempt times. Default `Date.now`. */
  now?: () => number;
  /** Told of every attempt as it finishes (metrics); none by default. */
  observer?: DeliveryObserver;
  /**
   * Rate budgets, Retry-After pauses, circuits and the failure clock of endpoints and
   * destinations (`startHookd` always gives one); none: every delivery goes at once.
   */
  gate?: DeliveryGate;
}

/** One finished attempt, as an observer (metrics) sees it. */
export interface AttemptObservation {
  kind: ClaimedDelivery['kind'];
  /** How the attempt went; `refused`: nothing could be sent (an expunged message, a dropped event, a transform error). */
  outcome: Outcome | 'refused';
  /** The delivery's state after it: `pending` when a retry is scheduled. */
  status: DeliveryOutcome['status'];
  durationMs: number;
}

/** A hook on the engine's attempts; called on the engine's path, so it must be cheap and never throw. */
export interface DeliveryObserver {
  attempted(observation: AttemptObservation): void;
}

/**
 * The delivery engine: claim due deliveries → send → record → reschedule.
 *
 * It never polls on the hot path: a new message's deliveries are handed to it by the store right
 * after their commit, already leased, as many as it reserved room for; for the rest the store
 * calls `onWork` after every commit that makes work due, and the engine claims at once. A timer
 * set to the next due time (at most IDLE_POLL_MS away) catches retries and leases that expire in
 * other processes; it is set anew when that time may have moved earlier (see `lookAhead`), so a
 * lease taken since is noticed when the timer fires, at most IDLE_POLL_MS after it expired.
 * Outcomes are recorded in batches: every outcome that finishes in one event-loop turn shares one
 * transaction.
 *
 * Crash bound: a delivery holds its place of the concurrency from its claim (or hand-off) until
 * its outcome is committed, not just while its request runs; so the leases this process holds at
 * any moment, and with them the deliveries sent again after a `kill -9`, are at most
 * `workerConcurrency`. Freeing the place when the response arrived would let new claims lease
 * more while earlier outcomes wait for their commit.
 */
export class DeliveryEngine {
  readonly workerId = newId('wrk');
  private readonly leaseMs: number;
  /** What a record asks for when it may hand off (`mayHandOffAtRecord`). */
  private readonly handOff: RecordHandOff;
  private readonly now: () => number;
  private readonly builders: RequestBuilders;
  /** Places held by leased deliveries: from their claim or hand-off until their outcome is committed. */
  private inFlight = 0;
  /**
   * Deliveries not yet done with: admissions under way, deliveries waiting for their slot,
   * requests not yet finished (stop() waits for them).
   */
  private sending = 0;
  /** Places held for deliveries not yet in flight: a claim under way, a store batch not yet committed. */
  private reserved = 0;
  private claiming = false;
  /** Set when work may be due that the running claim pass did not see. */
  private rerun = false;
  /**
   * Set when the next due time may have moved earlier (a retry was scheduled, the timer fired, the
   * engine started): the claim pass then asks the store for it and sets the timer. A wake for work
   * due now leaves the timer as it was, which saves a query per wake on a busy queue.
   */
  private lookAhead = false;
  /** Set when the last pass stopped for lack of room: a finishing send claims again. */
  private backlog = false;
  /**
   * Set when the last claim may have left due deliveries behind (it took fewer than it asked
   * for): a committed outcome may have freed their endpoint's place, so it claims again.
   */
  private heldBack = false;
  /** Set when work held back was signalled during a claim pass (`holdBack`). */
  private heldDuringPass = false;
  /**
   * The earliest retry this engine scheduled (or work the store said is due then: `dueAt`) that
   * is still ahead: the timer fires by then. The store's `nextDueAt` cannot tell it while
   * held-back deliveries are due already (an ordered endpoint's messages waiting for their head's
   * retry).
   */
  private earliestRetryAt = Number.POSITIVE_INFINITY;
  private stopped = true;
  private timer: NodeJS.Timeout | null = null;
  /** When `timer` fires (this.now() time); infinity when none is set. */
  private timerAt = Number.POSITIVE_INFINITY;
  private unsubscribe: (() => void) | null = null;
  private outcomes: DeliveryOutcome[] = [];
  /** Deliveries the gate held back (over the rate, paused, circuit open), to give back due at their slot. */
  private postponed: { id: string; dueAt: number }[] = [];
  /**
   * Deliveries waiting in this process for a send slot near at hand (the gate's `waiting`), each
   * with its timer: they keep their lease and their place, and go through the gate again at their
   * slot. stop() gives them back to the queue, due at their slot.
   */
  private readonly waiting = new Map<string, { claimed: ClaimedDelivery; timer: NodeJS.Timeout }>();
  private flushScheduled = false;
  /**
   * The outcome write under way, if any. One at a time, in order; what finishes meanwhile waits
   * and goes in the next write, whole: a chain of one write per event-loop turn would fall behind
   * when a write takes longer than a turn (PostgreSQL under load), and with it the places that
   * outcomes hold until their commit.
   */
  private recording: Promise<void> | null = null;
  private idle: (() => void) | null = null;
  /** The claim pass that is running, if any: stop() waits for it. */
  private claimPass: Promise<void> | null = null;

  private readonly log: Logger;

  constructor(private readonly options: EngineOptions) {
    this.log = options.logger ?? createLogger();
    this.leaseMs = options.config.requestTimeoutMs + options.config.leaseMarginMs;
    this.handOff = { leaseMs: this.leaseMs };
    this.now = options.now ?? Date.now;
    this.builders = options.builders ?? createRequestBuilders(options.config.headerStyle);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const { queue } = this.options;
    this.unsubscribe = queue.onWork((due, at) => {
      if (due === 'held') this.holdBack();
      else if (at !== undefined) this.dueAt(at);
      else this.wake(due === 'later');
    });
    // New deliveries come straight from the writers (messages.create, inbound.receive), leased to us, without a claim.
    void queue.attachLocalWorker({
      workerId: this.workerId,
      leaseMs: this.leaseMs,
      reserve: (wanted) => this.reserve(wanted),
      unreserve: (count) => {
        this.reserved -= count;
      },
      // Counted at once; sent after the current turn, so that the 202s of the batch that created
      // them go out first.
      take: (claimed) => {
        this.reserved -= claimed.length;
        this.deliverAll(claimed, true);
      },
    });
    this.wake(true);
  }

  /**
   * Graceful stop: claim nothing more, give back the deliveries waiting for their slot (due at
   * it), let in-flight requests finish (each is bounded by the request timeout), record their
   * outcomes, and give back any lease still held.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    // What an admission under way still sets waiting is given back as it comes (waitForSlot).
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of waiting) clearTimeout(w.timer);
    this.giveBack(waiting.map((w) => w.claimed));
    // A store batch or a claim that was under way still hands over what it leased to us: wait for
    // them, then for the requests.
    await this.options.queue.attachLocalWorker(null);
    await this.claimPass;
    if (this.sending > 0) await new Promise<void>((resolve) => (this.idle = resolve));
    this.flushOutcomes();
    while (this.recording !== null) await this.recording;
    await this.options.queue.release(this.workerId, this.now());
  }

  /** Work may be due: claim now (or right after the claim pass that is running); `lookAhead`: and set the timer anew. */
  wake(lookAhead = false): void {
    if (this.stopped) return;
    this.lookAhead ||= lookAhead;
    if (this.claiming) {
      this.rerun = true;
      return;
    }
    this.claiming = true;
    this.claimPass = this.claimLoop().finally(() => {
      this.claiming = false;
      this.claimPass = null;
      if (this.heldDuringPass) {
        this.heldDuringPass = false;
        this.noteHeldBack();
      }
      // Woken after the pass's last look at `rerun` (an outcome committed as it armed its
      // timer): claim again, or that wake is lost until the timer (up to HELD_BACK_RECHECK_MS).
      if (this.rerun) this.wake();
    });
  }

  /**
   * Work is due at `at` (epoch ms) and not sooner (`WorkListener`: held for a target's probe or
   * pause end): claim nothing now, and keep the timer at or before `at`, as for a retry this
   * engine scheduled (`earliestRetryAt`), whatever a lookup of the next due time sets it to.
   */
  private dueAt(at: number): void {
    if (this.stopped || at >= this.earliestRetryAt) return;
    this.earliestRetryAt = at;
    if (this.timerAt > at) this.armTimer(at - this.now());
  }

  /**
   * Work is due that the fair shares hold back (`WorkDue` `held`): claim nothing now. The end of
   * one of the leases that hold it hands its place on (`mayHandOffAtRecord`) or claims
   * (`freePlaces`), and the timer rechecks within HELD_BACK_RECHECK_MS for leases held elsewhere,
   * as after a claim pass that left work held back. During a pass, once the pass is over: a claim
   * again (as `wake` does) would run passes back to back on PostgreSQL, where a claim takes
   * several round trips and a group commit signals `held` during each.
   */
  private holdBack(): void {
    if (this.stopped) return;
    if (this.claiming) this.heldDuringPass = true;
    else this.noteHeldBack();
  }

  private noteHeldBack(): void {
    this.heldBack = true;
    if (this.timerAt > this.now() + HELD_BACK_RECHECK_MS) this.armTimer(HELD_BACK_RECHECK_MS);
  }

  private async claimLoop(): Promise<void> {
    const { queue } = this.options;
    while (!this.stopped) {
      this.rerun = false;
      const limit = this.reserve(CLAIM_BATCH);
      if (limit === 0) {
        this.backlog = true; // a finishing send calls wake()
        return;
      }
      this.backlog = false;
      let claimed: ClaimedDelivery[];
      const claimAt = this.now();
      try {
        claimed = await queue.claim(this.workerId, limit, this.leaseMs, claimAt);
      } catch (err) {
        // The database is unreachable or busy: retry on the timer rather than spin.
        this.log.error({ err: (err as Error).message }, 'claiming deliveries failed');
        this.earliestRetryAt = Number.POSITIVE_INFINITY;
        this.rerun = false; // a wake meanwhile waits for the timer too
        this.armTimer(1000);
        return;
      } finally {
        this.reserved -= limit;
      }
      // A claim at or after the earliest retry saw it due; one before it (its timer fired a
      // millisecond early) did not, and the timer must still come back for it.
      if (this.earliestRetryAt <= claimAt) this.earliestRetryAt = Number.POSITIVE_INFINITY;
      this.deliverAll(claimed, false);
      if (claimed.length === limit) continue; // there may be more
      // Everything due now was taken, and what is due later is where the timer already points;
      // unless nothing was: another worker took it, it was stamped by a clock ahead of ours, or
      // the fair shares held it back. Set before a rerun too: while new work wakes the engine
      // during every claim (a burst being written), the pass goes on, and the outcomes recorded
      // meanwhile hand their places on (`mayHandOffAtRecord`) rather than wait for its claims.
      this.heldBack = true;
      if (this.rerun) continue;
      if (claimed.length === 0) this.lookAhead = true;
      if (!this.lookAhead) return;
      this.lookAhead = false;
      const due = await queue.nextDueAt().catch(() => null);
      const wait = due === null ? IDLE_POLL_MS : due - this.now();
      // Due already, yet not claimed: held back (or being claimed by another worker). Not a loop.
      this.heldBack = wait <= 0;
      this.armTimer(this.heldBack ? HELD_BACK_RECHECK_MS : Math.min(wait, IDLE_POLL_MS));
      // Woken while asking (work committed after the claim read the queue): claim again rather
      // than sleep past it.
      if (this.rerun) continue;
      return;
    }
  }

  /** Holds up to `wanted` places of the concurrency; returns how many. */
  private reserve(wanted: number): number {
    const granted = Math.max(
      0,
      Math.min(wanted, this.options.config.workerConcurrency - this.inFlight - this.reserved),
    );
    this.reserved += granted;
    return granted;
  }

  /** Sets the timer, never past a retry this engine scheduled (see `earliestRetryAt`). */
  private armTimer(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    const untilRetry = Math.max(0, this.earliestRetryAt - this.now());
    const delay = Math.min(delayMs, untilRetry);
    this.timerAt = this.now() + delay;
    this.timer = setTimeout(() => {
      this.timerAt = Number.POSITIVE_INFINITY;
      this.wake(true);
    }, delay);
    this.timer.unref();
  }

  /** Counts the deliveries in flight now, and sends them now or after this event-loop turn. */
  private deliverAll(claimed: ClaimedDelivery[], afterThisTurn: boolean): void {
    if (claimed.length === 0) return;
    this.inFlight += claimed.length;
    this.sending += claimed.length;
    if (afterThisTurn) setImmediate(() => this.admit(claimed));
    else this.admit(claimed);
  }

  /** Passes deliveries (counted in `inFlight` and `sending`) through the gate, and acts on its answer. */
  private admit(claimed: ClaimedDelivery[]): void {
    const admitted = this.options.gate?.admit(claimed, this.now()) ?? { go: claimed, postponed: [], waiting: [] };
    if (admitted instanceof Promise) void admitted.then((a) => this.sendAdmitted(a));
    else this.sendAdmitted(admitted);
  }

  /**
   * Sends what the gate let through, keeps what waits for a slot near at hand, and gives the rest
   * back to the queue, due at their slot, without an attempt.
   */
  private sendAdmitted({ go, postponed, waiting }: Admission): void {
    if (postponed.length > 0) this.postpone(postponed);
    for (const w of waiting) this.waitForSlot(w.claimed, w.slotAt);
    for (const item of go) void this.deliver(item);
  }

  private postpone(postponed: { id: string; dueAt: number }[]): void {
    this.postponed.push(...postponed);
    this.scheduleFlush();
    for (let i = 0; i < postponed.length; i++) this.doneSending();
  }

  /**
   * Keeps a delivery until its slot, then admits it again (the gate re-checks it). Its place and
   * its lease stay held meanwhile: the gate keeps a delivery only for a slot well inside its lease
   * and only while such deliveries hold at most a share of the places (delivery-gate.ts).
   */
  private waitForSlot(claimed: ClaimedDelivery, slotAt: number): void {
    if (this.stopped) {
      this.giveBack([claimed]);
      return;
    }
    const id = claimed.delivery.id;
    const timer = setTimeout(
      () => {
        this.waiting.delete(id);
        if (this.stopped) this.giveBack([claimed]);
        else this.admit([claimed]);
      },
      Math.max(0, Math.ceil(slotAt - this.now())),
    );
    this.waiting.set(id, { claimed, timer });
  }

  /** Gives deliveries that waited for their slot back to the queue, due at it (the engine stops). */
  private giveBack(claimed: ClaimedDelivery[]): void {
    if (claimed.length === 0) return;
    const gate = this.options.gate!; // only the gate sets deliveries waiting
    void gate
      .giveBack(
        claimed.map((c) => c.delivery.id),
        this.now(),
      )
      .then((postponed) => this.postpone(postponed));
  }

  /** One attempt of one delivery, already counted in `inFlight` (which its outcome's commit frees). */
  private async deliver(claimed: ClaimedDelivery): Promise<void> {
    const { delivery } = claimed;
    const startedAt = this.now();
    const building = buildAttempt(this.builders, claimed, startedAt);
    // Only an event's transform answers later (off the main thread): a message costs no await.
    const built = building instanceof Promise ? await building : building;
    let result: SendResult;
    let requestHeaders: Record<string, string> = {};
    if (built.request === null) {
      result = { kind: 'error', error: 'refused', detail: built.refusal, durationMs: 0 };
    } else {
      requestHeaders = redactHeaders(built.request.headers);
      result = await this.options.sender.send(built.request);
      built.span?.end(result.kind === 'response' ? result.statusCode : 0);
    }
    const outcome = classifyOutcome(
      result.kind === 'response' ? { statusCode: result.statusCode } : { error: result.error },
    );
    const attempt = {
      id: newId('atmpt'),
      deliveryId: delivery.id,
      ...built.target,
      url: built.url,
      status: outcome === 'success' ? 'success' : 'fail',
      responseStatusCode: result.kind === 'response' ? result.statusCode : 0,
      response: result.kind === 'response' ? result.body : result.detail,
      responseDurationMs: Math.round(result.durationMs),
      requestHeaders,
      trigger: delivery.trigger,
      createdAt: startedAt,
    } as AttemptRecord;
    // What can never be sent (an expunged message, a dropped event) ends now instead of running out the schedule.
    const decided: DeliveryOutcome =
      built.request === null
        ? { attempt, status: built.status, nextAttemptAt: null }
        : this.settle(
            claimed,
            result,
            nextDeliveryState({
              attempt,
              outcome,
              retryAfterSeconds: result.kind === 'response' ? result.retryAfterSeconds : null,
              attemptsMade: delivery.attemptCount + 1,
              trigger: delivery.trigger,
              scheduleSeconds: built.retrySchedule ?? this.options.config.retryScheduleSeconds,
              now: this.now(),
            }),
          );
    this.outcomes.push(decided);
    this.options.observer?.attempted({
      kind: claimed.kind,
      outcome: built.request === null ? 'refused' : outcome,
      status: decided.status,
      durationMs: result.durationMs,
    });
    this.scheduleFlush();
    this.doneSending();
  }

  /** The gate's view of the outcome (it may end the delivery and disable its endpoint). */
  private settle(claimed: ClaimedDelivery, result: SendResult, decided: DeliveryOutcome): DeliveryOutcome {
    const response = result.kind === 'response' ? result : null;
    return this.options.gate?.settle(claimed, response, decided, this.now()) ?? decided;
  }

  private doneSending(): void {
    this.sending--;
    if (this.sending === 0 && this.idle) this.idle();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flushOutcomes());
  }

  /**
   * Writes every outcome (and postponement) gathered so far, outcomes in one transaction, unless a
   * write is under way (then after it).
   */
  private flushOutcomes(): void {
    this.flushScheduled = false;
    if (this.recording !== null || this.outcomes.length + this.postponed.length === 0) return;
    const batch = this.outcomes;
    const postponed = this.postponed;
    this.outcomes = [];
    this.postponed = [];
    const now = this.now();
    const recorded = this.options.queue.record(
      this.workerId,
      batch,
      now,
      this.mayHandOffAtRecord() ? this.handOff : undefined,
    );
    this.recording = Promise.all([recorded, this.options.queue.postpone(this.workerId, postponed, now)])
      .then(
        ([handed]) => {
          for (const o of batch) {
            if (o.status === 'pending' && o.nextAttemptAt !== null) {
              this.earliestRetryAt = Math.min(this.earliestRetryAt, o.nextAttemptAt);
            }
          }
          // Counted before the places are freed: each took the place of an outcome of this batch.
          // Stopping, they are left leased: stop() releases every lease after this write.
          if (!this.stopped) this.deliverAll(handed, false);
          this.freePlaces(batch.length + postponed.length, this.stopped ? 0 : handed.length);
        },
        (err: Error) => {
          // Not recorded: the leases expire and the deliveries are attempted again (at-least-once).
          this.log.error({ err: err.message, outcomes: batch.length }, 'recording outcomes failed');
          // Their leases are still ours until they expire: so are their places (the crash bound).
          setTimeout(() => this.freePlaces(batch.length + postponed.length), this.leaseMs).unref();
          // Recorded after all (the postponement failed): what it handed off is leased to us.
          // Counted on top of the places held above, it goes.
          recorded.then(
            (handed) => this.stopped || this.deliverAll(handed, false),
            () => {},
          );
        },
      )
      .then(() => {
        this.recording = null;
        this.flushOutcomes();
      });
  }

  /**
   * Whether a record may lease the next due deliveries of the targets whose leases it ends (the
   * hand-off at record, store/fair-share.ts `refillsAtRecord`): only while the last claim pass
   * left due work behind that the fair shares held back (`heldBack`), and did not stop for lack
   * of room (`backlog`). Then the places the outcomes free are not what other due work waits
   * for: a claim would find them free and give each target's place, within its limit, to its
   * own next delivery, as the hand-off does, one claim later. When the engine's places are short,
   * the claim decides who gets them, in its fair order: a busy target does not keep its places
   * by handing them on while other targets wait for the engine's.
   */
  private mayHandOffAtRecord(): boolean {
    return !this.stopped && this.heldBack && !this.backlog;
  }

  /**
   * Outcomes committed (or their leases over): their places take new work; `refilled` of them
   * went to deliveries handed off at record. A claim runs when some place is left free.
   */
  private freePlaces(count: number, refilled = 0): void {
    this.inFlight -= count;
    if (count > refilled && (this.backlog || this.heldBack)) this.wake();
  }
}
