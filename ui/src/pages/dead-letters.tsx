import { useState } from 'preact/hooks';
import { get, type Page, post, seg } from '../api';
import { Empty, ErrorBox, Loading, Status, Time, useAction, useLoad } from '../components';
import type { InboundEvent } from '../types';

/**
 * Received events whose delivery to a destination ended failed, filterable by source and
 * destination, retried one by one or in bulk (`POST /api/v1/event/bulk-retry`).
 */
export function DeadLettersPage() {
  const [filter, setFilter] = useState({ sourceId: '', destinationId: '' });
  const [applied, setApplied] = useState(filter);
  const query = () => {
    const params = new URLSearchParams({ status: 'fail', limit: '100' });
    if (applied.sourceId) params.set('source', applied.sourceId);
    if (applied.destinationId) params.set('destination', applied.destinationId);
    return params;
  };
  const events = useLoad(() => get<Page<InboundEvent>>(`/api/v1/event?${query()}`), JSON.stringify(applied));
  const [error, busy, run] = useAction();
  const [result, setResult] = useState<string | null>(null);
  const retryAll = () =>
    run(async () => {
      const body: Record<string, string> = { status: 'fail' };
      if (applied.sourceId) body.source = applied.sourceId;
      if (applied.destinationId) body.destination = applied.destinationId;
      const out = await post<{ count: number }>('/api/v1/event/bulk-retry', body);
      setResult(`${out.count} event(s) are due again.`);
      events.reload();
    });
  const retry = (id: string) =>
    run(async () => {
      await post(`/api/v1/event/${seg(id)}/retry`);
      events.reload();
    });
  return (
    <section>
      <h1>Dead letters</h1>
      <p class="muted">Received requests whose forward to a destination failed after every retry.</p>
      <form
        class="row search"
        aria-label="Filter dead letters"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(filter);
        }}
      >
        <label>
          Source id
          <input value={filter.sourceId} onInput={(e) => setFilter({ ...filter, sourceId: e.currentTarget.value })} />
        </label>
        <label>
          Destination id
          <input
            value={filter.destinationId}
            onInput={(e) => setFilter({ ...filter, destinationId: e.currentTarget.value })}
          />
        </label>
        <button type="submit">Filter</button>
        <button type="button" class="secondary" onClick={retryAll} disabled={busy || !events.data?.data.length}>
          Retry all shown
        </button>
      </form>
      {result && <p aria-live="polite">{result}</p>}
      <ErrorBox error={error ?? events.error} />
      {events.data === null ? (
        <Loading />
      ) : events.data.data.length === 0 ? (
        <Empty>
          No dead letters: every received request that was forwarded got through (or is still being retried).
        </Empty>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Destination</th>
                <th scope="col">Status</th>
                <th scope="col">Last change</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {events.data.data.map((event) => (
                <tr key={event.id}>
                  <td>
                    <code>{event.id}</code>
                  </td>
                  <td>
                    <code>{event.destinationId}</code>
                  </td>
                  <td>
                    <Status value={event.status} /> {event.attemptCount} attempt(s)
                  </td>
                  <td>
                    <Time iso={event.createdAt} />
                  </td>
                  <td>
                    <button type="button" class="secondary" onClick={() => retry(event.id)} disabled={busy}>
                      Retry
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
