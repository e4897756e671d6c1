import { useEffect, useRef, useState } from 'preact/hooks';
import { get } from '../api';
import { ErrorBox, Loading, Time } from '../components';

const REFRESH_MS = 5000;

export interface DeliveryStats {
  window: 'hour' | 'day';
  since: string;
  perMinute: { minute: string; success: number; fail: number }[];
  success: number;
  fail: number;
  successRate: number | null;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  pending: number;
  sending: number;
  oldestDue: string | null;
}

let chartModule: Promise<typeof import('./chart')> | null = null;

/**
 * uPlot's chunk, asked for once, as soon as the overview mounts: it loads while the statistics
 * are fetched instead of after them (the first render's last round trip, and its parse, overlap).
 */
function loadChart(): Promise<typeof import('./chart')> {
  // A chunk that failed to load (the server restarted with a new build) is asked for again next time.
  chartModule ??= import('./chart').catch((error) => {
    chartModule = null;
    throw error;
  });
  return chartModule;
}

/** What hookd is doing: attempts per minute by outcome, success rate, latency, the queue; refreshed live. */
export function OverviewPage() {
  const [window, setWindow] = useState<'hour' | 'day'>('hour');
  useEffect(() => {
    loadChart();
  }, []);
  const [stats, setStats] = useState<DeliveryStats | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    const load = () =>
      get<DeliveryStats>(`/api/v1/stats/deliveries?window=${window}`).then(
        (s) => {
          if (!live) return;
          setStats(s);
          setError(null);
        },
        (e) => live && setError(e),
      );
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [window]);
  return (
    <section>
      <div class="heading">
        <h1>Overview</h1>
        <div class="tabs">
          {(['hour', 'day'] as const).map((w) => (
            <button
              key={w}
              type="button"
              class={w === window ? 'tab active' : 'tab'}
              aria-pressed={w === window}
              onClick={() => setWindow(w)}
            >
              Last {w}
            </button>
          ))}
        </div>
      </div>
      <ErrorBox error={error} />
      {stats === null ? <Loading /> : <Figures stats={stats} />}
    </section>
  );
}

function Figures({ stats }: { stats: DeliveryStats }) {
  const total = stats.success + stats.fail;
  return (
    <>
      <dl class="figures">
        <Figure label="Attempts" value={String(total)} />
        <Figure
          label="Success rate"
          value={stats.successRate === null ? '—' : `${(stats.successRate * 100).toFixed(1)}%`}
        />
        <Figure label="Latency p50" value={stats.latencyP50Ms === null ? '—' : `${stats.latencyP50Ms} ms`} />
        <Figure label="Latency p99" value={stats.latencyP99Ms === null ? '—' : `${stats.latencyP99Ms} ms`} />
        <Figure label="Queue depth" value={`${stats.pending} pending · ${stats.sending} sending`} />
        <div class="figure">
          <dt>Oldest due delivery</dt>
          <dd>{stats.oldestDue === null ? 'none waiting' : <Time iso={stats.oldestDue} />}</dd>
        </div>
      </dl>
      {total === 0 ? (
        <div class="empty">
          No delivery attempts in this window. Create an application and an endpoint under{' '}
          <a href="/apps">Applications</a>, then send a message; or make a <a href="/sources">capture URL</a>.
        </div>
      ) : (
        <Chart stats={stats} />
      )}
    </>
  );
}

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <div class="figure">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

/** Attempts per minute by outcome (uPlot, loaded only by this view). */
function Chart({ stats }: { stats: DeliveryStats }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let plot: { destroy(): void } | null = null;
    let cancelled = false;
    loadChart().then(({ drawAttemptsChart }) => {
      if (!cancelled && box.current) plot = drawAttemptsChart(box.current, stats);
    });
    return () => {
      cancelled = true;
      plot?.destroy();
    };
  }, [stats]);
  return (
    <figure class="card chart">
      <figcaption>Attempts per minute: delivered and failed</figcaption>
      <div ref={box} role="img" aria-label={`${stats.success} delivered and ${stats.fail} failed attempts`} />
    </figure>
  );
}
