import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_RETRY_SCHEDULE_SECONDS, loadConfig } from './config.js';

function dirWithConfig(contents?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'hookd-config-'));
  if (contents !== undefined) writeFileSync(join(dir, 'hookd.config.json'), contents);
  return dir;
}

describe('loadConfig', () => {
  it('has defaults that work on a laptop', () => {
    const cwd = dirWithConfig();
    const config = loadConfig({ env: {}, cwd });
    expect(config).toMatchObject({
      port: 8071,
      host: '127.0.0.1',
      dataDir: join(cwd, '.hookd'),
      databaseUrl: null,
      adminToken: null,
      allowedNetworks: [],
      retryScheduleSeconds: DEFAULT_RETRY_SCHEDULE_SECONDS,
      publicUrl: 'http://127.0.0.1:8071',
      role: 'all',
      requestTimeoutMs: 15_000,
      maxPayloadBytes: 1024 * 1024,
      headerStyle: 'webhook',
      endpointConcurrency: 16,
      applicationConcurrency: 64,
    });
  });

  it('takes flags over environment over file over defaults', () => {
    const cwd = dirWithConfig(JSON.stringify({ port: 1111, host: '0.0.0.0', retryScheduleSeconds: [0, 10] }));
    const config = loadConfig({ argv: ['--port', '3333'], env: { HOOKD_PORT: '2222', HOOKD_HOST: '::1' }, cwd });
    expect(config.port).toBe(3333);
    expect(config.host).toBe('::1');
    expect(config.publicUrl).toBe('http://[::1]:3333');
    expect(config.retryScheduleSeconds).toEqual([0, 10]);
  });

  it('parses lists and --flag=value', () => {
    const config = loadConfig({
      argv: ['--allowed-networks=127.0.0.0/8, ::1/128'],
      env: { HOOKD_RETRY_SCHEDULE: '0,1,1', HOOKD_ENDPOINT_CONCURRENCY: '4', HOOKD_APPLICATION_CONCURRENCY: '8' },
      cwd: dirWithConfig(),
    });
    expect(config.endpointConcurrency).toBe(4);
    expect(config.applicationConcurrency).toBe(8);
    expect(config.allowedNetworks).toEqual(['127.0.0.0/8', '::1/128']);
    expect(config.retryScheduleSeconds).toEqual([0, 1, 1]);
  });

  it.each([
    [{ HOOKD_PORT: 'eighty' }, /HOOKD_PORT.*"eighty".*port number/],
    [{ HOOKD_PORT: '70000' }, /HOOKD_PORT/],
    [{ HOOKD_ALLOWED_NETWORKS: '10.0.0.0/33' }, /HOOKD_ALLOWED_NETWORKS.*CIDR/],
    [{ HOOKD_ALLOWED_NETWORKS: 'intranet' }, /HOOKD_ALLOWED_NETWORKS/],
    [{ HOOKD_RETRY_SCHEDULE: '0,-5' }, /HOOKD_RETRY_SCHEDULE.*seconds/],
    [{ HOOKD_ROLE: 'boss' }, /HOOKD_ROLE.*all, api or worker/],
    [{ HOOKD_PUBLIC_URL: 'ftp://x' }, /HOOKD_PUBLIC_URL/],
    [{ HOOKD_DATABASE_URL: 'mysql://x' }, /HOOKD_DATABASE_URL.*postgres/],
    [{ HOOKD_DATABASE_POOL_SIZE: '0' }, /HOOKD_DATABASE_POOL_SIZE.*connections/],
    [{ HOOKD_ADMIN_TOKEN: 'short' }, /HOOKD_ADMIN_TOKEN.*16 characters/],
    [{ HOOKD_REQUEST_TIMEOUT_MS: '5' }, /HOOKD_REQUEST_TIMEOUT_MS/],
    [{ HOOKD_ENDPOINT_CONCURRENCY: '0' }, /HOOKD_ENDPOINT_CONCURRENCY.*requests/],
    [{ HOOKD_APPLICATION_CONCURRENCY: 'many' }, /HOOKD_APPLICATION_CONCURRENCY.*requests/],
  ])('refuses %o with a message naming the setting', (env, message) => {
    expect(() => loadConfig({ env, cwd: dirWithConfig() })).toThrow(message);
  });

  it('never repeats a credential in an error message', () => {
    const leak = () =>
      loadConfig({ env: { HOOKD_DATABASE_URL: 'mysql://hookd:S3cretPassw0rd@db/hookd' }, cwd: dirWithConfig() });
    expect(leak).toThrow(/HOOKD_DATABASE_URL.*value not shown/);
    expect(leak).not.toThrow(/S3cret/);
    expect(() => loadConfig({ argv: ['--admin-token', 'sk_short'], env: {}, cwd: dirWithConfig() })).not.toThrow(
      /sk_short/,
    );
  });

  it('takes a log level from the flag, the environment or the file, default info, and names a bad one', () => {
    expect(loadConfig({ env: {}, cwd: dirWithConfig() }).logLevel).toBe('info');
    expect(loadConfig({ env: {}, cwd: dirWithConfig('{"logLevel":"warn"}') }).logLevel).toBe('warn');
    expect(loadConfig({ env: { HOOKD_LOG_LEVEL: 'trace' }, cwd: dirWithConfig('{"logLevel":"warn"}') }).logLevel).toBe(
      'trace',
    );
    expect(
      loadConfig({ argv: ['--log-level', 'silent'], env: { HOOKD_LOG_LEVEL: 'trace' }, cwd: dirWithConfig() }).logLevel,
    ).toBe('silent');
    expect(() => loadConfig({ env: { HOOKD_LOG_LEVEL: 'verbose' }, cwd: dirWithConfig() })).toThrow(
      /environment variable HOOKD_LOG_LEVEL: "verbose"; expected trace, debug, info, warn, error, fatal, silent/,
    );
    expect(() => loadConfig({ argv: ['--log-level=INFO'], env: {}, cwd: dirWithConfig() })).toThrow(
      /flag --log-level: "INFO"/,
    );
  });

  it('splits roles only on PostgreSQL', () => {
    expect(() => loadConfig({ env: { HOOKD_ROLE: 'worker' }, cwd: dirWithConfig() })).toThrow(
      /HOOKD_ROLE=worker needs PostgreSQL/,
    );
    const config = loadConfig({
      env: { HOOKD_ROLE: 'api', HOOKD_DATABASE_URL: 'postgres://db/hookd' },
      cwd: dirWithConfig(),
    });
    expect(config.role).toBe('api');
  });

  it('refuses a bad config file, an unknown key and an unknown flag', () => {
    expect(() => loadConfig({ env: {}, cwd: dirWithConfig('{port:') })).toThrow(/not valid JSON/);
    expect(() => loadConfig({ env: {}, cwd: dirWithConfig('{"prot": 1}') })).toThrow(/unknown setting "prot"/);
    expect(() => loadConfig({ env: {}, cwd: dirWithConfig('{"port": "x"}') })).toThrow(/"port" in hookd.config.json/);
    expect(() => loadConfig({ argv: ['--nope', '1'], env: {}, cwd: dirWithConfig() })).toThrow(ConfigError);
    expect(() => loadConfig({ argv: ['--port'], env: {}, cwd: dirWithConfig() })).toThrow(/needs a value/);
  });
});
