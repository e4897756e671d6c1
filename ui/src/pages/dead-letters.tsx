import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { get, type Page, post, seg } from '../api';
import { ErrorBox, Status, Time, useAction, useLoad } from '../components';
import { PlaceLink } from '../links';
import { Table } from '../table';
import type { DeadLetter, InboundEvent } from '../types';

/**
 * Deliveries whose retries are exhausted, on both sides: messages to endpoints
 * (`/api/v1/dead-letter`) and received events to destinations (`/api/v1/event?status=fail`), each
 * filterable and retried one by one or in bulk.
 */
export function DeadLettersPage() {
  return (
    <section>
      <h1>Dead letters</h1>
      <p class="muted">Deliveries that failed after every retry. Fix the receiver, then retry them.</p>
      <MessageDeadLetters />
      <EventDeadLetters />
    </section>
  );
}

/** A filter form: one text field per entry of `fields`, applied on submit. */
function FilterForm<K extends string>({
  label,
  fields,
  value,
  onChange,
  onApply,
  children,
}: {
  label: string;
  fields: [K, string][];
  value: Record<K, string>;
  onChange: (value: Record<K, string>) => void;
  onApply: () => void;
  children: ComponentChildren;
}) {
  return (
    <form
      class="row search"
      aria-label={label}
      onSubmit={(e) => {
        e.preventDefault();
        onApply();
      }}
    >
      {fields.map(([key, text]) => (
        <label key={key}>
          {text}
          <input value={value[key]} onInput={(e) => onChange({ ...value, [key]: e.currentTarget.value })} />
        </label>
      ))}
      <button type="submit">Filter</button>
      {children}
    </form>
  );
}

/** The filter's non-empty fields. */
const given = (filter: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(filter)
      .filter(([, v]) => v.trim() !== '')
      .map(([k, v]) => [k, v.trim()]),
  );

function MessageDeadLetters() {
  const blank = { app: '', endpoint: '', event_type: '' };
  const [filter, setFilter] = useState(blank);
  const [applied, setApplied] = useState(blank);
  const letters = useLoad(
    () => get<Page<DeadLetter>>(`/api/v1/dead-letter?${new URLSearchParams({ limit: '100', ...given(applied) })}`),
    JSON.stringify(applied),
  );
  const [error, busy, run] = useAction();
  const [result, setResult] = useState<string | null>(null);
  const retry = (body: Record<string, unknown>) =>
    run(async () => {
      const out = await post<{ count: number }>('/api/v1/dead-letter/retry', body);
      setResult(`${out.count} message deliver${out.count === 1 ? 'y is' : 'ies are'} due again.`);
      letters.reload();
    });
  return (
    <section aria-labelledby="dead-messages-heading">
      <h2 id="dead-messages-heading">Messages to endpoints</h2>
      <FilterForm
        label="Filter message dead letters"
        fields={[
          ['app', 'Application id or uid'],
          ['endpoint', 'Endpoint id'],
          ['event_type', 'Event type'],
        ]}
        value={filter}
        onChange={setFilter}
        onApply={() => setApplied(filter)}
      >
        <button
          type="button"
          class="secondary"
          onClick={() => retry(given(applied))}
          disabled={busy || !letters.data?.data.length}
        >
          Retry all that match
        </button>
      </FilterForm>
      {result && <p aria-live="polite">{result}</p>}
      <ErrorBox error={error ?? letters.error} />
      <Table
        label="Message dead letters"
        rows={letters.data?.data ?? null}
        rowKey={(d) => d.id}
        empty="No dead letters: every message reached its endpoints (or is still being retried)."
        columns={[
          {
            header: 'Message',
            cell: (d) => (
              <>
                {d.eventType}{' '}
                <PlaceLink to={{ kind: 'message', appId: d.appId, messageId: d.msgId }}>
                  <code>{d.msgId}</code>
                </PlaceLink>
              </>
            ),
          },
          {
            header: 'Endpoint',
            class: 'url',
            cell: (d) => (
              <PlaceLink to={{ kind: 'endpoint', appId: d.appId, endpointId: d.endpointId }}>
                <code>{d.url}</code>
              </PlaceLink>
            ),
          },
          { header: 'Attempts', cell: (d) => d.attemptCount },
          { header: 'Failed', cell: (d) => <Time iso={d.failedAt} /> },
          {
            header: 'Actions',
            hidden: true,
            cell: (d) => (
              <button type="button" class="secondary" onClick={() => retry({ ids: [d.id] })} disabled={busy}>
                Retry
              </button>
            ),
          },
        ]}
      />
    </section>
  );
}

function EventDeadLetters() {
  const blank = { source: '', destination: '' };
  const [filter, setFilter] = useState(blank);
  const [applied, setApplied] = useState(blank);
  const events = useLoad(
    () =>
      get<Page<InboundEvent>>(
        `/api/v1/event?${new URLSearchParams({ status: 'fail', limit: '100', ...given(applied) })}`,
      ),
    JSON.stringify(applied),
  );
  const [error, busy, run] = useAction();
  const [result, setResult] = useState<string | null>(null);
  const retryAll = () =>
    run(async () => {
      const out = await post<{ count: number }>('/api/v1/event/bulk-retry', { status: 'fail', ...given(applied) });
      setResult(`${out.count} event(s) are due again.`);
      events.reload();
    });
  const retry = (id: string) =>
    run(async () => {
      await post(`/api/v1/event/${seg(id)}/retry`);
      events.reload();
    });
  return (
    <section aria-labelledby="dead-events-heading">
      <h2 id="dead-events-heading">Received events to destinations</h2>
      <FilterForm
        label="Filter event dead letters"
        fields={[
          ['source', 'Source id'],
          ['destination', 'Destination id'],
        ]}
        value={filter}
        onChange={setFilter}
        onApply={() => setApplied(filter)}
      >
        <button type="button" class="secondary" onClick={retryAll} disabled={busy || !events.data?.data.length}>
          Retry all that match
        </button>
      </FilterForm>
      {result && <p aria-live="polite">{result}</p>}
      <ErrorBox error={error ?? events.error} />
      <Table
        label="Event dead letters"
        rows={events.data?.data ?? null}
        rowKey={(event) => event.id}
        empty="No dead letters: every received request that was forwarded got through (or is still being retried)."
        columns={[
          { header: 'Event', cell: (event) => <code>{event.id}</code> },
          { header: 'Destination', cell: (event) => <code>{event.destinationId}</code> },
          {
            header: 'Status',
            cell: (event) => (
              <>
                <Status value={event.status} /> {event.attemptCount} attempt(s)
              </>
            ),
          },
          { header: 'Created', cell: (event) => <Time iso={event.createdAt} /> },
          {
            header: 'Actions',
            hidden: true,
            cell: (event) => (
              <button type="button" class="secondary" onClick={() => retry(event.id)} disabled={busy}>
                Retry
              </button>
            ),
          },
        ]}
      />
    </section>
  );
}
