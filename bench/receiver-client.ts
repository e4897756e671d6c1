import type { ChildProcess } from 'node:child_process';
import { forkBenchChild, stopChild } from './children.js';
import { wallNowMs } from './clock.js';
import type { FromReceiver, PhaseSummary, ToReceiver } from './receiver.js';

const REPORT_INTERVAL_MS = 1_000;

/** A phase that did not receive all it expected: how far it got. */
class PhaseIncompleteError extends Error {
  constructor(
    readonly summary: PhaseSummary,
    stallMs: number,
  ) {
    super(
      `${summary.arrivals} of ${summary.expected} arrived at ${summary.path} ` +
        `(none for ${Math.round(stallMs / 1000)} s; ${summary.duplicates} duplicates, ${summary.strays} strays)`,
    );
  }
}

/** A receiver phase in progress; `done` is listened for from the start, so it cannot be missed. */
export interface ReceiverPhase {
  /**
   * Resolves when every expected request has arrived. Rejects when `sendingDone` does; once it
   * resolves, a phase that goes `stallMs` without a new arrival fails with PhaseIncompleteError.
   */
  wait(sendingDone: Promise<unknown>, stallMs: number): Promise<PhaseSummary>;
}

/** The parent's handle on bench/receiver.ts, running as a child process. */
export class Receiver {
  /**
   * The receiver's clock minus this process's, in ms. Both read wallNowMs(), but each process's
   * `performance.timeOrigin` is off from the system clock by its own amount (up to ~1 ms seen),
   * which matters when latencies are a few ms; summaries are converted to this process's clock.
   */
  clockOffsetMs = 0;
  /** The IPC round trip the offset was measured over: its error is at most half of this. */
  clockRoundTripMs = Infinity;

  private constructor(
    private readonly child: ChildProcess,
    readonly origin: string,
  ) {}

  /** The receiver's process id (its CPU time is read from /proc). */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  static async start(): Promise<Receiver> {
    const { child, port } = await forkBenchChild('receiver.ts');
    const receiver = new Receiver(child, `http://127.0.0.1:${port}`);
    await receiver.measureClockOffset();
    return receiver;
  }

  /** Starts counting requests to `path`, forgetting the previous phase; each is answered `delayMs` after it arrived. */
  async startPhase(path: string, expected: number, recordTimes = false, delayMs = 0): Promise<ReceiverPhase> {
    const done = this.next('done');
    done.catch(() => undefined); // a phase abandoned before wait() must not crash the bench
    await this.ask({ type: 'phase', path, expected, recordTimes, delayMs }, 'phase-started');
    return { wait: (sendingDone, stallMs) => this.waitDone(done, sendingDone, stallMs) };
  }

  /** Estimates clockOffsetMs from the IPC round trip with the smallest delay. */
  private async measureClockOffset(rounds = 50): Promise<void> {
    for (let i = 0; i < rounds; i++) {
      const sentAt = wallNowMs();
      const { nowMs } = await this.ask({ type: 'clock' }, 'clock');
      const receivedAt = wallNowMs();
      if (receivedAt - sentAt < this.clockRoundTripMs) {
        this.clockOffsetMs = nowMs - (sentAt + receivedAt) / 2;
        this.clockRoundTripMs = receivedAt - sentAt;
      }
    }
  }

  /** A summary with its times on this process's clock. */
  private toLocalClock(summary: PhaseSummary): PhaseSummary {
    const local = (at: number) => at - this.clockOffsetMs;
    return {
      ...summary,
      firstAt: summary.firstAt === null ? null : local(summary.firstAt),
      lastAt: summary.lastAt === null ? null : local(summary.lastAt),
      times: summary.times?.map(([key, at]) => [key, local(at)]),
    };
  }

  stop(): Promise<void> {
    return stopChild(this.child);
  }

  private async waitDone(done: Promise<{ summary: PhaseSummary }>, sendingDone: Promise<unknown>, stallMs: number) {
    let finished = false;
    const stalled = (async () => {
      await sendingDone; // a failed send fails the phase now, not after a stall
      let last = -1;
      let lastProgressAt = Date.now();
      while (!finished) {
        await new Promise((resolve) => setTimeout(resolve, REPORT_INTERVAL_MS));
        if (finished) return never();
        const { summary } = await this.ask({ type: 'report' }, 'report');
        if (summary.arrivals !== last) {
          last = summary.arrivals;
          lastProgressAt = Date.now();
        } else if (Date.now() - lastProgressAt >= stallMs) {
          throw new PhaseIncompleteError(summary, stallMs);
        }
      }
      return never();
    })();
    try {
      return this.toLocalClock((await Promise.race([done, stalled])).summary);
    } finally {
      finished = true;
    }
  }

  private ask<T extends FromReceiver['type']>(
    msg: ToReceiver,
    replyType: T,
  ): Promise<Extract<FromReceiver, { type: T }>> {
    const reply = this.next(replyType);
    this.child.send(msg);
    return reply;
  }

  private next<T extends FromReceiver['type']>(type: T): Promise<Extract<FromReceiver, { type: T }>> {
    return new Promise((resolve, reject) => {
      const onExit = () => reject(new Error(`receiver exited while the bench waited for "${type}"`));
      const onMessage = (msg: FromReceiver) => {
        if (msg.type !== type) return;
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        resolve(msg as Extract<FromReceiver, { type: T }>);
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
    });
  }
}

/** A promise that never settles: the losing side of a race. */
function never(): Promise<never> {
  return new Promise(() => undefined);
}
