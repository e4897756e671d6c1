import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/config.js';
import { DeliveryEngine } from '../delivery/engine.js';
import { createHttpSender, type HttpSender } from '../delivery/http-sender.js';
import type { Resolver } from '../delivery/ssrf-guard.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { type AppDeps, buildApp } from './app.js';
import { createLogger } from '../log/create-logger.js';
import { ensureAdminToken } from '../http/api-tokens.js';
import { createTransformPool } from '../inbound/transform-pool.js';
import { createRequestBuilders } from '../delivery/request-builders.js';
import { poolRunner } from '../inbound/transform-runner.js';
import { HookdMetrics } from '../metrics/hookd-metrics.js';

export interface Hookd {
  /** The API's base URL, or null for a worker-only process. */
  url: string | null;
  store: Store;
  engine: DeliveryEngine | null;
  /** The admin token when this start generated it (shown once); otherwise null. */
  generatedAdminToken: string | null;
  /** Graceful stop: stop accepting requests, finish or release deliveries in flight, close the store. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** DNS for outbound requests; tests inject one to prove the SSRF guard. */
  resolve?: Resolver;
  /**
   * Where the receive face may fetch certificates (PayPal, AWS SNS) and SNS confirmations from,
   * and with what fetch. Default: the providers' own hosts over the global fetch; tests pass a
   * rule and a fetch for a loopback HTTPS server.
   */
  certificates?: AppDeps['certificates'];
}

/** Starts hookd in this process: the API and/or the delivery engine, as `config.role` says. */
export async function startHookd(config: Config, options: StartOptions = {}): Promise<Hookd> {
  const logger = createLogger(config.logLevel);
  const store = await openStore(config, { logger });
  // One pool of worker threads checks transforms when connections are saved and runs them when
  // events are sent, off the main thread (see inbound/transform-pool).
  const transformPool = await createTransformPool();
  // A worker serves no API: the first API (or all-in-one) process generates the admin token.
  const generatedAdminToken =
    config.adminToken === null && config.role !== 'worker' ? await ensureAdminToken(store) : null;
  // One set of metrics for the API and the engine of this process.
  const metrics = config.metrics ? new HookdMetrics({ monitor: store.monitor, now: Date.now }) : null;
  let app: FastifyInstance | null = null;
  let url: string | null = null;
  if (config.role !== 'worker') {
    app = await buildApp({ config, store, logger, transformPool, certificates: options.certificates, metrics });
    url = await app.listen({ port: config.port, host: config.host });
  }
  let engine: DeliveryEngine | null = null;
  let sender: HttpSender | null = null;
  if (config.role !== 'api') {
    sender = createHttpSender({
      timeoutMs: config.requestTimeoutMs,
      allowedNetworks: config.allowedNetworks,
      connectionsPerOrigin: config.workerConcurrency,
      resolve: options.resolve,
    });
    engine = new DeliveryEngine({
      queue: store.queue,
      sender,
      config,
      logger,
      builders: createRequestBuilders(config.headerStyle, poolRunner(transformPool)),
      observer: metrics ?? undefined,
    });
    engine.start();
  }
  return {
    url,
    store,
    engine,
    generatedAdminToken,
    async close() {
      await app?.close();
      await engine?.stop();
      await sender?.close();
      await transformPool.close();
      await store.close();
    },
  };
}
