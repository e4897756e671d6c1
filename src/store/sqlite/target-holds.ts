import { heldUntilSql } from '../crud/target-health.js';
import type { WorkSignal } from '../work-signal.js';
import type { SqliteDb } from './database.js';

const held = heldUntilSql('@now');
const SELECT_HELD_UNTIL = `SELECT ${held.until} AS until FROM target_health h WHERE h.target_id = @target AND ${held.isHeld}`;

/**
 * The targets of one group commit that may not be sent to before a stored time (`heldUntilSql`:
 * an open circuit's probe, a pause's end), read once per target in the commit's transaction. A
 * writer creates a new delivery for such a target due at that time, and neither hands it off nor
 * wakes a claim for it: before, each group commit behind a dead destination woke a claim that
 * leased its deliveries for the gate to give back, and the gate moved them to the probe, three
 * writes of each. SQLite has one writer, so a circuit that closes commits before or after the
 * whole batch: after, its release makes these deliveries due again (`closeCircuit`).
 */
export class TargetHolds {
  private readonly untils = new Map<string, number | null>();
  /** The earliest time a delivery was held until (Infinity: none). */
  private earliest = Number.POSITIVE_INFINITY;

  constructor(
    private readonly db: SqliteDb,
    private readonly now: number,
  ) {}

  /** When a new delivery for `targetId` (an endpoint's or a destination's id) is due: null, now. */
  until(targetId: string): number | null {
    let until = this.untils.get(targetId);
    if (until === undefined) {
      until = this.db.get<{ until: number }>(SELECT_HELD_UNTIL, { target: targetId, now: this.now })?.until ?? null;
      this.untils.set(targetId, until);
    }
    if (until !== null && until < this.earliest) this.earliest = until;
    return until;
  }

  /** After the commit: the `later` signal, with the earliest time, for the deliveries held, if any (`WorkListener`). */
  announce(work: WorkSignal): void {
    if (this.earliest !== Number.POSITIVE_INFINITY) work.emit('later', this.earliest);
  }
}
