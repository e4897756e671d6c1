import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { Webhook } from 'svix';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/config.js';
import { masterKeyId, parseMasterKey } from '../../src/core/secret-box.js';
import { startHookd, type Hookd } from '../../src/server/hookd.js';
import { openBackend } from '../../src/store/open-store.js';
import { createApiClient } from '../helpers/api-client.js';
import { freshTestDatabase, TEST_BACKEND, type TestDatabase } from '../helpers/backend.js';
import { HOOKD_CLI, ROOT } from '../helpers/hookd-build.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';

const ADMIN = 'test-admin-token-0123456789abcdef';
const whsec = (seed: string) => `whsec_${Buffer.from(seed.padEnd(24, '.')).toString('base64')}`;
/** Every secret this test stores: none may be found in the database's raw bytes. */
const SECRETS = {
  endpointFirst: whsec('endpoint-first-key'),
  endpointRotated: whsec('endpoint-second-key'),
  authorization: 'Bearer endpoint-credential-7f3a9c',
  apiKeyHeader: 'endpoint-api-key-51c0e2',
  sourceSecret: whsec('source-verification'),
  sourcePassword: 'source-basic-password-9d8e',
  sourceApiKey: 'source-api-key-aa71b3',
  destinationSecret: whsec('destination-resign'),
  destinationPassword: 'destination-password-33c1',
  destinationHeader: 'destination-header-token-e4f5',
  legacy: whsec('legacy-plaintext-key'),
};

