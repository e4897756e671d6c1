import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

/**
 * The dashboard's face over HTTP: the bundle at its deep links with a strict CSP, nothing shadowed
 * under /api/v1 or /in, the session cookie's login, CSRF guard and logout, and the overview's
 * statistics route. The browser itself is driven in test/ui/.
 */
describe('dashboard face', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  const call = async (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) => {
    const response = await request(`${server.url}${path}`, {
      method: method as 'GET',
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.body.text();
    return { status: response.statusCode, headers: response.headers, text };
  };

  const login = async () => {
    const response = await call('POST', '/api/v1/session', { 'x-hookd-csrf': '1' }, { token: server.token });
    expect(response.status).toBe(200);
    const setCookie = String(response.headers['set-cookie']);
    return { setCookie, cookie: setCookie.split(';')[0] };
  };

  it('serves index.html at every deep link with a strict CSP, and leaves /api/v1 and /in alone', async () => {
    for (const path of [
      '/',
      '/apps/app_1',
      '/apps/a/endpoints/e',
      '/apps/a/messages/m',
      '/sources',
      '/sources/s',
      '/destinations',
      '/destinations/d',
      '/connections',
      '/connections/c',
      '/dead-letters',
    ]) {
      const page = await call('GET', path);
      expect(page.status, path).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.text).toContain('<div id="root">');
      const csp = String(page.headers['content-security-policy']);
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
    }
    const script = /src="(\/assets\/[^"]+\.js)"/.exec((await call('GET', '/')).text)![1];
    const asset = await call('GET', script);
    expect(asset.status).toBe(200);
    expect(asset.headers['cache-control']).toContain('immutable');
    expect((await call('GET', '/assets/nope.js')).status).toBe(404);
    const unknownApi = await call('GET', '/api/v1/nope');
    expect(unknownApi.status).toBe(404);
    expect(JSON.parse(unknownApi.text)).toMatchObject({ code: 'not_found' });
    expect((await call('GET', '/in/src_unknown')).status).toBe(404);
    expect((await call('GET', '/somewhere-else')).status).toBe(404);
  });

  it('trades the admin token for an HttpOnly, SameSite=Strict session that the API accepts', async () => {
    expect(JSON.parse((await call('GET', '/api/v1/session')).text)).toEqual({ loggedIn: false, expiresAt: null });
    const wrong = await call('POST', '/api/v1/session', { 'x-hookd-csrf': '1' }, { token: 'not-the-token-at-all' });
    expect(wrong.status).toBe(401);
    const { setCookie, cookie } = await login();
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toContain(server.token);
    expect(JSON.parse((await call('GET', '/api/v1/session', { cookie })).text).loggedIn).toBe(true);
    expect((await call('GET', '/api/v1/app', { cookie })).status).toBe(200);
    expect((await call('GET', '/api/v1/source', { cookie })).status).toBe(200);
    // A change with the cookie alone is refused (CSRF); with the header it goes through.
    const forged = await call('POST', '/api/v1/app', { cookie }, { name: 'forged' });
    expect(forged.status).toBe(403);
    expect(JSON.parse(forged.text).detail).toContain('x-hookd-csrf');
    expect((await call('POST', '/api/v1/app', { cookie, 'x-hookd-csrf': '1' }, { name: 'real' })).status).toBe(201);
    // Logging out deletes the session: the cookie no longer reaches the API.
    expect((await call('DELETE', '/api/v1/session', { cookie, 'x-hookd-csrf': '1' })).status).toBe(204);
    expect((await call('GET', '/api/v1/app', { cookie })).status).toBe(401);
  });

  it('refuses a login without the CSRF header, and app-portal tokens', async () => {
    expect((await call('POST', '/api/v1/session', {}, { token: server.token })).status).toBe(403);
    await call(
      'POST',
      '/api/v1/app',
      { authorization: `Bearer ${server.token}` },
      { name: 'portal', uid: 'portal-app' },
    );
    const access = await call('POST', '/api/v1/auth/app-portal-access/portal-app', {
      authorization: `Bearer ${server.token}`,
    });
    const { url } = JSON.parse(access.text) as { url: string };
    const appToken = new URLSearchParams(new URL(url).hash.slice(1)).get('key')!;
    expect(url).toContain('/portal#key=appsk_');
    expect((await call('POST', '/api/v1/session', { 'x-hookd-csrf': '1' }, { token: appToken })).status).toBe(401);
    expect((await call('GET', '/api/v1/stats/deliveries', { authorization: `Bearer ${appToken}` })).status).toBe(403);
  });

  it('answers the overview statistics for the session and admin tokens only', async () => {
    expect((await call('GET', '/api/v1/stats/deliveries')).status).toBe(401);
    const { cookie } = await login();
    const stats = await call('GET', '/api/v1/stats/deliveries?window=day', { cookie });
    expect(stats.status).toBe(200);
    expect(JSON.parse(stats.text)).toMatchObject({ window: 'day', success: 0, fail: 0, successRate: null, pending: 0 });
    expect((await call('GET', '/api/v1/stats/deliveries?window=week', { cookie })).status).toBe(422);
  });
});
