import type { CircuitState, TargetHealth } from '../../core/target-health.js';
import type { HeldSlot, SlowDown, TargetHealthStore } from '../ports/target-health.js';
import { join, raw, sql, type SqlExecutor } from './sql.js';

interface HealthRow {
  target_id: string;
  rate: number | null;
  paused_until: number | null;
  slow_rate: number | null;
  slow_ceiling: number | null;
  slow_since: number | null;
  circuit: CircuitState | null;
  probe_at: number | null;
  failing_since: number | null;
}

/**
 * SQL over a `target_health` row (alias `h`) for the stored time before which its target may not
 * be sent to: its open (or half-open) circuit's next probe or its Retry-After pause's end, the
 * later (epoch ms). `isHeld`: whether either is ahead of `now`; `until`: that time, when `isHeld`.
 * `now`: an SQL expression of the caller's (a parameter, a column). The one rule for `holdQueue`
 * and for the writers, which create a new delivery for such a target due at that time.
 *
 * Each reads the row under a shared lock on PostgreSQL (`SqlDialect.lockShared`), so that it
 * cannot hold deliveries from a copy of a circuit that `closeCircuit` is closing: either it reads
 * first, and the close waits for its commit and then releases what it held, or it waits for the
 * close and reads the circuit closed. Without the lock, a statement that read the circuit open
 * just before the close committed could commit its held deliveries just after the release had
 * looked, and they waited for a probe that no longer came (up to the probe interval, 30 s).
 */
export function heldUntilSql(now: string, h = 'h'): { isHeld: string; until: string } {
  const probing = `${h}.circuit <> 'closed' AND ${h}.probe_at > ${now}`;
  return {
    isHeld: `((${probing}) OR ${h}.paused_until > ${now})`,
    until: `CASE WHEN ${probing} AND ${h}.probe_at > COALESCE(${h}.paused_until, 0) THEN ${h}.probe_at
      ELSE ${h}.paused_until END`,
  };
}

/** `CASE` rather than GREATEST (PostgreSQL) or MAX(a, b) (SQLite): one text for both, NULL-free operands. */
const greater = (a: string, b: string) => `CASE WHEN ${a} > ${b} THEN ${a} ELSE ${b} END`;

const HEALTH_COLUMNS = raw(`h.paused_until, h.slow_rate, h.slow_ceiling, h.slow_since, h.circuit, h.probe_at,
  h.failing_since`);

/**
 * Target health on both backends: each write one upsert (`INSERT ... ON CONFLICT DO UPDATE`), whose
 * row lock (PostgreSQL) or write lock (SQLite) makes a read-modify-write of one row atomic, so
 * workers that reserve slots at once get disjoint ones. In `DO UPDATE`, `excluded.*` are the
 * values the statement brought: `excluded.updated_at` is `now`.
 */
export class SqlTargetHealth implements TargetHealthStore {
  /** `workDue`: announces deliveries made due now (the backend's `onWork` signal). */
  constructor(
    private readonly db: SqlExecutor,
    private readonly workDue: () => Promise<void> | void,
  ) {}

  async read(endpointIds: readonly string[], destinationIds: readonly string[]): Promise<TargetHealth[]> {
    const { isOneOf } = this.db.dialect;
    const rows: HealthRow[] = [];
    if (endpointIds.length > 0) {
      rows.push(
        ...(await this.db.all<HealthRow>(sql`SELECT e.id AS target_id, COALESCE(e.throttle_rate, a.throttle_rate) AS rate,
          ${HEALTH_COLUMNS}
        FROM endpoints e JOIN applications a ON a.id = e.app_id LEFT JOIN target_health h ON h.target_id = e.id
        WHERE ${isOneOf('e.id', [...endpointIds])}`)),
      );
    }
    if (destinationIds.length > 0) {
      rows.push(
        ...(await this.db.all<HealthRow>(sql`SELECT d.id AS target_id, d.throttle_rate AS rate, ${HEALTH_COLUMNS}
        FROM destinations d LEFT JOIN target_health h ON h.target_id = d.id
        WHERE ${isOneOf('d.id', [...destinationIds])}`)),
      );
    }
    return rows.map(toTargetHealth);
  }

