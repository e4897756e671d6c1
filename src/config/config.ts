import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { isValidNetwork } from '../core/net/ip.js';
import { parseMasterKey } from '../core/secret-box.js';
import type { HealthPolicy } from '../core/target-health.js';
import { DEFAULT_FAIR_LIMITS } from '../store/fair-share.js';

/** hookd's settings, resolved and validated once at start-up, then passed explicitly. */
export interface Config extends HealthPolicy {
  port: number;
  host: string;
  /** Holds the SQLite file. */
  dataDir: string;
  /** PostgreSQL instead of SQLite when set. */
  databaseUrl: string | null;
  /** PostgreSQL connections per process (plus one that LISTENs, in processes that deliver). */
  databasePoolSize: number;
  /** Used as given when set; otherwise one is generated at first start and stored hashed. */
  adminToken: string | null;
  /** CIDRs that endpoint URLs may reach although they are private, loopback, link-local... */
  allowedNetworks: string[];
  retryScheduleSeconds: number[];
  publicUrl: string;
  role: 'all' | 'api' | 'worker';
  requestTimeoutMs: number;
  maxPayloadBytes: number;
  /** The largest request body a source accepts (`/in/*`); larger ones are rejected (413) and kept without their body. */
  maxInboundBodyBytes: number;
  /** Time allowed to receive a whole request, body included (ms); then 408 and the connection is closed. */
  httpRequestTimeoutMs: number;
  /** Time allowed to receive a request's headers, from the connection's start or its previous response (ms); then 408. */
  httpHeadersTimeoutMs: number;
  /** How long an idle keep-alive connection stays open after a response (ms). */
  httpKeepAliveTimeoutMs: number;
  /** Open client connections at most; the server closes the ones over it at once. */
  maxConnections: number;
  /** Failed authentications allowed per client address and per token in each window; then 429. */
  authFailureLimit: number;
  /** The window of `authFailureLimit` (ms). */
  authFailureWindowMs: number;
  /** Requests per token in each `apiRateWindowMs` on `/api/v1`; 0: no limit. */
  apiRateLimit: number;
  /** The window of `apiRateLimit` (ms). */
  apiRateWindowMs: number;
  /** A bearer token that may read `/metrics` (the admin token always may); null: admin only. */
  metricsToken: string | null;
  /** Whether hookd counts and serves Prometheus metrics (`/metrics`). */
  metrics: boolean;
  /** Which signature headers outbound requests carry: `webhook-*`, `svix-*` or both. */
  headerStyle: 'webhook' | 'svix' | 'both';
  /** How many requests one worker process keeps in flight. */
  workerConcurrency: number;
  /**
   * The most requests in flight to one endpoint (or destination) at once, across every worker
   * process (counted in the store), unless the endpoint sets its own `maxConcurrency`.
   */
  endpointConcurrency: number;
  /**
   * The most requests in flight to one application's endpoints together, across every worker
   * process (counted in the store): its stalled endpoints cannot fill the engine.
   */
  applicationConcurrency: number;
  /** The least severe log lines written (JSON lines: stdout for `serve`, stderr for `token` and `migrate`). */
  logLevel: LogLevel;
  /** A lease lasts the request timeout plus this (ms): time to record an outcome, and clock skew tolerated between workers. */
  leaseMarginMs: number;
  /** The master key that seals stored secrets (base64 or hex of 32 bytes); `null`: read from `masterKeyFile`. */
  masterKey: string | null;
  /** Older master keys, kept only to open what they sealed until `hookd rotate-master-key` re-seals it. */
  masterKeyPrevious: string[];
  /** The master key's file; `null`: `master.key` in the data directory, created (mode 0600) when missing. */
  masterKeyFile: string | null;
  /** Days a message's payload is kept when it gives no `payloadRetentionPeriod` (Svix's default: 90). */
  payloadRetentionDays: number;
  /** Days a received request's body and headers are kept. */
  requestRetentionDays: number;
  /** Days messages and requests are kept at all (with their deliveries and attempts), payload or not. */
  historyRetentionDays: number;
  /** How often the retention job runs (ms). */
  retentionIntervalMs: number;
  /**
   * Origins whose pages may embed the app portal in a frame (its `frame-ancestors`). Empty: none.
   * The dashboard itself is never framed.
   */
  portalFrameAncestors: string[];
}

/** The levels `HOOKD_LOG_LEVEL` accepts, most to least verbose, then `silent` (none). */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_RETRY_SCHEDULE_SECONDS = [0, 5, 300, 1800, 7200, 18000, 36000, 36000];

