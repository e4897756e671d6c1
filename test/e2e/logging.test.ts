import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createApiClient } from '../helpers/api-client.js';
import { freshTestDatabase, type TestDatabase } from '../helpers/backend.js';
import { exited, spawnHookd, type HookdProcess } from '../helpers/hookd-process.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

const dataDir = mkdtempSync(join(tmpdir(), 'hookd-logging-'));
let hookd: HookdProcess | undefined;
let receiver: Receiver | undefined;
let database: TestDatabase | undefined;

afterAll(async () => {
  hookd?.child.kill('SIGKILL');
  if (hookd) await exited(hookd.child);
  await receiver?.close();
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

const mark = (label: string) => `${label}-${randomBytes(12).toString('hex')}`;

/** A log line as pino writes it. */
interface LogLine {
  level: number;
  msg: string;
  reqId?: string;
  statusCode?: number;
  [field: string]: unknown;
}

it('logs JSON lines with request ids at trace level, and no secret, token or payload in any line', async () => {
  const adminToken = mark('admin-token');
  const secrets = {
    adminToken,
    wrongToken: mark('wrong-token'),
    endpointSecret: `whsec_${randomBytes(32).toString('base64')}`,
    credentialHeader: mark('credential'),
    urlToken: mark('url-token'),
    payload: mark('PAYLOAD-MARKER'),
    badJsonBody: mark('BAD-JSON-MARKER'),
    rawPacketToken: mark('raw-packet-token'),
  } as Record<string, string>;

  database = await freshTestDatabase();
  receiver = await startReceiver(() => 200);
  hookd = await spawnHookd({
    ...database.env,
    HOOKD_DATA_DIR: dataDir,
    HOOKD_ADMIN_TOKEN: adminToken,
    HOOKD_ALLOWED_NETWORKS: '127.0.0.0/8',
    HOOKD_LOG_LEVEL: 'trace',
  });
  const api = createApiClient(hookd.url, adminToken);
  let requests = 0;
  const count = <T>(response: T): T => {
    requests++;
    return response;
  };

  const app = count(await api.post('/api/v1/app', { body: { name: 'logging', uid: 'logging-app' } }));
  expect(app.status).toBe(201);
  const endpoint = count(
    await api.post(`/api/v1/app/${app.body.id}/endpoint`, {
      body: {
        url: `${receiver.url}/hook?token=${secrets.urlToken}`,
        secret: secrets.endpointSecret,
        headers: { 'x-custom-credential': secrets.credentialHeader },
      },
    }),
  );
  expect(endpoint.status).toBe(201);
  const sent = count(
    await api.post(`/api/v1/app/${app.body.id}/msg`, {
      body: { eventType: 'log.check', payload: { marker: secrets.payload } },
    }),
  );
  expect(sent.status).toBe(202);
  await receiver.waitFor((received) => received.length === 1, 15_000);
  const delivered = receiver.requests[0];
  expect(delivered.body).toContain(secrets.payload);
  expect(delivered.headers['x-custom-credential']).toBe(secrets.credentialHeader);
  secrets.signature = String(delivered.headers['webhook-signature']);

  // A wrong token, with a request id of the caller's that the log must carry.
  const wrong = count(
    await api.get('/api/v1/app', { token: secrets.wrongToken, headers: { 'x-request-id': 'e2e-wrong-token' } }),
  );
  expect(wrong.status).toBe(401);
  // A body that is not JSON: refused, and not logged.
  const badJson = count(await api.post('/api/v1/app', { body: `{"name": "${secrets.badJsonBody}"` }));
  expect(badJson.status).toBe(400);
  // An app-portal token, used once inside its application and once outside it.
  const portal = count(await api.post(`/api/v1/auth/app-portal-access/${app.body.id}`, { body: {} }));
  expect(portal.status).toBe(200);
  secrets.portalToken = portal.body.token;
  expect(count(await api.get(`/api/v1/app/${app.body.id}/msg`, { token: secrets.portalToken })).status).toBe(200);
  expect(count(await api.get('/api/v1/app', { token: secrets.portalToken })).status).toBe(403);
  // The endpoint's secret read back, and a route that does not exist.
  const secret = count(await api.get(`/api/v1/app/${app.body.id}/endpoint/${endpoint.body.id}/secret`));
  expect(secret.body.key).toBe(secrets.endpointSecret);
  expect(count(await api.get(`/api/v1/nothing?token=${secrets.urlToken}`)).status).toBe(404);

  // A request Node cannot parse: Fastify logs it at trace with its raw bytes, token included.
  const { port } = new URL(hookd.url);
  await new Promise<void>((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.end(
        `GET /api/v1/app HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${secrets.rawPacketToken}\r\nBad Header\r\n\r\n`,
      );
    });
    socket.on('data', () => undefined);
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });

  hookd.child.kill('SIGTERM');
  await exited(hookd.child);
  const output = hookd.output();
  if (process.env.HOOKD_TEST_SHOW_LOG) console.log(output);

  const lines = output.split('\n').filter((line) => line.trim() !== '');
  const json: LogLine[] = [];
  for (const line of lines) {
    if (line.startsWith('{')) json.push(JSON.parse(line) as LogLine);
    // Besides JSON, only the CLI's own start-up and shutdown lines.
    else expect(line, 'a line that is neither JSON nor the CLI own output').toMatch(/^hookd[ :]/);
  }
  // pino writes a Buffer as {"type":"Buffer","data":[bytes]}: read those as text too.
  const searched = output + json.map(buffersAsText).join('\n');
  for (const [name, value] of Object.entries(secrets)) {
    expect(value.length, name).toBeGreaterThan(8);
    expect(searched.includes(value), `${name} appears in the log`).toBe(false);
  }
  // The base64 part of the secret alone, too.
  expect(searched.includes(secrets.endpointSecret.slice('whsec_'.length))).toBe(false);

  const completed = json.filter((line) => line.msg === 'request completed' || line.msg === 'route not found');
  expect(completed.length).toBeGreaterThanOrEqual(requests);
  const requestLines = json.filter((line) => 'path' in line || 'statusCode' in line || line.msg.includes('request'));
  for (const line of requestLines) expect(line.reqId, JSON.stringify(line)).toMatch(/^[\w.:-]+$/);
  expect(json.some((line) => line.reqId === 'e2e-wrong-token' && line.statusCode === 401)).toBe(true);
});

