import type { Browser, BrowserContext, Page } from 'playwright-core';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, createApiClient } from '../helpers/api-client.js';
import { TEST_BACKEND } from '../helpers/backend.js';
import { checkView, hasChromium, launchChromium, logIn, openPage } from '../helpers/browser.js';
import { freePort } from '../helpers/free-port.js';
import { startTestHookd, TEST_ADMIN_TOKEN, type TestHookd } from '../helpers/hookd.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/**
 * The receive side of the dashboard in Chromium against a whole hookd: destinations and
 * connections made in the UI (the editors checked by the API as one types), a request routed
 * through them to a loopback receiver, and the source page's inspector (events and attempts,
 * form fields, rejection cause, copy as curl, replay to a URL that a second receiver gets byte
 * for byte). Once, on SQLite: the pages only speak the REST API.
 */
describe.skipIf(!hasChromium || TEST_BACKEND !== 'sqlite')('receive side of the dashboard in Chromium', () => {
  let hookd: TestHookd;
  let service: Receiver;
  let laptop: Receiver;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let api: ApiClient;
  let source: { id: string; url: string };

  beforeAll(async () => {
    const port = await freePort();
    hookd = await startTestHookd({ port, publicUrl: `http://127.0.0.1:${port}` });
    service = await startReceiver();
    laptop = await startReceiver(() => 202);
    api = createApiClient(hookd.url, TEST_ADMIN_TOKEN);
    source = (await api.post('/api/v1/source', { body: { name: 'Shop' } })).body;
    browser = await launchChromium();
    let context: BrowserContext;
    ({ context, page, problems } = await openPage(browser));
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: hookd.url });
    await logIn(page, `${hookd.url}/destinations`, 'Destinations');
  });
  afterAll(async () => {
    await browser?.close();
    await laptop?.close();
    await service?.close();
    await hookd?.stop();
  });

  it('creates and edits a destination with every setting', async () => {
    await page.getByText('No destinations yet').waitFor();
    await checkView(page, 'destinations-empty');
    const form = page.getByRole('form', { name: 'New destination' });
    await form.getByLabel('Name', { exact: true }).fill('Billing service');
    await form.getByLabel('Destination URL').fill(service.url);
    await form.getByLabel(/^Headers/).fill('X-Team: payments');
    await form.getByLabel('User name').fill('hookd');
    await form.getByLabel('Password').fill('s3cret');
    await form.getByLabel(/^Throttle/).fill('50');
    await form.getByLabel(/^Retry schedule/).fill('0, 5, x');
    await form.getByLabel(/^Timeout/).fill('5000');
    await form.getByLabel(/^Re-signing secret/).fill(SECRET);
    await form.getByRole('button', { name: 'Create destination' }).click();
    // The API's words for the bad schedule entry.
    await expect.poll(() => form.getByRole('alert').textContent()).toContain('retrySchedule');
    // The one problem in the console is that 422 itself, which the page showed in the API's words.
    expect(problems.map((p) => p.replace(hookd.url, ''))).toEqual([
      'HTTP 422: /api/v1/destination',
      'console error: Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)',
    ]);
    problems.length = 0;
    await form.getByLabel(/^Retry schedule/).fill('0, 5');
    await form.getByRole('button', { name: 'Create destination' }).click();
    await page.getByRole('heading', { name: 'Billing service', level: 1 }).waitFor();
    const id = page.url().split('/destinations/')[1];
    const stored = (await api.get(`/api/v1/destination/${id}`)).body;
    expect(stored).toMatchObject({
      name: 'Billing service',
      url: service.url,
      headers: { 'X-Team': 'payments' },
      basicAuth: { username: 'hookd', password: 's3cret' },
      throttleRate: 50,
      retrySchedule: [0, 5],
      timeoutMs: 5000,
      secret: SECRET,
      disabled: false,
    });

    // A reload of the deep link shows the saved settings; an edit is saved.
    await page.reload();
    const settings = page.getByRole('form', { name: 'Settings' });
    expect(await settings.getByLabel(/^Timeout/).inputValue()).toBe('5000');
    await settings.getByLabel(/^Timeout/).fill('8000');
    await settings.getByRole('button', { name: 'Save destination' }).click();
    await settings.getByText('Saved.').waitFor();
    expect((await api.get(`/api/v1/destination/${id}`)).body.timeoutMs).toBe(8000);
    await checkView(page, 'destination');
    expect(problems).toEqual([]);
  });

  it('makes a connection whose filter and transform editors validate as one types, in the API words', async () => {
    await page.goto(`${hookd.url}/sources/${source.id}`);
    await page.getByRole('link', { name: 'Add a connection' }).click();
    const form = page.getByRole('form', { name: 'New connection' });
    expect(await form.getByLabel('Source').inputValue()).toBe(source.id);
    const filter = form.getByLabel(/^Filter/);
    const filterVerdict = form.getByTestId('filter-verdict');
    await filter.fill('{"body": {"amount": {"$between": [1, 2]}}}');
    const expected = (
      await api.post('/api/v1/connection', {
        body: { source: source.id, destination: 'x', filter: { body: { amount: { $between: [1, 2] } } } },
      })
    ).body.detail[0].msg;
    await expect.poll(() => filterVerdict.textContent()).toBe(expected);
    expect(await filter.getAttribute('aria-invalid')).toBe('true');
    await filter.fill('{"body": {"type": {"$eq": "invoice.paid"}}}');
    await expect.poll(() => filterVerdict.textContent()).toBe('Valid filter.');

    const transform = form.getByLabel(/^Transform/);
    const transformVerdict = form.getByTestId('transform-verdict');
    await transform.fill('function transform(request) { return request');
    await expect.poll(() => transformVerdict.textContent()).toMatch(/\S/);
    await expect.poll(() => transformVerdict.textContent()).not.toBe('Checking…');
    expect(await transform.getAttribute('aria-invalid')).toBe('true');
    await checkView(page, 'connections-invalid');
    await transform.fill("function transform(request) { request.headers['x-transformed'] = 'yes'; return request; }");
    await expect.poll(() => transformVerdict.textContent()).toBe('Valid transform.');
    await checkView(page, 'connections');

    await form.getByLabel('Name', { exact: true }).fill('Paid invoices');
    await form.getByRole('button', { name: 'Create connection' }).click();
    await page.getByRole('heading', { name: 'Paid invoices', level: 1 }).waitFor();
    // The saved connection's editors, checked again on load.
    await page.getByText('Valid filter.').waitFor();
    await page.getByText('Valid transform.').waitFor();
    await checkView(page, 'connection');
    expect(problems).toEqual([]);
  });

  it('routes a request through them and inspects it: events, attempts, replay to a URL, copy as curl', async () => {
    const body = '{"type":"invoice.paid","amount":5}';
    const sent = await request(`${source.url}/invoices?live=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-provider': 'acme' },
      body,
    });
    expect(sent.statusCode).toBe(200);
    await sent.body.dump();
    await service.waitFor((requests) => requests.length === 1);
    const forwarded = service.requests[0];
    expect(forwarded.url).toBe('/hook/invoices?live=1');
    expect(forwarded.headers).toMatchObject({
      'x-team': 'payments',
      'x-transformed': 'yes',
      authorization: `Basic ${Buffer.from('hookd:s3cret').toString('base64')}`,
      'webhook-signature': expect.stringMatching(/^v1,/),
    });

    await page.goto(`${hookd.url}/sources/${source.id}`);
    const inspector = page.getByRole('article', { name: 'Request inspector' });
    await inspector.getByRole('heading', { name: /\/invoices/ }).waitFor();
    const attempts = inspector.getByRole('list', { name: /^Attempts of / });
    await expect
      .poll(async () => {
        if ((await attempts.count()) === 0) await page.reload();
        return attempts.getByRole('listitem').count();
      })
      .toBe(1);
    await attempts.getByRole('listitem').first().locator('summary').click();
    expect(await attempts.textContent()).toContain('200');
    await inspector.getByRole('link', { name: 'Billing service' }).waitFor();

    await inspector.getByRole('button', { name: 'Copy as curl' }).click();
    const curl = await page.evaluate(() => navigator.clipboard.readText());
    expect(curl).toContain(`curl -X POST '${source.url}/invoices?live=1'`);
    expect(curl).toContain("-H 'x-provider: acme'");
    expect(curl).toContain(`--data-binary '${body}'`);

    await inspector.getByLabel(/^Replay to URL/).fill(laptop.url);
    await inspector.getByRole('button', { name: 'Send', exact: true }).click();
    await expect.poll(() => inspector.getByTestId('replay-result').textContent()).toContain('202');
    expect(laptop.requests).toHaveLength(1);
    expect(laptop.requests[0].url).toBe('/hook/invoices?live=1');
    expect(laptop.requests[0].rawBody.equals(Buffer.from(body))).toBe(true);
    expect(laptop.requests[0].headers['x-provider']).toBe('acme');
    // The source's connections, each with its destination by name.
    const routes = page.getByRole('table', { name: 'Connections of this source' });
    await routes
      .getByRole('row', { name: /Paid invoices/ })
      .getByRole('link', { name: 'Billing service' })
      .waitFor();
    await checkView(page, 'source-routed');
    expect(problems).toEqual([]);
  });

  it('shows form fields, a rejection cause and the hex of a request', async () => {
    const guarded = (
      await api.post('/api/v1/source', {
        body: { name: 'Guarded', verification: { type: 'api-key', header: 'X-Api-Key', key: 'k-123' } },
      })
    ).body;
    const form = await request(`${guarded.url}/form`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-api-key': 'k-123' },
      body: 'name=Ada+Lovelace&plan=pro',
    });
    await form.body.dump();
    const rejected = await request(`${guarded.url}/nope`, { method: 'POST', body: 'no key' });
    expect(rejected.statusCode).toBe(401);
    await rejected.body.dump();

    await page.goto(`${hookd.url}/sources/${guarded.id}`);
    const list = page.getByRole('list', { name: 'Requests' });
    await list.getByRole('button').nth(1).waitFor();
    const inspector = page.getByRole('article', { name: 'Request inspector' });
    await list.getByRole('button', { name: /\/nope/ }).click();
    await expect.poll(() => inspector.getByRole('note').textContent()).toMatch(/^Rejected: \w+/);
    await inspector.getByRole('tab', { name: 'Hex' }).click();
    await expect.poll(() => inspector.getByTestId('request-body').textContent()).toContain('6e 6f 20 6b 65 79');

    await list.getByRole('button', { name: /\/form/ }).click();
    const fields = inspector.getByRole('table', { name: 'Form fields' });
    await expect.poll(() => fields.textContent()).toContain('Ada Lovelace');
    expect(await fields.textContent()).toContain('plan');
    await checkView(page, 'source-inspector');
    expect(problems).toEqual([]);
  });
});
