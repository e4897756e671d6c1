import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, createApiClient } from '../helpers/api-client.js';
import { TEST_BACKEND } from '../helpers/backend.js';
import { checkView, hasChromium, launchChromium, logIn, openPage } from '../helpers/browser.js';
import { freePort } from '../helpers/free-port.js';
import { startTestHookd, TEST_ADMIN_TOKEN, type TestHookd } from '../helpers/hookd.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';

/** An example whose numbers JSON.parse would change: it must reach the endpoint as written. */
const EXAMPLE = '{"amount":12345678901234567890,"rate":1.0}';

/**
 * The send side of the dashboard in Chromium, against a whole hookd with a one-attempt retry
 * schedule (a failure is a dead letter at once) and a loopback receiver that fails on `/fail`
 * until told otherwise: event types (schemas checked by the API as one types, send example),
 * dead letters (filter, bulk retry) and the app portal's messages and attempts (resend).
 * Each view: axe with no serious or critical violation, no console problem, screenshots at
 * 1400 and 375 px. Once, on SQLite: the pages only speak the REST API.
 */
describe.skipIf(!hasChromium || TEST_BACKEND !== 'sqlite')('send side of the dashboard in Chromium', () => {
  let hookd: TestHookd;
  let receiver: Receiver;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let api: ApiClient;
  let failing = true;
  let appId: string;
  let endpointId: string;
  let failingEndpointId: string;

  beforeAll(async () => {
    const port = await freePort();
    hookd = await startTestHookd({ port, publicUrl: `http://127.0.0.1:${port}`, retryScheduleSeconds: [] });
    receiver = await startReceiver((req) => (failing && req.url.endsWith('/fail') ? 500 : 200));
    api = createApiClient(hookd.url, TEST_ADMIN_TOKEN);
    appId = (await api.post('/api/v1/app', { body: { name: 'Send side', uid: 'send-side' } })).body.id;
    endpointId = (await api.post(`/api/v1/app/${appId}/endpoint`, { body: { url: `${receiver.url}/ok` } })).body.id;
    failingEndpointId = (await api.post(`/api/v1/app/${appId}/endpoint`, { body: { url: `${receiver.url}/fail` } }))
      .body.id;
    browser = await launchChromium();
    ({ page, problems } = await openPage(browser));
    await logIn(page, `${hookd.url}/`, 'Overview');
  });
  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
    await hookd?.stop();
  });

  it('creates an event type whose schemas the API checks as one types, and sends its example exactly', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Event types' }).click();
    await page.getByText('No event types yet').waitFor();
    await checkView(page, 'event-types-empty');

    await page.getByLabel('Name', { exact: true }).fill('invoice.paid');
    await page.getByLabel('Description').fill('An invoice was paid');
    const schemas = page.getByLabel(/^Schemas/);
    const verdict = page.locator('#event-type-schemas-check');
    await schemas.fill('{"1": {"examples": [');
    await expect.poll(() => verdict.textContent()).toMatch(/^Not JSON/);
    // Valid JSON, but not what the API takes: its own words, and no saving.
    await schemas.fill('{"1": "an object is expected"}');
    await expect.poll(() => verdict.textContent()).toBe('The API says: schemas.1 must be object');
    expect(await page.getByRole('button', { name: 'Create event type' }).isDisabled()).toBe(true);
    await schemas.fill(`{"1": {"type": "object", "examples": [${EXAMPLE}]}}`);
    await expect.poll(() => verdict.textContent()).toBe('The API accepts these schemas.');
    await page.getByRole('button', { name: 'Create event type' }).click();
    const table = page.getByRole('table', { name: 'Event types' });
    await table.getByRole('cell', { name: 'invoice.paid', exact: true }).waitFor();
    // Stored as sent: the API gives the example back digit for digit.
    expect((await api.get('/api/v1/event-type/invoice.paid')).text).toContain(EXAMPLE);

    // Editing shows the stored text, laid out, numbers as written.
    await page.getByRole('button', { name: 'Edit invoice.paid' }).click();
    await expect.poll(() => schemas.inputValue()).toContain('"amount": 12345678901234567890');
    expect(await schemas.inputValue()).toContain('"rate": 1.0');
    await page.getByLabel('Description').fill('Paid, edited');
    await page.getByRole('button', { name: 'Save event type' }).click();
    await table.getByText('Paid, edited').waitFor();
    expect((await api.get('/api/v1/event-type/invoice.paid')).text).toContain(EXAMPLE);

    await page.getByRole('button', { name: 'Send example of invoice.paid' }).click();
    const form = page.getByRole('form', { name: 'Send an example of invoice.paid' });
    await form.getByLabel('Application').selectOption(appId);
    await form.getByLabel('Endpoint').selectOption(endpointId);
    await checkView(page, 'event-types');
    const before = receiver.requests.length;
    await form.getByRole('button', { name: 'Send example' }).click();
    await receiver.waitFor((requests) => requests.length === before + 1);
    expect(receiver.requests[before].body).toBe(EXAMPLE);
    await form.getByRole('link').click();
    await page.getByRole('heading', { name: 'invoice.paid' }).waitFor();
    const payload = await page.getByTestId('message-payload').textContent();
    expect(payload).toContain('"amount": 12345678901234567890');
    expect(payload).toContain('"rate": 1.0');
    expect(problems).toEqual([]);
  });

  it('lists exhausted message deliveries as dead letters, filters them and retries them in bulk', async () => {
    const sent = await api.post(`/api/v1/app/${appId}/msg`, { body: { eventType: 'order.lost', payload: { n: 1 } } });
    expect(sent.status).toBe(202);
    await page.goto(`${hookd.url}/dead-letters`);
    const letters = page.getByRole('table', { name: 'Message dead letters' });
    await expect
      .poll(async () => {
        if (await letters.isVisible()) return letters.textContent();
        await page.reload();
        return '';
      })
      .toContain(sent.body.id);
    expect(await letters.textContent()).toContain(`${receiver.url}/fail`);
    await checkView(page, 'dead-letters-messages');

    const filter = page.getByRole('form', { name: 'Filter message dead letters' });
    await filter.getByLabel('Endpoint id').fill(endpointId);
    await filter.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('No dead letters: every message reached').waitFor();
    await filter.getByLabel('Endpoint id').fill(failingEndpointId);
    await filter.getByRole('button', { name: 'Filter' }).click();
    await letters.getByText(sent.body.id).waitFor();

    // The failing endpoint's page finds it by status.
    await page.goto(`${hookd.url}/apps/${appId}/endpoints/${failingEndpointId}`);
    const sentHere = page.getByRole('table', { name: 'Messages sent here' });
    const status = page.getByRole('combobox', { name: 'Status' });
    await status.selectOption({ label: 'Succeeded' });
    await page.getByText('No message sent here has this status.').waitFor();
    await status.selectOption({ label: 'Failed' });
    await sentHere.getByText(sent.body.id).waitFor();
    await page.goto(`${hookd.url}/dead-letters`);

    failing = false;
    const before = receiver.requests.length;
    await filter.getByRole('button', { name: 'Retry all that match' }).click();
    await page.getByText('1 message delivery is due again.').waitFor();
    await receiver.waitFor((requests) => requests.length === before + 1);
    await expect
      .poll(async () => (await api.get(`/api/v1/dead-letter?endpoint=${failingEndpointId}`)).body.data.length)
      .toBe(0);
    expect(problems).toEqual([]);
  });

  it("shows the portal's customer their messages and attempts, and resends from there", async () => {
    const sent = await api.post(`/api/v1/app/${appId}/msg`, { body: { eventType: 'invoice.paid', payload: { p: 1 } } });
    // To both endpoints (the failing one answers 200 by now).
    const deliveriesOf = (id: string) => receiver.requests.filter((r) => r.headers['webhook-id'] === id).length;
    await receiver.waitFor(() => deliveriesOf(sent.body.id) === 2);
    const { url } = (await api.post(`/api/v1/auth/app-portal-access/${appId}`)).body as { url: string };
    const { context: portalContext, page: portal, problems: portalProblems } = await openPage(browser);
    await portal.goto(url);
    const messages = portal.getByRole('table', { name: 'Messages' });
    await messages.getByText(sent.body.id).waitFor();
    await checkView(portal, 'portal-home');

    await messages.getByRole('button', { name: sent.body.id }).click();
    const attempts = portal.getByRole('list', { name: 'Attempts' }).getByRole('listitem');
    await expect.poll(() => attempts.count()).toBe(2);
    const ok = portal
      .getByRole('list', { name: 'Endpoints of this message' })
      .getByRole('listitem')
      .filter({
        hasText: `${receiver.url}/ok`,
      });
    await ok.getByRole('button', { name: 'Resend' }).click();
    await receiver.waitFor(() => deliveriesOf(sent.body.id) === 3);
    await expect
      .poll(async () => {
        await portal.getByRole('button', { name: 'Refresh' }).click();
        return attempts.count();
      })
      .toBe(3);
    await checkView(portal, 'portal-message');

    await ok.getByRole('button', { name: `${receiver.url}/ok` }).click();
    const endpointAttempts = portal.getByRole('table', { name: 'Attempts to this endpoint' });
    await endpointAttempts.getByText('manual').first().waitFor();
    await checkView(portal, 'portal-endpoint');
    expect(portalProblems).toEqual([]);
    await portalContext.close();
  });
});
