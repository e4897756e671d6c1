import { randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

const LIMIT = 50;

/** One client address on loopback: the server sees `request.ip` = `address`. */
function clientAt(address: string): Agent {
  return new Agent({ keepAlive: true, localAddress: address, maxSockets: 50 });
}

interface Answer {
  status: number;
  retryAfter: string | undefined;
  body: { code?: string } | null;
}

/** GET with `token` (none when `null`) from the agent's address. */
function get(server: TestServer, path: string, token: string | null, agent: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = token === null ? {} : { authorization: `Bearer ${token}` };
    const sent = httpRequest(server.url + path, { headers, agent }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          retryAfter: response.headers['retry-after'],
          body: JSON.parse(text || 'null'),
        }),
      );
    });
    sent.on('error', reject);
    sent.end();
  });
}

/** Creates application `acme` and returns an app-portal token for it (a stored token, looked up per request). */
async function appPortalToken(server: TestServer): Promise<string> {
  const auth = { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' };
  await fetch(`${server.url}/api/v1/app`, { method: 'POST', headers: auth, body: '{"name":"Acme","uid":"acme"}' });
  const portal = await fetch(`${server.url}/api/v1/auth/app-portal-access/acme`, {
    method: 'POST',
    headers: auth,
    body: '{}',
  });
  return ((await portal.json()) as { token: string }).token;
}

const wrongToken = () => `wrong_${randomBytes(16).toString('hex')}`;

describe('failed authentication limits', () => {
  let server: TestServer;
  let portalToken: string;
  const agents = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'].map(clientAt);
  const [attacker, user, tokenSender, otherAddress] = agents;

  beforeAll(async () => {
    server = await startTestServer({ authFailureLimit: LIMIT, authFailureWindowMs: 60_000 });
    portalToken = await appPortalToken(server);
  });
  afterAll(async () => {
    await server?.close();
    for (const agent of agents) agent.destroy();
  });

  it('answers 1,000 wrong tokens from one address 429 after the limit, while valid tokens keep working there', async () => {
    const flood = Promise.all(Array.from({ length: 1000 }, () => get(server, '/api/v1/app', wrongToken(), attacker)));
    // Valid tokens during the flood: from the same address, and from another one.
    const valid = Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        get(server, '/api/v1/app/acme', i % 2 === 0 ? server.token : portalToken, i < 10 ? attacker : user),
      ),
    );
    const answers = await flood;
    expect(answers.filter((a) => a.status === 401)).toHaveLength(LIMIT);
    const limited = answers.filter((a) => a.status === 429);
    expect(limited).toHaveLength(1000 - LIMIT);
    for (const answer of limited) {
      expect(answer.body).toEqual({ code: 'rate_limited', detail: expect.any(String) });
      expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(answer.retryAfter)).toBeLessThanOrEqual(60);
    }
    expect((await valid).map((a) => a.status)).toEqual(Array(20).fill(200));
    // And after it.
    expect((await get(server, '/api/v1/app/acme', portalToken, attacker)).status).toBe(200);
    // A missing token counts as a failure too.
    expect((await get(server, '/api/v1/app', null, attacker)).status).toBe(429);
  });

  it('limits one wrong token from any address once it failed too often', async () => {
    const token = wrongToken();
    for (let i = 0; i < LIMIT; i++) expect((await get(server, '/api/v1/app', token, tokenSender)).status).toBe(401);
    const elsewhere = await get(server, '/api/v1/app', token, otherAddress);
    expect(elsewhere).toMatchObject({ status: 429, body: { code: 'rate_limited' } });
    // That address is not limited for other tokens.
    expect((await get(server, '/api/v1/app', wrongToken(), otherAddress)).status).toBe(401);
  });

  it('applies to the receive API too, which shares the counters', async () => {
    const answer = await get(server, '/api/v1/source', wrongToken(), attacker);
    expect(answer).toMatchObject({ status: 429, body: { code: 'rate_limited' } });
  });
});

describe('per-token request rate', () => {
  let server: TestServer;
  let portalToken: string;
  const client = clientAt('127.0.0.1');

  beforeAll(async () => {
    server = await startTestServer({ apiRateLimit: 10, apiRateWindowMs: 60_000 });
    portalToken = await appPortalToken(server);
  });
  afterAll(async () => {
    await server?.close();
    client.destroy();
  });

  it('answers a token 429 with Retry-After past its rate; another token is counted apart', async () => {
    const answers = [];
    for (let i = 0; i < 12; i++) answers.push(await get(server, '/api/v1/app/acme', portalToken, client));
    expect(answers.map((a) => a.status)).toEqual([...Array(10).fill(200), 429, 429]);
    expect(Number(answers[10].retryAfter)).toBeGreaterThanOrEqual(1);
    expect(answers[10].body?.code).toBe('rate_limited');
    // The admin token made 2 requests above (setup): it has 8 left.
    expect((await get(server, '/api/v1/app/acme', server.token, client)).status).toBe(200);
  });
});