/** The bytes of every serialized Buffer in a log line, as UTF-8 text. */
function buffersAsText(value: unknown): string {
  if (typeof value !== 'object' || value === null) return '';
  const record = value as Record<string, unknown>;
  if (record.type === 'Buffer' && Array.isArray(record.data))
    return Buffer.from(record.data as number[]).toString('utf8');
  return Object.values(record).map(buffersAsText).join('\n');
}

it('keeps stdout to JSON log lines: the generated admin token and the start line go to stderr', async () => {
  const ownDir = mkdtempSync(join(tmpdir(), 'hookd-logging-generated-'));
  const ownDatabase = await freshTestDatabase();
  const own = await spawnHookd({ ...ownDatabase.env, HOOKD_DATA_DIR: ownDir, HOOKD_LOG_LEVEL: 'debug' });
  try {
    const token = /admin token \(shown once, stored hashed\): (\S+)/.exec(own.output())?.[1];
    expect(token).toMatch(/^\S{20,}$/);
    expect((await createApiClient(own.url, token!).get('/api/v1/app')).status).toBe(200);
  } finally {
    own.child.kill('SIGTERM');
    await exited(own.child);
    await ownDatabase.drop();
    rmSync(ownDir, { recursive: true, force: true });
  }
  const token = /admin token \(shown once, stored hashed\): (\S+)/.exec(own.output())![1];
  const stdoutLines = own
    .stdout()
    .split('\n')
    .filter((line) => line.trim() !== '');
  // At debug, the request above was logged: stdout is not empty, and every line of it is JSON.
  expect(stdoutLines.length).toBeGreaterThan(0);
  for (const line of stdoutLines) expect(() => JSON.parse(line), line).not.toThrow();
  expect(own.stdout()).not.toContain(token);
});