  async reserve(targetId: string, intervalMs: number, count: number, now: number): Promise<number> {
    const span = intervalMs * count;
    const base = greater(
      'excluded.updated_at',
      greater('COALESCE(target_health.tat, 0)', 'COALESCE(target_health.paused_until, 0)'),
    );
    const row = await this.db.get<{ tat: number }>(sql`INSERT INTO target_health (target_id, tat, updated_at)
      VALUES (${targetId}, ${now + span}, ${now})
      ON CONFLICT (target_id) DO UPDATE SET tat = ${raw(base)} + (excluded.tat - excluded.updated_at),
        updated_at = excluded.updated_at
      RETURNING tat`);
    return Number(row!.tat) - span;
  }

  async holdSlots(slots: readonly HeldSlot[]): Promise<void> {
    if (slots.length === 0) return;
    const values = join(
      slots.map((s) => sql`(${s.deliveryId}, ${s.targetId}, ${s.slotAt})`),
      ', ',
    );
    await this.db.run(sql`INSERT INTO throttle_slots (delivery_id, target_id, slot_at) VALUES ${values}
      ON CONFLICT (delivery_id) DO UPDATE SET target_id = excluded.target_id, slot_at = excluded.slot_at`);
  }

  async takeTargetSlots(targetId: string, from: number, until: number, limit: number): Promise<number[]> {
    const rows = await this.db.all<{ slot_at: number }>(sql`DELETE FROM throttle_slots WHERE delivery_id IN (
        SELECT delivery_id FROM throttle_slots WHERE target_id = ${targetId} AND slot_at >= ${from} AND slot_at <= ${until}
        ORDER BY slot_at LIMIT ${limit})
      RETURNING slot_at`);
    return rows.map((r) => Number(r.slot_at)).sort((a, b) => a - b);
  }

  async takeSlots(deliveryIds: readonly string[]): Promise<HeldSlot[]> {
    if (deliveryIds.length === 0) return [];
    const rows = await this.db.all<{ delivery_id: string; target_id: string; slot_at: number }>(
      sql`DELETE FROM throttle_slots WHERE ${this.db.dialect.isOneOf('delivery_id', [...deliveryIds])}
        RETURNING delivery_id, target_id, slot_at`,
    );
    return rows.map((r) => ({ deliveryId: r.delivery_id, targetId: r.target_id, slotAt: Number(r.slot_at) }));
  }

  async slowDown(targetId: string, change: SlowDown, now: number): Promise<void> {
    const slowSince = change.slowRate === null ? null : now;
    const pausedUntil = greater('COALESCE(excluded.paused_until, 0)', 'COALESCE(target_health.paused_until, 0)');
    await this.db.run(sql`INSERT INTO target_health (target_id, tat, paused_until, slow_rate, slow_ceiling, slow_since,
        updated_at)
      VALUES (${targetId}, ${change.pausedUntil ?? now}, ${change.pausedUntil}, ${change.slowRate}, ${change.slowCeiling},
        ${slowSince}, ${now})
      ON CONFLICT (target_id) DO UPDATE SET
        paused_until = CASE WHEN ${raw(pausedUntil)} > 0 THEN ${raw(pausedUntil)} END,
        tat = ${raw(greater('excluded.tat', 'COALESCE(target_health.paused_until, 0)'))},
        slow_rate = COALESCE(excluded.slow_rate, target_health.slow_rate),
        slow_ceiling = COALESCE(excluded.slow_ceiling, target_health.slow_ceiling),
        slow_since = COALESCE(excluded.slow_since, target_health.slow_since),
        updated_at = excluded.updated_at`);
    await this.db.run(sql`DELETE FROM throttle_slots WHERE target_id = ${targetId}`);
  }

  async setCircuit(targetId: string, circuit: 'open' | 'closed', probeAt: number | null, now: number): Promise<void> {
    await this.db.run(sql`INSERT INTO target_health (target_id, circuit, probe_at, updated_at)
      VALUES (${targetId}, ${circuit}, ${probeAt}, ${now})
      ON CONFLICT (target_id) DO UPDATE SET circuit = excluded.circuit, probe_at = excluded.probe_at,
        updated_at = excluded.updated_at`);
  }

