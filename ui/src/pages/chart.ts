import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { DeliveryStats } from './overview';

const MINUTE_S = 60;

const HEIGHT_PX = 220;

/**
 * Draws attempts per minute (every minute of the window, zeros included) into `into`, and keeps
 * the chart as wide as its box (a phone turned, a window resized). `destroy` removes both.
 */
export function drawAttemptsChart(into: HTMLElement, stats: DeliveryStats): { destroy(): void } {
  const start = Math.floor(Date.parse(stats.since) / 1000 / MINUTE_S) * MINUTE_S;
  const end = Math.floor(Date.now() / 1000 / MINUTE_S) * MINUTE_S;
  const byMinute = new Map(
    stats.perMinute.map((m) => [Math.floor(Date.parse(m.minute) / 1000 / MINUTE_S) * MINUTE_S, m]),
  );
  const xs: number[] = [];
  const success: number[] = [];
  const fail: number[] = [];
  for (let t = start; t <= end; t += MINUTE_S) {
    xs.push(t);
    success.push(byMinute.get(t)?.success ?? 0);
    fail.push(byMinute.get(t)?.fail ?? 0);
  }
  const widthOf = () => Math.max(240, into.clientWidth);
  const plot = new uPlot(
    {
      width: widthOf(),
      height: HEIGHT_PX,
      series: [
        {},
        { label: 'Delivered', stroke: '#1a7f37', fill: 'rgba(26,127,55,0.15)' },
        { label: 'Failed', stroke: '#cf222e', fill: 'rgba(207,34,46,0.15)' },
      ],
      axes: [{}, { label: 'per minute' }],
    },
    [xs, success, fail],
    into,
  );
  let width = widthOf();
  // Resized on the next frame and only when the width changed: a resize inside the observer's
  // callback would be reported as a "ResizeObserver loop" error.
  const resize = new ResizeObserver(() =>
    requestAnimationFrame(() => {
      if (widthOf() === width) return;
      width = widthOf();
      plot.setSize({ width, height: HEIGHT_PX });
    }),
  );
  resize.observe(into);
  return {
    destroy() {
      resize.disconnect();
      plot.destroy();
    },
  };
}
