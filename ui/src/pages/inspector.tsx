import { useState } from 'preact/hooks';
import { get, type Page, post, seg } from '../api';
import { CopyButton, ErrorBox, Status, Time, useAction, useLoad } from '../components';
import { asCurl, asFormFields, asHex, asPrettyJson, asText, decodeBase64 } from '../body-view';
import '../receive.css';
import type { Destination, EventAttempt, InboundEvent, InboundRequest, ReplayResult } from '../types';

type BodyMode = 'json' | 'form' | 'raw' | 'hex';

/** One received request: what came (method, path, query, headers, body), the verdict, what it became. */
export function RequestInspector({ request, sourceUrl }: { request: InboundRequest; sourceUrl: string }) {
  const bytes = decodeBase64(request.body);
  const text = asText(bytes);
  const contentType = request.headers.find(([name]) => name.toLowerCase() === 'content-type')?.[1];
  const json = asPrettyJson(text);
  const form = asFormFields(text, contentType);
  const [mode, setMode] = useState<BodyMode>(json !== null ? 'json' : form !== null ? 'form' : 'raw');
  const url = `${sourceUrl}${request.path}${request.query ? `?${request.query}` : ''}`;
  const modes: [BodyMode, string, boolean][] = [
    ['json', 'JSON', json !== null],
    ['form', 'Form fields', form !== null],
    ['raw', 'Raw', true],
    ['hex', 'Hex', true],
  ];
  return (
    <article class="inspector card" aria-label="Request inspector">
      <h2>
        <span class="method">{request.method}</span> <code>{request.path || '/'}</code>
      </h2>
      <p>
        <Status value={request.status} /> <Time iso={request.receivedAt} /> · {request.bodySize} bytes ·{' '}
        <code class="small">{request.id}</code>
      </p>
      {request.bodyExpired && (
        <p class="muted" role="note">
          Retention cleared this request's headers and body ({request.bodySize} bytes when received).
        </p>
      )}
      {request.cause && (
        <p class="error" role="note">
          Rejected: <strong>{request.cause}</strong>
          {request.detail ? ` — ${request.detail}` : ''}
        </p>
      )}
      <div class="actions">
        <CopyButton text={asCurl(request.method, url, request.headers, text)} label="Copy as curl" />
        {/* The API never forwards a rejected request to connections (409), unless only no filter matched it. */}
        {(request.status === 'accepted' || request.cause === 'filtered') && <ReplayButton request={request} />}
      </div>
      <ReplayToUrl request={request} />
      {request.query && (
        <>
          <h3>Query</h3>
          <KeyValues pairs={[...new URLSearchParams(request.query).entries()]} label="Query parameters" />
        </>
      )}
      <h3>Headers</h3>
      <KeyValues pairs={request.headers} label="Request headers" />
      <h3>Body</h3>
      <div class="tabs" role="tablist" aria-label="Body view">
        {modes
          .filter(([, , available]) => available)
          .map(([value, label]) => (
            <button
              key={value}
              type="button"
              role="tab"
              aria-selected={mode === value}
              class={mode === value ? 'tab active' : 'tab'}
              onClick={() => setMode(value)}
            >
              {label}
            </button>
          ))}
      </div>
      <div role="tabpanel" aria-label={`Body as ${mode}`}>
        {bytes.length === 0 ? (
          <p class="muted">No body.</p>
        ) : mode === 'form' && form ? (
          <KeyValues pairs={form} label="Form fields" />
        ) : (
          <pre class={mode === 'hex' ? 'body hex' : 'body'} data-testid="request-body">
            {mode === 'json' ? json : mode === 'hex' ? asHex(bytes) : text}
          </pre>
        )}
      </div>
      <RequestEvents requestId={request.id} />
    </article>
  );
}

