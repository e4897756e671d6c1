import type { CircuitState } from '../core/target-health.js';
import type { Endpoint } from '../core/types.js';
import type { Store } from '../store/store.js';

/** The circuit of each endpoint (`closed` unless the circuit breaker opened it), read in one query. */
export async function circuitsOf(store: Store, endpoints: readonly Endpoint[]): Promise<Map<string, CircuitState>> {
  const health = await store.health.read(
    endpoints.map((e) => e.id),
    [],
  );
  return new Map(health.map((h) => [h.targetId, h.circuit]));
}
