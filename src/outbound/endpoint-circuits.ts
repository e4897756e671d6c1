import type { CircuitState } from '../core/target-health.js';
import type { Endpoint } from '../core/types.js';
import type { Store } from '../store/store.js';
import { endpointOut } from './serialize.js';

/**
 * The circuit of each endpoint and destination (`closed` unless the circuit breaker opened it),
 * by id, read in one query per kind.
 */
export async function circuitsOf(
  store: Store,
  endpoints: readonly { id: string }[],
  destinations: readonly { id: string }[] = [],
): Promise<Map<string, CircuitState>> {
  const health = await store.health.read(
    endpoints.map((e) => e.id),
    destinations.map((d) => d.id),
  );
  return new Map(health.map((h) => [h.targetId, h.circuit]));
}

/** `EndpointOut` of each endpoint, with its circuit (`circuitState`, hookd's extension): one query. */
export async function endpointsOut(store: Store, endpoints: readonly Endpoint[]) {
  const circuits = await circuitsOf(store, endpoints);
  return endpoints.map((endpoint) => ({ ...endpointOut(endpoint), circuitState: circuits.get(endpoint.id) }));
}

/** `EndpointOut` of one endpoint, with its circuit. */
export async function endpointWithCircuit(store: Store, endpoint: Endpoint) {
  return (await endpointsOut(store, [endpoint]))[0];
}