/** A setting's flag, environment variable and config-file key, and how to read and check it. */
interface Setting<K extends keyof Config> {
  key: K;
  env: string;
  flag: string;
  parse: (raw: string) => Config[K];
  /** What a valid value looks like, for the error message. */
  expect: string;
  /** A credential: an error message never repeats its value. */
  secret?: boolean;
}

class BadSetting extends Error {}

const int = (min: number, max: number) => (raw: string) => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new BadSetting();
  return n;
};
const oneOf =
  <T extends string>(...values: T[]) =>
  (raw: string) => {
    if (!values.includes(raw as T)) throw new BadSetting();
    return raw as T;
  };
const text = (raw: string) => {
  if (raw.trim() === '') throw new BadSetting();
  return raw;
};
const list = (raw: string) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

function cidrs(raw: string): string[] {
  const out = list(raw);
  if (!out.every(isValidNetwork)) throw new BadSetting();
  return out;
}

function schedule(raw: string): number[] {
  const out = list(raw).map(Number);
  if (out.length === 0 || out.some((s) => !Number.isFinite(s) || s < 0)) throw new BadSetting();
  return out;
}

function url(raw: string): string {
  const parsed = URL.canParse(raw) ? new URL(raw) : null;
  if (!parsed || !['http:', 'https:'].includes(parsed.protocol)) throw new BadSetting();
  return raw.replace(/\/+$/, '');
}

/** CSP sources: `self`, or origins (`https://app.example.com`, `https://*.example.com`). */
function frameAncestors(raw: string): string[] {
  const out = list(raw);
  if (!out.every((source) => source === 'self' || /^https?:\/\/(\*\.)?[a-z0-9.-]+(:\d{1,5})?$/i.test(source)))
    throw new BadSetting();
  return out;
}

