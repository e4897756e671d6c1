import type { Browser, Page } from 'playwright-core';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, createApiClient } from '../helpers/api-client.js';
import { TEST_BACKEND } from '../helpers/backend.js';
import { checkView, hasChromium, launchChromium, logIn, openPage } from '../helpers/browser.js';
import { freePort } from '../helpers/free-port.js';
import { startTestHookd, TEST_ADMIN_TOKEN, type TestHookd } from '../helpers/hookd.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';

/**
 * The dashboard and app portal in Debian's Chromium, against a whole hookd (API, engine, the
 * built bundle) and a loopback receiver. The browser part runs once, on SQLite: the pages only
 * speak the REST API, whose backends the API and store suites cover.
 */
describe.skipIf(!hasChromium || TEST_BACKEND !== 'sqlite')('dashboard in Chromium', () => {
  let hookd: TestHookd;
  let receiver: Receiver;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let api: ApiClient;

  beforeAll(async () => {
    // Capture URLs and portal links are made from HOOKD_PUBLIC_URL: the port must be known first.
    const port = await freePort();
    hookd = await startTestHookd({ port, publicUrl: `http://127.0.0.1:${port}` });
    receiver = await startReceiver();
    api = createApiClient(hookd.url, TEST_ADMIN_TOKEN);
    browser = await launchChromium();
    ({ page, problems } = await openPage(browser));
  });
  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
    await hookd?.stop();
  });

  it('logs in, delivers a message to an endpoint made in the UI, and resends it', async () => {
    await logIn(page, `${hookd.url}/`, 'Overview');
    // The token is in no URL and no storage the page can read.
    expect(page.url()).not.toContain(TEST_ADMIN_TOKEN);
    expect(await page.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage))).not.toContain(
      TEST_ADMIN_TOKEN,
    );
    expect(await page.evaluate(() => document.cookie)).toBe(''); // HttpOnly

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Applications' }).click();
    await page.getByLabel('New application name').fill('Acme');
    await page.getByRole('button', { name: 'Create application' }).click();
    await page.getByRole('heading', { name: 'Acme' }).waitFor();
    const appId = page.url().split('/apps/')[1];
    await page.getByLabel('Endpoint URL').fill(receiver.url);
    await page.getByLabel('Description').fill('Loopback receiver');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.getByRole('list', { name: 'Endpoints' }).getByText(receiver.url).waitFor();
    await checkView(page, 'app');

    const sent = await api.post(`/api/v1/app/${appId}/msg`, {
      body: { eventType: 'invoice.paid', payload: { invoice: 42 } },
    });
    expect(sent.status).toBe(202);
    await receiver.waitFor((requests) => requests.length === 1);

    // A reload of the deep link lands on the same view.
    await page.goto(`${hookd.url}/apps/${appId}/messages/${sent.body.id}`);
    const attempts = page.getByRole('list', { name: 'Attempts' }).getByRole('listitem');
    await expect
      .poll(async () => {
        if ((await attempts.count()) === 0) await page.getByRole('button', { name: 'Refresh' }).click();
        return attempts.count();
      })
      .toBe(1);
    await expect.poll(() => attempts.first().textContent()).toContain('200');
    await attempts.first().locator('summary').click();
    await expect.poll(() => attempts.first().getByRole('table').textContent()).toContain('webhook-signature');
    await checkView(page, 'message');

    await page.getByRole('button', { name: 'Resend' }).click();
    await receiver.waitFor((requests) => requests.length === 2);
    await expect
      .poll(async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        return attempts.count();
      })
      .toBe(2);

    const endpointLink = page.getByRole('list', { name: 'Endpoints of this message' }).getByRole('link');
    await endpointLink.click();
    await page.getByRole('heading', { name: 'Signing secret' }).waitFor();
    await page.getByRole('button', { name: 'Reveal secret' }).click();
    await expect.poll(() => page.getByTestId('endpoint-secret').textContent()).toMatch(/^whsec_/);
    await checkView(page, 'endpoint');

    await page.goto(`${hookd.url}/`);
    await expect.poll(() => page.locator('.figures').textContent()).toContain('100.0%');
    await checkView(page, 'overview');
    await page.goto(`${hookd.url}/apps`);
    await page.getByRole('link', { name: 'Acme' }).waitFor();
    await checkView(page, 'apps');
    await page.goto(`${hookd.url}/dead-letters`);
    await page.getByText('No dead letters').first().waitFor();
    await checkView(page, 'dead-letters');
    expect(problems).toEqual([]);
  });

  it('makes a capture URL in one click and shows a request live, with its headers and body', async () => {
    await page.goto(`${hookd.url}/sources`);
    await page.getByRole('button', { name: 'New capture URL' }).click();
    await page.getByText('No requests yet').waitFor();
    await expect.poll(() => page.getByText('Live: new requests appear here.').isVisible()).toBe(true);
    const captureUrl = await page.getByLabel('Send requests to').inputValue();
    expect(captureUrl).toMatch(/\/in\/src_\w+$/);

    const answer = await request(`${captureUrl}/orders?id=7`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-capture-test': 'yes' },
      body: '{"order":{"id":7,"paid":true}}',
    });
    expect(answer.statusCode).toBe(200);
    await answer.body.dump();

    // No reload: the stream brings it.
    const inspector = page.getByRole('article', { name: 'Request inspector' });
    await inspector.waitFor();
    await expect.poll(() => inspector.getByRole('heading').first().textContent()).toContain('/orders');
    expect(await inspector.getByRole('table', { name: 'Request headers' }).textContent()).toContain('x-capture-test');
    const body = await inspector.getByTestId('request-body').textContent();
    expect(JSON.parse(body ?? '')).toEqual({ order: { id: 7, paid: true } });
    await inspector.getByRole('tab', { name: 'Hex' }).click();
    await expect.poll(() => inspector.getByTestId('request-body').textContent()).toContain('7b 22 6f 72');
    await checkView(page, 'source');
    await page.goto(`${hookd.url}/sources`);
    await page.getByRole('table').waitFor();
    await checkView(page, 'sources');
    expect(problems).toEqual([]);
  });

  it("opens an app portal link that shows only its application's endpoints", async () => {
    const mine = (await api.post('/api/v1/app', { body: { name: 'Portal customer' } })).body;
    const other = (await api.post('/api/v1/app', { body: { name: 'Someone else' } })).body;
    const mineUrl = 'https://customer.example.com/hooks';
    const otherUrl = 'https://other.example.com/hooks';
    expect((await api.post(`/api/v1/app/${mine.id}/endpoint`, { body: { url: mineUrl } })).status).toBe(201);
    expect((await api.post(`/api/v1/app/${other.id}/endpoint`, { body: { url: otherUrl } })).status).toBe(201);
    const { url } = (await api.post(`/api/v1/auth/app-portal-access/${mine.id}`)).body as { url: string };

    // A fresh browser context: no dashboard session, only the link.
    const { context: portalContext, page: portal, problems: portalProblems } = await openPage(browser);
    await portal.goto(url);
    await portal.getByRole('list', { name: 'Endpoints' }).getByText(mineUrl).waitFor();
    expect(await portal.content()).not.toContain(otherUrl);
    await checkView(portal, 'portal');

    const token = new URLSearchParams(new URL(url).hash.slice(1)).get('key')!;
    const portalApi = createApiClient(hookd.url, token);
    expect([403, 404]).toContain((await portalApi.get(`/api/v1/app/${other.id}/endpoint`)).status);
    expect([403, 404]).toContain((await portalApi.get(`/api/v1/app/${other.id}/msg`)).status);
    expect((await portalApi.get(`/api/v1/app/${mine.id}/endpoint`)).status).toBe(200);
    expect(portalProblems).toEqual([]);
    await portalContext.close();
  });
});
