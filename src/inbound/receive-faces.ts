import type { Config } from '../config/config.js';
import { createCertificateFetcher } from '../core/verify/certificate-fetcher.js';
import { answerHandshake } from '../core/verify/handshakes.js';
import { createSubscriptionConfirmer } from '../core/verify/subscription-confirmer.js';
import type { CertificateHostRules } from '../core/verify/certificate-hosts.js';
import { verify } from '../core/verify/verification.js';
import type { Face } from '../http/face.js';
import type { Store } from '../store/store.js';
import { ingestFace } from './ingest-face.js';
import { receiveApiFace } from './receive-api-face.js';
import { RouteFilter } from './route-filter.js';
import { SourceCache } from './source-cache.js';
import type { TransformPool } from './transform-pool.js';

export interface ReceiveFacesDeps {
  config: Config;
  store: Store;
  now: () => number;
  /** Checks transforms when connections are saved (the engine runs them with its own or the same). */
  transformPool: TransformPool;
  /**
   * Where certificates (PayPal, AWS SNS) and SNS confirmations may be fetched from, and how:
   * default the providers' own hosts over the global fetch. Tests point both at a loopback server.
   */
  certificates?: { allowedHosts?: CertificateHostRules; fetch?: typeof fetch };
}

/**
 * The receive side's two faces: its API under `/api/v1` (sources, destinations, connections,
 * requests, events) and the ingest at `/in/*`, sharing one route filter (compiled filters cached)
 * and one source cache (which the API clears when it changes a source, destination or connection).
 */
export function receiveFaces(deps: ReceiveFacesDeps): Face[] {
  const routes = new RouteFilter();
  const sources = new SourceCache(deps.store);
  const fetchOptions = deps.certificates ?? {};
  return [
    receiveApiFace({
      config: deps.config,
      store: deps.store,
      now: deps.now,
      routes,
      transformPool: deps.transformPool,
      sources,
    }),
    ingestFace({
      config: deps.config,
      store: deps.store,
      now: deps.now,
      routes,
      sources,
      verify,
      answerHandshake,
      context: {
        fetchCertificate: createCertificateFetcher(fetchOptions),
        confirmSubscription: createSubscriptionConfirmer(fetchOptions),
      },
    }),
  ];
}