  async closeCircuit(
    target: { id: string; kind: 'endpoint' | 'destination' },
    heldUntil: number,
    now: number,
  ): Promise<number> {
    await this.setCircuit(target.id, 'closed', null, now);
    const held =
      target.kind === 'endpoint'
        ? sql`kind = 'message' AND endpoint_id = ${target.id}`
        : sql`kind = 'event' AND destination_id = ${target.id}`;
    const moved = await this.db.run(sql`UPDATE deliveries SET next_attempt_at = ${now}, updated_at = ${now}
      WHERE ${held} AND status = 'pending' AND next_attempt_at > ${now} AND next_attempt_at <= ${Math.ceil(heldUntil)}`);
    if (moved > 0) await this.workDue();
    return moved;
  }

  async holdQueue(targetId: string, now: number): Promise<number> {
    // The stored time the target may be sent to next; no row (NULL) when none is ahead, and then nothing moves.
    const held = heldUntilSql('n.now');
    const until = sql`(SELECT ${raw(held.until)} FROM target_health h, (SELECT CAST(${now} AS BIGINT) AS now) n
      WHERE h.target_id = ${targetId} AND ${raw(held.isHeld)}${raw(this.db.dialect.lockShared('h'))})`;
    // One range of deliveries_due_target (pending, by target and due time), however deep the backlog.
    return this.db.run(sql`UPDATE deliveries SET next_attempt_at = ${until}, updated_at = ${now}
      WHERE COALESCE(endpoint_id, destination_id) = ${targetId} AND status = 'pending' AND kind <> 'cli'
        AND next_attempt_at < ${until}`);
  }

  async takeProbe(targetId: string, nextProbeAt: number, now: number): Promise<boolean> {
    const changed = await this.db.run(sql`UPDATE target_health SET circuit = 'half-open', probe_at = ${nextProbeAt},
        updated_at = ${now}
      WHERE target_id = ${targetId} AND circuit <> 'closed' AND probe_at <= ${now}`);
    return changed === 1;
  }

  async markFailing(targetId: string, now: number): Promise<number> {
    const row = await this.db.get<{ failing_since: number }>(sql`INSERT INTO target_health (target_id, failing_since,
        updated_at)
      VALUES (${targetId}, ${now}, ${now})
      ON CONFLICT (target_id) DO UPDATE SET
        failing_since = COALESCE(target_health.failing_since, excluded.failing_since), updated_at = excluded.updated_at
      RETURNING failing_since`);
    return Number(row!.failing_since);
  }

  async markHealthy(targetId: string, now: number): Promise<void> {
    await this.db.run(sql`UPDATE target_health SET failing_since = NULL, updated_at = ${now}
      WHERE target_id = ${targetId} AND failing_since IS NOT NULL`);
  }

  async endpointCircuits(): Promise<{ endpointId: string; circuit: CircuitState }[]> {
    const rows = await this.db.all<{ id: string; circuit: CircuitState }>(
      sql`SELECT h.target_id AS id, h.circuit FROM target_health h JOIN endpoints e ON e.id = h.target_id
        ORDER BY h.target_id`,
    );
    return rows.map((r) => ({ endpointId: r.id, circuit: r.circuit }));
  }

  async sweepSlots(before: number): Promise<number> {
    return this.db.run(sql`DELETE FROM throttle_slots WHERE slot_at < ${before}`);
  }
}

function toTargetHealth(r: HealthRow): TargetHealth {
  const num = (v: number | null) => (v === null ? null : Number(v));
  return {
    targetId: r.target_id,
    rate: num(r.rate),
    pausedUntil: num(r.paused_until),
    slowRate: num(r.slow_rate),
    slowCeiling: num(r.slow_ceiling),
    slowSince: num(r.slow_since),
    circuit: r.circuit ?? 'closed',
    probeAt: num(r.probe_at),
    failingSince: num(r.failing_since),
  };
}
