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
import { ensureOperationalApp, withOperationalWebhooks } from '../operational/operational-webhooks.js';
import { type RetentionJob, startRetentionJob } from '../retention/retention-job.js';
import { HookdMetrics } from '../metrics/hookd-metrics.js';
import { DeliveryGate } from '../delivery/delivery-gate.js';

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

/**
 * Why hookd could not start: opening its store (data directory, database URL) or listening (port,
 * host). `cause` is the error as thrown; whatever had started is closed again.
 */
export class StartFailure extends Error {
  constructor(
    readonly stage: 'store' | 'listen',
    override readonly cause: unknown,
  ) {
    super(`hookd could not start (${stage}): ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'StartFailure';
  }
}

/** Starts hookd in this process: the API and/or the delivery engine, as `config.role` says. */
export async function startHookd(config: Config, options: StartOptions = {}): Promise<Hookd> {
  const logger = createLogger(config.logLevel);
  let backend: Store;
  try {
    backend = await openStore(config, { logger });
  } catch (error) {
    throw new StartFailure('store', error);
  }
  // Operational webhooks: events about endpoints and deliveries, sent to the operator's endpoints.
  const store = withOperationalWebhooks(backend, await ensureOperationalApp(backend, Date.now()), logger);
  // One pool of worker threads checks transforms when connections are saved and runs them when
  // events are sent, off the main thread (see inbound/transform-pool).
  const transformPool = await createTransformPool();
  // A worker serves no API: the first API (or all-in-one) process generates the admin token.
  const generatedAdminToken =
    config.adminToken === null && config.role !== 'worker' ? await ensureAdminToken(store) : null;
  // One set of metrics for the API and the engine of this process.
  const metrics = config.metrics
    ? new HookdMetrics({ monitor: store.monitor, now: Date.now, circuits: () => store.health.endpointCircuits() })
    : null;
  let app: FastifyInstance | null = null;
  let url: string | null = null;
  if (config.role !== 'worker') {
    app = await buildApp({ config, store, logger, transformPool, certificates: options.certificates, metrics });
    try {
      url = await app.listen({ port: config.port, host: config.host });
    } catch (error) {
      await app.close();
      await transformPool.close();
      await store.close();
      throw new StartFailure('listen', error);
    }
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
      gate: new DeliveryGate(store.health, config, logger),
    });
    engine.start();
  }
  // Where deliveries are sent, old payloads and rows are pruned too (never in an API-only process).
  const retention: RetentionJob | null =
    config.role === 'api' ? null : startRetentionJob(store.retention, config, logger);
  return {
    url,
    store,
    engine,
    generatedAdminToken,
    async close() {
      await app?.close();
      await engine?.stop();
      await retention?.stop();
      await sender?.close();
      await transformPool.close();
      await store.close();
    },
  };
}