/** Everything the database holds, as bytes: the SQLite files (db, WAL), or every PostgreSQL table's rows as text. */
async function rawDatabase(config: Config): Promise<string> {
  if (TEST_BACKEND === 'sqlite') {
    return readdirSync(config.dataDir)
      .filter((name) => name.startsWith('hookd.db') && statSync(join(config.dataDir, name)).isFile())
      .map((name) => readFileSync(join(config.dataDir, name)).toString('latin1'))
      .join('\n');
  }
  const client = new pg.Client({ connectionString: config.databaseUrl! });
  await client.connect();
  try {
    const tables = await client.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()`,
    );
    const dumps = await Promise.all(
      tables.rows.map(async ({ name }) =>
        (await client.query(`SELECT t::text AS row FROM ${name} t`)).rows.map((r) => r.row),
      ),
    );
    return dumps.flat().join('\n');
  } finally {
    await client.end();
  }
}

/**
 * The names of the secrets found in `raw`. `afterRequests`: the credentials that a basic-auth or
 * api-key source checks arrive in every request, which hookd keeps as received (with its payload,
 * until retention prunes it): they are looked for only before any request.
 */
function leakedSecrets(raw: string, afterRequests = false): string[] {
  const inRequests = ['sourceApiKey', 'sourcePassword'];
  return Object.entries(SECRETS)
    .filter(([name]) => !(afterRequests && inRequests.includes(name)))
    .filter(([, secret]) => raw.includes(secret) || raw.includes(secret.replace(/^whsec_/, '')))
    .map(([name]) => name);
}

async function cli(args: string[], env: Record<string, string>) {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [HOOKD_CLI, ...args], {
      cwd: ROOT,
      env: { ...Object.fromEntries(Object.entries(process.env).filter(([n]) => !n.startsWith('HOOKD_'))), ...env },
    });
    return { code: 0, stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout + e.stderr };
  }
}

describe('secrets at rest', () => {
  let dataDir: string;
  let database: TestDatabase;
  let config: Config;
  let receiver: Receiver;
  let hookd: Hookd | null = null;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'hookd-secrets-'));
    database = await freshTestDatabase();
    config = {
      ...loadConfig({ argv: [], env: {}, cwd: dataDir }),
      port: 0,
      dataDir,
      adminToken: ADMIN,
      allowedNetworks: ['127.0.0.0/8'],
      logLevel: 'warn',
      ...database.overrides,
    };
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await hookd?.close();
    await receiver?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('seals a plaintext secret of an older database at first start', async () => {
    // A database written before encryption: the backend as is, no keyring.
    const raw = await openBackend(config);
    const app = await raw.applications.create({ name: 'legacy' }, Date.now());
    await raw.endpoints.create(app.id, { url: `${receiver.url}/legacy`, secret: SECRETS.legacy }, Date.now());
    await raw.close();
    expect(await rawDatabase(config)).toContain(SECRETS.legacy);

    hookd = await startHookd(config);
    expect(leakedSecrets(await rawDatabase(config))).toEqual([]);
    const [endpoint] = (await hookd.store.endpoints.list(app.id, { limit: 10 })).data;
    expect(endpoint.secrets.map((s) => s.key)).toEqual([SECRETS.legacy]);
  });

  it('stores no endpoint, source or destination secret in the clear; signs, verifies and forwards; and after rotate-master-key still does', async () => {
    let api = createApiClient(hookd!.url!, ADMIN);
    const app = (await api.post('/api/v1/app', { body: { name: 'acme' } })).body;
    const endpoint = (
      await api.post(`/api/v1/app/${app.id}/endpoint`, {
        body: {
          url: `${receiver.url}/out`,
          secret: SECRETS.endpointFirst,
          headers: { Authorization: SECRETS.authorization, 'X-Api-Key': SECRETS.apiKeyHeader },
        },
      })
    ).body;
    const rotated = await api.post(`/api/v1/app/${app.id}/endpoint/${endpoint.id}/secret/rotate`, {
      body: { key: SECRETS.endpointRotated },
    });
    expect(rotated.status).toBe(204);
    const sources = await Promise.all(
      [
        { type: 'standard-webhooks', secrets: [SECRETS.sourceSecret] },
        { type: 'basic-auth', username: 'provider', password: SECRETS.sourcePassword },
        { type: 'api-key', header: 'x-provider-key', key: SECRETS.sourceApiKey },
      ].map(async (verification) => (await api.post('/api/v1/source', { body: { name: 's', verification } })).body),
    );
    const destination = (
      await api.post('/api/v1/destination', {
        body: {
          name: 'd',
          url: `${receiver.url}/fwd`,
          secret: SECRETS.destinationSecret,
          basicAuth: { username: 'svc', password: SECRETS.destinationPassword },
          headers: { 'X-Service-Token': SECRETS.destinationHeader },
        },
      })
    ).body;
    const connected = await api.post('/api/v1/connection', {
      body: { source: sources[0].id, destination: destination.id },
    });
    expect(connected.status, connected.text).toBe(201);

    /** One message out and one request in; checks what the receiver got, as it would. */
    async function roundTrip(label: string) {
      const before = receiver.requests.length;
      const sent = await api.post(`/api/v1/app/${app.id}/msg`, { body: { eventType: 'x', payload: { label } } });
      expect(sent.status).toBe(202);
      const payload = JSON.stringify({ label });
      const webhookId = `msg_${label}`;
      const timestamp = new Date();
      const signature = new Webhook(SECRETS.sourceSecret).sign(webhookId, timestamp, payload);
      const received = await request(`${hookd!.url}/in/${sources[0].id}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': webhookId,
          'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
          'webhook-signature': signature,
        },
        body: payload,
      });
      expect(received.statusCode).toBe(200);
      await received.body.dump();
      await receiver.waitFor((r) => r.slice(before).length >= 2);
      const out = receiver.requests.slice(before).find((r) => r.url === '/hook/out')!;
      const fwd = receiver.requests.slice(before).find((r) => r.url === '/hook/fwd')!;
      // Signed with both keys during the rotation's grace: each verifies on its own.
      for (const key of [SECRETS.endpointFirst, SECRETS.endpointRotated]) {
        expect(() => new Webhook(key).verify(out.body, out.headers as Record<string, string>)).not.toThrow();
      }
      expect(out.headers.authorization).toBe(SECRETS.authorization);
      expect(out.headers['x-api-key']).toBe(SECRETS.apiKeyHeader);
      expect(() =>
        new Webhook(SECRETS.destinationSecret).verify(fwd.body, fwd.headers as Record<string, string>),
      ).not.toThrow();
      expect(fwd.headers.authorization).toBe(
        `Basic ${Buffer.from(`svc:${SECRETS.destinationPassword}`).toString('base64')}`,
      );
      expect(fwd.headers['x-service-token']).toBe(SECRETS.destinationHeader);
      for (const [source, headers] of [
        [
          sources[1],
          { authorization: `Basic ${Buffer.from(`provider:${SECRETS.sourcePassword}`).toString('base64')}` },
        ],
        [sources[2], { 'x-provider-key': SECRETS.sourceApiKey }],
      ] as const) {
        const res = await request(`${hookd!.url}/in/${source.id}`, { method: 'POST', headers, body: '{}' });
        expect(res.statusCode).toBe(200);
        await res.body.dump();
      }
    }

    expect(leakedSecrets(await rawDatabase(config))).toEqual([]);
    await roundTrip('before');
    expect(leakedSecrets(await rawDatabase(config), true)).toEqual([]);
    const secretBefore = (await api.get(`/api/v1/app/${app.id}/endpoint/${endpoint.id}/secret`)).body.key;
    expect(secretBefore).toBe(SECRETS.endpointRotated);
    const keyFile = join(dataDir, 'master.key');
    const keyBefore = readFileSync(keyFile, 'utf8');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);

    await hookd!.close();
    hookd = null;
    const rotation = await cli(['rotate-master-key'], { HOOKD_DATA_DIR: dataDir, ...database.env });
    expect(rotation.code, rotation.stdout).toBe(0);
    // The legacy endpoint, this one, three sources and a destination.
    expect(rotation.stdout).toMatch(/hookd: 6 rows re-encrypted under master key [0-9a-f]{8}/);
    expect(readFileSync(keyFile, 'utf8')).not.toBe(keyBefore);
    expect(readFileSync(`${keyFile}.previous`, 'utf8')).toBe(keyBefore);

    hookd = await startHookd(config);
    api = createApiClient(hookd.url!, ADMIN);
    expect((await api.get(`/api/v1/app/${app.id}/endpoint/${endpoint.id}/secret`)).body.key).toBe(secretBefore);
    await roundTrip('after');
    const rawAfter = await rawDatabase(config);
    expect(leakedSecrets(rawAfter, true)).toEqual([]);
    expect(rawAfter).not.toContain(`hkenc1:${masterKeyId(parseMasterKey(keyBefore))}:`);
    expect(rawAfter).toContain(`hkenc1:${masterKeyId(parseMasterKey(readFileSync(keyFile, 'utf8')))}:`);
  });
});
