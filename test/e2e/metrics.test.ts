import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient } from '../helpers/api-client.js';
import { startTestHookd, TEST_ADMIN_TOKEN, type TestHookd } from '../helpers/hookd.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';

const METRICS_TOKEN = 'metrics-scraper-token-0123456789';

/** The value of one series in Prometheus text, e.g. `hookd_attempts_total{kind="message",outcome="success"}`. */
function seriesValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics, health and readiness', () => {
  let hookd: TestHookd;
  let ok: Receiver;
  let failing: Receiver;
  let api: ReturnType<typeof createApiClient>;

  beforeAll(async () => {
    ok = await startReceiver(() => 200);
    failing = await startReceiver(() => 500);
    // A failed first attempt waits a minute: the test sees it pending, not yet due.
    hookd = await startTestHookd({ metricsToken: METRICS_TOKEN, retryScheduleSeconds: [0, 60] });
    api = createApiClient(hookd.url, TEST_ADMIN_TOKEN);
  });
  afterAll(async () => {
    await hookd?.stop();
    await ok?.close();
    await failing?.close();
  });

  const scrape = async () => {
    const answer = await api.get('/metrics', { token: METRICS_TOKEN });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return answer.text;
  };

  it('answers /healthz and /readyz without a token', async () => {
    expect(await api.get('/healthz', { token: null })).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await api.get('/readyz', { token: null })).toMatchObject({ status: 200, body: { status: 'ready' } });
  });

  it('serves /metrics to the admin token and the metrics token only', async () => {
    expect((await api.get('/metrics', { token: null })).status).toBe(401);
    expect((await api.get('/metrics', { token: 'not-the-metrics-token-at-all' })).body.code).toBe(
      'authentication_failed',
    );
    expect((await api.get('/metrics')).status).toBe(200);
  });

  it('counts what the test did: attempts by outcome, finished deliveries, latency, queue, ingest', async () => {
    await api.post('/api/v1/app', { body: { name: 'Acme', uid: 'acme' } });
    await api.post('/api/v1/app/acme/endpoint', { body: { url: ok.url, uid: 'ok' } });
    for (let i = 0; i < 5; i++) {
      await api.post('/api/v1/app/acme/msg', { body: { eventType: 'a.b', payload: { i } } });
    }
    await ok.waitFor((requests) => requests.length === 5);
    await api.post('/api/v1/app', { body: { name: 'Broken', uid: 'broken' } });
    await api.post('/api/v1/app/broken/endpoint', { body: { url: failing.url, uid: 'down' } });
    for (let i = 0; i < 3; i++) {
      await api.post('/api/v1/app/broken/msg', { body: { eventType: 'a.b', payload: { i } } });
    }
    await failing.waitFor((requests) => requests.length === 3);

    await api.post('/api/v1/source', { body: { name: 'capture', uid: 'capture' } });
    for (let i = 0; i < 4; i++) expect((await api.post('/in/capture', { token: null, body: { i } })).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await api.post('/in/nope', { token: null, body: {} })).status).toBe(404);

    // Outcomes are counted as the engine decides them; the scrape may come before a record commits.
    await expect
      .poll(async () => seriesValue(await scrape(), 'hookd_attempts_total{kind="message",outcome="retry"}'))
      .toBe(3);
    const text = await scrape();
    expect(seriesValue(text, 'hookd_attempts_total{kind="message",outcome="success"}')).toBe(5);
    expect(seriesValue(text, 'hookd_deliveries_finished_total{kind="message",status="success"}')).toBe(5);
    expect(seriesValue(text, 'hookd_deliveries_finished_total{kind="message",status="fail"}')).toBeUndefined();
    expect(seriesValue(text, 'hookd_attempt_duration_seconds_count{kind="message"}')).toBe(8);
    expect(seriesValue(text, 'hookd_attempt_duration_seconds_bucket{le="+Inf",kind="message"}')).toBe(8);
    expect(seriesValue(text, 'hookd_ingest_requests_total{source="capture",status="200"}')).toBe(4);
    expect(seriesValue(text, 'hookd_ingest_requests_total{source="",status="404"}')).toBe(2);
    // The 3 failed deliveries wait for their retry in a minute: pending, none due.
    await expect
      .poll(async () => seriesValue(await scrape(), 'hookd_queue_deliveries{state="pending"}'))
      .toBeGreaterThanOrEqual(3);
    const queue = await scrape();
    expect(seriesValue(queue, 'hookd_queue_deliveries{state="pending"}')).toBe(3);
    expect(seriesValue(queue, 'hookd_queue_deliveries{state="due"}')).toBe(0);
    expect(seriesValue(queue, 'hookd_queue_oldest_due_age_seconds')).toBe(0);
    expect(queue).toContain('# TYPE hookd_endpoint_circuit_state gauge');
  });
});