function databaseUrl(raw: string): string {
  if (!/^postgres(ql)?:\/\//.test(raw)) throw new BadSetting();
  return raw;
}

/** Connection timeouts and caps, authentication and API rate limits, metrics access (see docs/configuration.md). */
const PROTECTION_SETTINGS: { [K in keyof Config]: Setting<K> }[keyof Config][] = [
  {
    key: 'httpRequestTimeoutMs',
    env: 'HOOKD_HTTP_REQUEST_TIMEOUT_MS',
    flag: '--http-request-timeout-ms',
    parse: int(100, 600_000),
    expect: 'milliseconds, 100-600000',
  },
  {
    key: 'httpHeadersTimeoutMs',
    env: 'HOOKD_HTTP_HEADERS_TIMEOUT_MS',
    flag: '--http-headers-timeout-ms',
    parse: int(100, 600_000),
    expect: 'milliseconds, 100-600000',
  },
  {
    key: 'httpKeepAliveTimeoutMs',
    env: 'HOOKD_HTTP_KEEP_ALIVE_TIMEOUT_MS',
    flag: '--http-keep-alive-timeout-ms',
    parse: int(100, 600_000),
    expect: 'milliseconds, 100-600000',
  },
  {
    key: 'maxConnections',
    env: 'HOOKD_MAX_CONNECTIONS',
    flag: '--max-connections',
    parse: int(1, 1_000_000),
    expect: 'a number of connections, 1-1000000',
  },
  {
    key: 'authFailureLimit',
    env: 'HOOKD_AUTH_FAILURE_LIMIT',
    flag: '--auth-failure-limit',
    parse: int(1, 1_000_000),
    expect: 'a number of failed authentications, 1-1000000',
  },
  {
    key: 'authFailureWindowMs',
    env: 'HOOKD_AUTH_FAILURE_WINDOW_MS',
    flag: '--auth-failure-window-ms',
    parse: int(100, 86_400_000),
    expect: 'milliseconds, 100-86400000',
  },
  {
    key: 'apiRateLimit',
    env: 'HOOKD_API_RATE_LIMIT',
    flag: '--api-rate-limit',
    parse: int(0, 1_000_000),
    expect: 'requests per window per token, 0 (no limit)-1000000',
  },
  {
    key: 'apiRateWindowMs',
    env: 'HOOKD_API_RATE_WINDOW_MS',
    flag: '--api-rate-window-ms',
    parse: int(100, 86_400_000),
    expect: 'milliseconds, 100-86400000',
  },
  {
    key: 'metricsToken',
    env: 'HOOKD_METRICS_TOKEN',
    flag: '--metrics-token',
    parse: minLength(16),
    expect: 'a token of at least 16 characters',
    secret: true,
  },
  {
    key: 'metrics',
    env: 'HOOKD_METRICS',
    flag: '--metrics',
    parse: (raw) => ['on', 'true'].includes(oneOf('on', 'off', 'true', 'false')(raw)),
    expect: 'on or off',
  },
];

/** Endpoint health: slow-down, circuit breaking, disabling (see core/target-health.ts, docs/configuration.md). */
const HEALTH_SETTINGS: { [K in keyof Config]: Setting<K> }[keyof Config][] = [
  {
    key: 'throttleRecoveryMs',
    env: 'HOOKD_THROTTLE_RECOVERY_MS',
    flag: '--throttle-recovery-ms',
    parse: int(100, 86_400_000),
    expect: 'milliseconds, 100-86400000',
  },
  {
    key: 'circuitWindowMs',
    env: 'HOOKD_CIRCUIT_WINDOW_MS',
    flag: '--circuit-window-ms',
    parse: int(100, 86_400_000),
    expect: 'milliseconds, 100-86400000',
  },
  {
    key: 'circuitMinAttempts',
    env: 'HOOKD_CIRCUIT_MIN_ATTEMPTS',
    flag: '--circuit-min-attempts',
    parse: int(1, 1_000_000),
    expect: 'a number of attempts, 1-1000000',
  },
  {
    key: 'circuitFailurePercent',
    env: 'HOOKD_CIRCUIT_FAILURE_PERCENT',
    flag: '--circuit-failure-percent',
    parse: int(1, 101),
    expect: 'a percentage of failed attempts, 1-100 (101: never open)',
  },
  {
    key: 'circuitProbeIntervalMs',
    env: 'HOOKD_CIRCUIT_PROBE_INTERVAL_MS',
    flag: '--circuit-probe-interval-ms',
    parse: int(100, 86_400_000),
    expect: 'milliseconds, 100-86400000',
  },
  {
    key: 'disableAfterFailingMs',
    env: 'HOOKD_DISABLE_AFTER_FAILING_MS',
    flag: '--disable-after-failing-ms',
    parse: int(1_000, 365 * 86_400_000),
    expect: 'milliseconds, 1000-31536000000',
  },
];

const SETTINGS: { [K in keyof Config]: Setting<K> }[keyof Config][] = [
  { key: 'port', env: 'HOOKD_PORT', flag: '--port', parse: int(0, 65535), expect: 'a port number 0-65535' },
  { key: 'host', env: 'HOOKD_HOST', flag: '--host', parse: text, expect: 'a host name or address to listen on' },
  { key: 'dataDir', env: 'HOOKD_DATA_DIR', flag: '--data-dir', parse: text, expect: 'a directory path' },
  {
    key: 'databaseUrl',
    env: 'HOOKD_DATABASE_URL',
    flag: '--database-url',
    parse: databaseUrl,
    expect: 'a postgres:// URL',
    secret: true,
  },
  {
    key: 'databasePoolSize',
    env: 'HOOKD_DATABASE_POOL_SIZE',
    flag: '--database-pool-size',
    parse: int(1, 1000),
    expect: 'a number of connections, 1-1000',
  },
  {
    key: 'adminToken',
    env: 'HOOKD_ADMIN_TOKEN',
    flag: '--admin-token',
    parse: minLength(16),
    expect: 'a token of at least 16 characters',
    secret: true,
  },
  {
    key: 'allowedNetworks',
    env: 'HOOKD_ALLOWED_NETWORKS',
    flag: '--allowed-networks',
    parse: cidrs,
    expect: 'comma-separated CIDRs, e.g. 127.0.0.0/8,::1/128',
  },
  {
    key: 'retryScheduleSeconds',
    env: 'HOOKD_RETRY_SCHEDULE',
    flag: '--retry-schedule',
    parse: schedule,
    expect: 'comma-separated seconds, e.g. 0,5,300',
  },
  { key: 'publicUrl', env: 'HOOKD_PUBLIC_URL', flag: '--public-url', parse: url, expect: 'an http(s) URL' },
  {
    key: 'role',
    env: 'HOOKD_ROLE',
    flag: '--role',
    parse: oneOf('all', 'api', 'worker'),
    expect: 'all, api or worker',
  },
  {
    key: 'requestTimeoutMs',
    env: 'HOOKD_REQUEST_TIMEOUT_MS',
    flag: '--request-timeout-ms',
    parse: int(100, 300_000),
    expect: 'milliseconds, 100-300000',
  },
  {
    key: 'maxPayloadBytes',
    env: 'HOOKD_MAX_PAYLOAD_BYTES',
    flag: '--max-payload-bytes',
    parse: int(1024, 64 * 1024 * 1024),
    expect: 'bytes, 1024-67108864',
  },
  {
    key: 'maxInboundBodyBytes',
    env: 'HOOKD_MAX_INBOUND_BODY_BYTES',
    flag: '--max-inbound-body-bytes',
    parse: int(1024, 256 * 1024 * 1024),
    expect: 'bytes, 1024-268435456',
  },
  ...PROTECTION_SETTINGS,
  ...HEALTH_SETTINGS,
  {
    key: 'headerStyle',
    env: 'HOOKD_HEADER_STYLE',
    flag: '--header-style',
    parse: oneOf('webhook', 'svix', 'both'),
    expect: 'webhook, svix or both',
  },
  {
    key: 'workerConcurrency',
    env: 'HOOKD_WORKER_CONCURRENCY',
    flag: '--worker-concurrency',
    parse: int(1, 10_000),
    expect: 'a number of requests, 1-10000',
  },
  {
    key: 'endpointConcurrency',
    env: 'HOOKD_ENDPOINT_CONCURRENCY',
    flag: '--endpoint-concurrency',
    parse: int(1, 10_000),
    expect: 'a number of requests, 1-10000',
  },
  {
    key: 'applicationConcurrency',
    env: 'HOOKD_APPLICATION_CONCURRENCY',
    flag: '--application-concurrency',
    parse: int(1, 10_000),
    expect: 'a number of requests, 1-10000',
  },
  {
    key: 'logLevel',
    env: 'HOOKD_LOG_LEVEL',
    flag: '--log-level',
    parse: oneOf(...LOG_LEVELS),
    expect: LOG_LEVELS.join(', '),
  },
  {
    key: 'leaseMarginMs',
    env: 'HOOKD_LEASE_MARGIN_MS',
    flag: '--lease-margin-ms',
    parse: int(100, 600_000),
    expect: 'milliseconds, 100-600000',
  },
  {
    key: 'masterKey',
    env: 'HOOKD_MASTER_KEY',
    flag: '--master-key',
    parse: masterKey,
    expect: 'a 32-byte key as base64 (44 characters) or hex (64 digits)',
    secret: true,
  },
  {
    key: 'masterKeyPrevious',
    env: 'HOOKD_MASTER_KEY_PREVIOUS',
    flag: '--master-key-previous',
    parse: (raw) => list(raw).map(masterKey),
    expect: 'comma-separated 32-byte keys as base64 or hex',
    secret: true,
  },
  { key: 'masterKeyFile', env: 'HOOKD_MASTER_KEY_FILE', flag: '--master-key-file', parse: text, expect: 'a file path' },
  {
    key: 'payloadRetentionDays',
    env: 'HOOKD_PAYLOAD_RETENTION_DAYS',
    flag: '--payload-retention-days',
    parse: int(1, 3650),
    expect: 'days, 1-3650',
  },
  {
    key: 'requestRetentionDays',
    env: 'HOOKD_REQUEST_RETENTION_DAYS',
    flag: '--request-retention-days',
    parse: int(1, 3650),
    expect: 'days, 1-3650',
  },
  {
    key: 'historyRetentionDays',
    env: 'HOOKD_HISTORY_RETENTION_DAYS',
    flag: '--history-retention-days',
    parse: int(1, 3650),
    expect: 'days, 1-3650',
  },
  {
    key: 'retentionIntervalMs',
    env: 'HOOKD_RETENTION_INTERVAL_MS',
    flag: '--retention-interval-ms',
    parse: int(1000, 86_400_000),
    expect: 'milliseconds, 1000-86400000',
  },
  {
    key: 'portalFrameAncestors',
    env: 'HOOKD_PORTAL_FRAME_ANCESTORS',
    flag: '--portal-frame-ancestors',
    parse: frameAncestors,
    expect: 'comma-separated origins that may embed the app portal, e.g. https://app.example.com, or self',
  },
];

function masterKey(raw: string): string {
  try {
    parseMasterKey(raw);
  } catch {
    throw new BadSetting();
  }
  return raw.trim();
}

/** Each setting's command-line flag, environment variable and expected value, for `--help`. */
export const SETTING_FLAGS: ReadonlyArray<{ flag: string; env: string; expect: string }> = SETTINGS.map(
  ({ flag, env, expect }) => ({ flag, env, expect }),
);

function minLength(min: number) {
  return (raw: string) => {
    if (raw.length < min) throw new BadSetting();
    return raw;
  };
}

/** A setting that cannot be used; start-up stops with this message. */
export class ConfigError extends Error {}

export interface ConfigSources {
  /** `--name value` or `--name=value` pairs from the command line. */
  argv?: string[];
  env?: NodeJS.ProcessEnv;
  /** Directory holding `hookd.config.json`, if any. */
  cwd?: string;
}

/**
 * Resolves the config: flags > `HOOKD_*` environment > `hookd.config.json` > defaults.
 * Throws `ConfigError` naming the setting, where the bad value came from and what is expected.
 */
export function loadConfig({ argv = [], env = process.env, cwd = process.cwd() }: ConfigSources = {}): Config {
  const flags = parseFlags(argv);
  const file = readConfigFile(cwd);
  const resolved: Partial<Record<keyof Config, unknown>> = {};
  for (const setting of SETTINGS) {
    const fromFlag = flags.get(setting.flag);
    const fromEnv = env[setting.env];
    const fromFile = file[setting.key];
    const [raw, origin] =
      fromFlag !== undefined
        ? [fromFlag, `flag ${setting.flag}`]
        : fromEnv !== undefined && fromEnv !== ''
          ? [fromEnv, `environment variable ${setting.env}`]
          : fromFile !== undefined
            ? [Array.isArray(fromFile) ? fromFile.join(',') : String(fromFile), `"${setting.key}" in hookd.config.json`]
            : [undefined, ''];
    if (raw === undefined) continue;
    try {
      resolved[setting.key] = setting.parse(raw);
    } catch {
      const shown = setting.secret ? '(value not shown)' : JSON.stringify(raw);
      throw new ConfigError(`invalid ${origin}: ${shown}; expected ${setting.expect}`);
    }
  }
  for (const flag of flags.keys()) {
    if (!SETTINGS.some((s) => s.flag === flag)) throw new ConfigError(`unknown flag ${flag}`);
  }
  const role = (resolved.role as Config['role'] | undefined) ?? 'all';
  if (role !== 'all' && resolved.databaseUrl === undefined) {
    // Separate API and worker processes need a database that wakes one from the other.
    throw new ConfigError(
      `HOOKD_ROLE=${role} needs PostgreSQL (HOOKD_DATABASE_URL); on SQLite one process does both: use role all`,
    );
  }
  const port = (resolved.port as number | undefined) ?? 8071;
  const host = (resolved.host as string | undefined) ?? '127.0.0.1';
  const dataDir = resolve(cwd, (resolved.dataDir as string | undefined) ?? '.hookd');
  return {
    port,
    host,
    dataDir,
    databaseUrl: (resolved.databaseUrl as string | undefined) ?? null,
    databasePoolSize: (resolved.databasePoolSize as number | undefined) ?? 10,
    adminToken: (resolved.adminToken as string | undefined) ?? null,
    allowedNetworks: (resolved.allowedNetworks as string[] | undefined) ?? [],
    retryScheduleSeconds: (resolved.retryScheduleSeconds as number[] | undefined) ?? DEFAULT_RETRY_SCHEDULE_SECONDS,
    publicUrl: (resolved.publicUrl as string | undefined) ?? `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}`,
    role,
    requestTimeoutMs: (resolved.requestTimeoutMs as number | undefined) ?? 15_000,
    maxPayloadBytes: (resolved.maxPayloadBytes as number | undefined) ?? 1024 * 1024,
    // GitHub's cap on a webhook payload.
    maxInboundBodyBytes: (resolved.maxInboundBodyBytes as number | undefined) ?? 25 * 1024 * 1024,
    ...protectionSettings(resolved),
    ...healthSettings(resolved),
    headerStyle: (resolved.headerStyle as Config['headerStyle'] | undefined) ?? 'webhook',
    workerConcurrency: (resolved.workerConcurrency as number | undefined) ?? 256,
    endpointConcurrency: (resolved.endpointConcurrency as number | undefined) ?? DEFAULT_FAIR_LIMITS.endpoint,
    applicationConcurrency: (resolved.applicationConcurrency as number | undefined) ?? DEFAULT_FAIR_LIMITS.application,
    logLevel: (resolved.logLevel as LogLevel | undefined) ?? 'info',
    leaseMarginMs: (resolved.leaseMarginMs as number | undefined) ?? 10_000,
    masterKey: (resolved.masterKey as string | undefined) ?? null,
    masterKeyPrevious: (resolved.masterKeyPrevious as string[] | undefined) ?? [],
    masterKeyFile: resolved.masterKeyFile === undefined ? null : resolve(cwd, resolved.masterKeyFile as string),
    payloadRetentionDays: (resolved.payloadRetentionDays as number | undefined) ?? 90,
    requestRetentionDays: (resolved.requestRetentionDays as number | undefined) ?? 30,
    historyRetentionDays: (resolved.historyRetentionDays as number | undefined) ?? 180,
    retentionIntervalMs: (resolved.retentionIntervalMs as number | undefined) ?? 60_000,
  };
}

/** The protection settings with their defaults: each timeout well under a minute (issue 11). */
function protectionSettings(resolved: Partial<Record<keyof Config, unknown>>) {
  const httpRequestTimeoutMs = (resolved.httpRequestTimeoutMs as number | undefined) ?? 30_000;
  const httpHeadersTimeoutMs = (resolved.httpHeadersTimeoutMs as number | undefined) ?? 10_000;
  // Node refuses a headers timeout longer than the request's: the request timeout covers the headers.
  if (httpHeadersTimeoutMs > httpRequestTimeoutMs) {
    throw new ConfigError(
      `HOOKD_HTTP_HEADERS_TIMEOUT_MS (${httpHeadersTimeoutMs}) must not exceed HOOKD_HTTP_REQUEST_TIMEOUT_MS (${httpRequestTimeoutMs})`,
    );
  }
  return {
    httpRequestTimeoutMs,
    httpHeadersTimeoutMs,
    httpKeepAliveTimeoutMs: (resolved.httpKeepAliveTimeoutMs as number | undefined) ?? 30_000,
    maxConnections: (resolved.maxConnections as number | undefined) ?? 10_000,
    authFailureLimit: (resolved.authFailureLimit as number | undefined) ?? 20,
    authFailureWindowMs: (resolved.authFailureWindowMs as number | undefined) ?? 60_000,
    apiRateLimit: (resolved.apiRateLimit as number | undefined) ?? 0,
    apiRateWindowMs: (resolved.apiRateWindowMs as number | undefined) ?? 1_000,
    metricsToken: (resolved.metricsToken as string | undefined) ?? null,
    metrics: (resolved.metrics as boolean | undefined) ?? true,
    portalFrameAncestors: (resolved.portalFrameAncestors as string[] | undefined) ?? [],
  };
}

/** The endpoint health settings with their defaults: a circuit opens at half of 10+ attempts in a minute failing. */
function healthSettings(resolved: Partial<Record<keyof Config, unknown>>): HealthPolicy {
  return {
    throttleRecoveryMs: (resolved.throttleRecoveryMs as number | undefined) ?? 60_000,
    circuitWindowMs: (resolved.circuitWindowMs as number | undefined) ?? 60_000,
    circuitMinAttempts: (resolved.circuitMinAttempts as number | undefined) ?? 10,
    circuitFailurePercent: (resolved.circuitFailurePercent as number | undefined) ?? 50,
    circuitProbeIntervalMs: (resolved.circuitProbeIntervalMs as number | undefined) ?? 30_000,
    // Svix's: an endpoint that only failed for 5 days is disabled.
    disableAfterFailingMs: (resolved.disableAfterFailingMs as number | undefined) ?? 5 * 86_400_000,
  };
}

/** The SQLite file inside the data directory. */
export const sqlitePath = (config: Config) => join(config.dataDir, 'hookd.db');

function parseFlags(argv: string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument ${JSON.stringify(arg)}`);
    const eq = arg.indexOf('=');
    if (eq > 0) {
      flags.set(arg.slice(0, eq), arg.slice(eq + 1));
    } else {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new ConfigError(`flag ${arg} needs a value`);
      flags.set(arg, value);
      i++;
    }
  }
  return flags;
}

function readConfigFile(cwd: string): Record<string, unknown> {
  const path = join(cwd, 'hookd.config.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`${path} must hold a JSON object of settings`);
  }
  const known = new Set<string>(SETTINGS.map((s) => s.key));
  for (const key of Object.keys(parsed)) {
    if (!known.has(key)) throw new ConfigError(`${path}: unknown setting "${key}"; known: ${[...known].join(', ')}`);
  }
  return parsed as Record<string, unknown>;
}
