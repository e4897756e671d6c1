import type { Keyring } from '../core/secret-box.js';
import type { ClaimedDelivery, Store } from './store.js';
import { withOverrides } from './with-overrides.js';
import {
  mapDestination,
  mapEndpoint,
  mapEndpointSecrets,
  mapHeaderValues,
  mapSource,
  mapVerification,
} from './secret-fields.js';

/**
 * `store` with every secret sealed on the way in and opened on the way out (see secret-fields.ts
 * for which values), so that the database holds no plaintext secret while every consumer above
 * the store (routes, ingest, engine) sees plain values. Only the ports that carry secrets are
 * wrapped, and only their methods that carry them; every other port and method is the store's own
 * (a Proxy forwards them, so a port that gains a method keeps working).
 *
 * The engine reads an endpoint's keys with every claimed delivery: the keyring caches what it has
 * opened, so the send path decrypts a value once, not per attempt.
 */
export function sealStore(store: Store, keyring: Keyring): Store {
  const { seal, open } = keyring;
  const openClaimed = (claimed: ClaimedDelivery): ClaimedDelivery =>
    claimed.kind === 'message'
      ? { ...claimed, endpoint: mapEndpoint(claimed.endpoint, open) }
      : { ...claimed, destination: mapDestination(claimed.destination, open) };
  const { endpoints, sources, destinations, queue, attempts } = store;

  return withOverrides(store, {
    endpoints: withOverrides(endpoints, {
      create: async (appId, input, now) =>
        mapEndpoint(
          await endpoints.create(
            appId,
            { ...input, secret: seal(input.secret), headers: input.headers && mapHeaderValues(input.headers, seal) },
            now,
          ),
          open,
        ),
      get: async (appId, ref) => {
        const endpoint = await endpoints.get(appId, ref);
        return endpoint && mapEndpoint(endpoint, open);
      },
      list: async (appId, page) => {
        const result = await endpoints.list(appId, page);
        return { ...result, data: result.data.map((e) => mapEndpoint(e, open)) };
      },
      update: async (appId, ref, input, now) =>
        mapEndpoint(
          await endpoints.update(
            appId,
            ref,
            { ...input, headers: input.headers && mapHeaderValues(input.headers, seal) },
            now,
          ),
          open,
        ),
      setHeaders: async (appId, ref, headers, now) =>
        mapEndpoint(await endpoints.setHeaders(appId, ref, mapHeaderValues(headers, seal), now), open),
      setSecrets: async (appId, ref, secrets, now) =>
        mapEndpoint(await endpoints.setSecrets(appId, ref, mapEndpointSecrets(secrets, seal), now), open),
    }),
    sources: withOverrides(sources, {
      create: async (input, now) =>
        mapSource(
          await sources.create({ ...input, verification: mapVerification(input.verification, seal) }, now),
          open,
        ),
      get: async (ref) => {
        const source = await sources.get(ref);
        return source && mapSource(source, open);
      },
      list: async (page) => {
        const result = await sources.list(page);
        return { ...result, data: result.data.map((s) => mapSource(s, open)) };
      },
      update: async (ref, input, now) =>
        mapSource(
          await sources.update(ref, { ...input, verification: mapVerification(input.verification, seal) }, now),
          open,
        ),
    }),
    destinations: withOverrides(destinations, {
      create: async (input, now) =>
        mapDestination(await destinations.create(sealDestinationInput(input, seal), now), open),
      get: async (ref) => {
        const destination = await destinations.get(ref);
        return destination && mapDestination(destination, open);
      },
      list: async (page) => {
        const result = await destinations.list(page);
        return { ...result, data: result.data.map((d) => mapDestination(d, open)) };
      },
      update: async (ref, input, now) =>
        mapDestination(await destinations.update(ref, sealDestinationInput(input, seal), now), open),
    }),
    attempts: withOverrides(attempts, {
      messageDestinations: async (appId, msgId, page) => {
        const result = await attempts.messageDestinations(appId, msgId, page);
        return { ...result, data: result.data.map((d) => ({ ...d, endpoint: mapEndpoint(d.endpoint, open) })) };
      },
    }),
    queue: withOverrides(queue, {
      claim: async (workerId, limit, leaseMs, now) =>
        (await queue.claim(workerId, limit, leaseMs, now)).map(openClaimed),
      record: async (workerId, outcomes, now, handOff) =>
        (await queue.record(workerId, outcomes, now, handOff)).map(openClaimed),
      attachLocalWorker: (worker) =>
        queue.attachLocalWorker(
          worker && withOverrides(worker, { take: (claimed) => worker.take(claimed.map(openClaimed)) }),
        ),
    }),
  });
}

function sealDestinationInput<T extends Parameters<Store['destinations']['create']>[0]>(
  input: T,
  seal: (v: string) => string,
): T {
  return {
    ...input,
    headers: input.headers && mapHeaderValues(input.headers, seal),
    basicAuth: input.basicAuth && { ...input.basicAuth, password: seal(input.basicAuth.password) },
    secret: input.secret && seal(input.secret),
  };
}