export function KeyValues({ pairs, label }: { pairs: string[][]; label: string }) {
  if (pairs.length === 0) return <p class="muted">None.</p>;
  return (
    <div class="table-wrap">
      <table class="kv" aria-label={label}>
        <tbody>
          {pairs.map(([name, value], i) => (
            <tr key={i}>
              <th scope="row">{name}</th>
              <td>
                <code>{value}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ReplayButton({ request }: { request: InboundRequest }) {
  const [error, busy, run] = useAction();
  const [done, setDone] = useState<number | null>(null);
  const replay = () =>
    run(async () => {
      const result = await post<{ data: InboundEvent[] }>(`/api/v1/request/${seg(request.id)}/replay`);
      setDone(result.data.length);
    });
  return (
    <>
      <button type="button" class="secondary" onClick={replay} disabled={busy}>
        Replay to connections
      </button>
      {done !== null && <span class="muted">{done === 0 ? 'No connection matched.' : `${done} new event(s).`}</span>}
      <ErrorBox error={error} />
    </>
  );
}

function RequestEvents({ requestId }: { requestId: string }) {
  const events = useLoad(() => get<Page<InboundEvent>>(`/api/v1/request/${seg(requestId)}/event`), requestId);
  if (events.error) return <ErrorBox error={events.error} />;
  if (events.data === null || events.data.data.length === 0)
    return <p class="muted">It became no event (the source has no connection that took it).</p>;
  return (
    <>
      <h3>Events</h3>
      {events.data.data.map((event) => (
        <EventRow key={event.id} event={event} />
      ))}
    </>
  );
}

function EventRow({ event }: { event: InboundEvent }) {
  const attempts = useLoad(() => get<Page<EventAttempt>>(`/api/v1/event/${seg(event.id)}/attempt`), event.id);
  const destination = useLoad(
    () => get<Destination>(`/api/v1/destination/${seg(event.destinationId)}`),
    event.destinationId,
  );
  return (
    <div class="card sub">
      <p>
        <code>{event.id}</code> →{' '}
        <a href={`/destinations/${event.destinationId}`}>{destination.data?.name || event.destinationId}</a>{' '}
        <Status value={event.status} /> {event.attemptCount} attempt(s)
        {event.nextAttempt && (
          <>
            {' '}
            · next <Time iso={event.nextAttempt} />
          </>
        )}
      </p>
      <ErrorBox error={attempts.error} />
      {attempts.data !== null && attempts.data.data.length > 0 && (
        <ul class="attempts" aria-label={`Attempts of ${event.id}`}>
          {attempts.data.data.map((attempt) => (
            <li key={attempt.id} class="attempt">
              <details>
                <summary>
                  {attempt.responseStatusCode || 'no response'} in {attempt.responseDurationMs} ms ·{' '}
                  <Time iso={attempt.timestamp} />
                </summary>
                <p class="small">
                  <code>{attempt.url}</code>
                </p>
                <pre class="body response">{attempt.response || '(empty response)'}</pre>
              </details>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Sends the request once to a URL the operator types, and shows what came back (nothing is stored). */
function ReplayToUrl({ request }: { request: InboundRequest }) {
  const [url, setUrl] = useState('');
  const [result, setResult] = useState<ReplayResult | null>(null);
  const [error, busy, run] = useAction();
  const send = (e: Event) => {
    e.preventDefault();
    setResult(null);
    run(async () =>
      setResult(await post<ReplayResult>(`/api/v1/request/${seg(request.id)}/replay-to-url`, { url: url.trim() })),
    );
  };
  return (
    <form class="replay" onSubmit={send}>
      <div class="row">
        <label class="grow">
          Replay to URL (the sub-path and query are appended)
          <input
            value={url}
            onInput={(e) => setUrl(e.currentTarget.value)}
            required
            inputMode="url"
            placeholder="http://localhost:3000/webhooks"
          />
        </label>
        <button type="submit" class="secondary" disabled={busy}>
          Send
        </button>
      </div>
      <div aria-live="polite">
        {result && (
          <>
            <p class="small" data-testid="replay-result">
              {result.outcome === 'response'
                ? `${result.responseStatusCode} in ${result.responseDurationMs} ms`
                : `No response (${result.outcome}) after ${result.responseDurationMs} ms`}{' '}
              from <code>{result.url}</code>
            </p>
            {result.response !== '' && <pre class="body response">{result.response}</pre>}
          </>
        )}
        <ErrorBox error={error} />
      </div>
    </form>
  );
}
