import { useState } from 'preact/hooks';
import { api, get, type Page, patch, post, put, seg } from '../api';
import { ErrorBox, Loading, RefreshHeading, Status, Time, useAction, useLoad } from '../components';
import { Table } from '../table';
import { PlaceLink } from '../links';
import type { EndpointHeaders, EndpointMessage, EndpointStats, Endpoint, MessageAttempt } from '../types';
import { EndpointForm } from './endpoint-list';

const DAY_MS = 86_400_000;

/** One endpoint: health, settings, secret, headers, recovery, and the messages sent to it. */
export function EndpointPage({ appId, endpointId }: { appId: string; endpointId: string }) {
  const base = `/api/v1/app/${seg(appId)}/endpoint/${seg(endpointId)}`;
  const endpoint = useLoad(() => get<Endpoint>(base), base);
  const [error, busy, run] = useAction();
  if (endpoint.error) return <ErrorBox error={endpoint.error} />;
  if (endpoint.data === null) return <Loading />;
  const ep = endpoint.data;
  const toggle = () => run(async () => endpoint.setData(await patch<Endpoint>(base, { disabled: !ep.disabled })));
  return (
    <section>
      <p class="crumbs">
        <PlaceLink to={{ kind: 'app', appId }}>Application</PlaceLink> /
      </p>
      <h1 class="url">{ep.url}</h1>
      <p>
        {ep.disabled ? <Status value="disabled" /> : <Status value="enabled" />} <code>{ep.id}</code> · updated{' '}
        <Time iso={ep.updatedAt} />
      </p>
      <div class="actions">
        <button type="button" class="secondary" onClick={toggle} disabled={busy}>
          {ep.disabled ? 'Enable endpoint' : 'Disable endpoint'}
        </button>
      </div>
      <ErrorBox error={error} />
      <Health base={base} appId={appId} />
      <div class="columns">
        <EndpointForm key={ep.updatedAt} appId={appId} endpoint={ep} onSaved={endpoint.setData} />
        <div>
          <Secret base={base} />
          <Headers base={base} />
          <Recovery base={base} />
        </div>
      </div>
      <EndpointMessages base={base} appId={appId} />
      <EndpointAttempts base={base} appId={appId} />
    </section>
  );
}

function Health({ base, appId }: { base: string; appId: string }) {
  const since = new Date(Date.now() - DAY_MS).toISOString();
  const stats = useLoad(() => get<EndpointStats>(`${base}/stats?since=${encodeURIComponent(since)}`), base);
  const failures = useLoad(
    () => get<Page<MessageAttempt>>(`${base.replace('/endpoint/', '/attempt/endpoint/')}?status=2&limit=5`),
    base,
  );
  const s = stats.data;
  const ended = s ? s.success + s.fail : 0;
  return (
    <section class="card" aria-labelledby="health-heading">
      <h2 id="health-heading">Health (last 24 hours)</h2>
      <ErrorBox error={stats.error ?? failures.error} />
      {s && (
        <p>
          Success rate: <strong>{ended === 0 ? '—' : `${((100 * s.success) / ended).toFixed(1)}%`}</strong> ·{' '}
          {s.success} delivered · {s.fail} failed · {s.pending + s.sending} pending
        </p>
      )}
      {failures.data && failures.data.data.length > 0 && (
        <>
          <h3>Last errors</h3>
          <ul>
            {failures.data.data.map((a) => (
              <li key={a.id} class="small">
                <Time iso={a.timestamp} />: {a.responseStatusCode || 'no response'} {a.response.slice(0, 120)} (
                <PlaceLink to={{ kind: 'message', appId, messageId: a.msgId ?? '' }}>message</PlaceLink>)
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function Secret({ base }: { base: string }) {
  const [key, setKey] = useState<string | null>(null);
  const [error, busy, run] = useAction();
  const reveal = () => run(async () => setKey((await get<{ key: string }>(`${base}/secret`)).key));
  const rotate = () =>
    run(async () => {
      if (!confirm('Rotate the signing secret? The old one keeps working for a grace period.')) return;
      await post(`${base}/secret/rotate`, {});
      setKey((await get<{ key: string }>(`${base}/secret`)).key);
    });
  return (
    <section class="card" aria-labelledby="secret-heading">
      <h2 id="secret-heading">Signing secret</h2>
      <p>
        <code data-testid="endpoint-secret">{key ?? 'whsec_••••••••••••'}</code>
      </p>
      <div class="actions">
        <button type="button" class="secondary" onClick={reveal} disabled={busy}>
          Reveal secret
        </button>
        <button type="button" class="secondary" onClick={rotate} disabled={busy}>
          Rotate secret
        </button>
      </div>
      <ErrorBox error={error} />
    </section>
  );
}

function Headers({ base }: { base: string }) {
  const headers = useLoad(() => get<EndpointHeaders>(`${base}/headers`), base);
  const [text, setText] = useState<string | null>(null);
  const [error, busy, run] = useAction();
  const shown =
    text ??
    Object.entries(headers.data?.headers ?? {})
      .map(([name, value]) => `${name}: ${value}`)
      .join('\n');
  const save = (event: Event) => {
    event.preventDefault();
    run(async () => {
      const parsed: Record<string, string> = {};
      for (const line of shown.split('\n')) {
        if (line.trim() === '') continue;
        const at = line.indexOf(':');
        if (at <= 0) throw new Error(`"${line}" is not "Name: value"`);
        parsed[line.slice(0, at).trim()] = line.slice(at + 1).trim();
      }
      await put(`${base}/headers`, { headers: parsed });
      setText(null);
      headers.reload();
    });
  };
  return (
    <form class="card" onSubmit={save} aria-labelledby="headers-heading">
      <h2 id="headers-heading">Custom headers</h2>
      <label for="endpoint-headers">One "Name: value" per line, sent with every request</label>
      <textarea id="endpoint-headers" rows={3} value={shown} onInput={(e) => setText(e.currentTarget.value)} />
      {headers.data && headers.data.sensitive.length > 0 && (
        <p class="muted small">Withheld values: {headers.data.sensitive.join(', ')}</p>
      )}
      <button type="submit" disabled={busy}>
        Save headers
      </button>
      <ErrorBox error={error ?? headers.error} />
    </form>
  );
}

function Recovery({ base }: { base: string }) {
  const [since, setSince] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const [error, busy, run] = useAction();
  const act = (what: 'recover' | 'replay-missing') =>
    run(async () => {
      const from = since ? new Date(since) : new Date(Date.now() - DAY_MS);
      await api('POST', `${base}/${what}`, { since: from.toISOString() });
      setDone(what === 'recover' ? 'Failed messages are due again.' : 'Missing messages are queued.');
    });
  return (
    <section class="card" aria-labelledby="recovery-heading">
      <h2 id="recovery-heading">Recovery</h2>
      <label for="recover-since">Since (default: 24 hours ago)</label>
      <input id="recover-since" type="datetime-local" value={since} onInput={(e) => setSince(e.currentTarget.value)} />
      <div class="actions">
        <button type="button" class="secondary" onClick={() => act('recover')} disabled={busy}>
          Recover failed messages
        </button>
        <button type="button" class="secondary" onClick={() => act('replay-missing')} disabled={busy}>
          Replay missing messages
        </button>
      </div>
      {done && <p aria-live="polite">{done}</p>}
      <ErrorBox error={error} />
    </section>
  );
}

/** Svix's delivery status codes, as the endpoint's message list filters by them (`status`). */
const DELIVERY_STATUSES = [
  ['', 'Any'],
  ['0', 'Succeeded'],
  ['1', 'Pending'],
  ['3', 'Sending'],
  ['2', 'Failed'],
] as const;

function EndpointMessages({ base, appId }: { base: string; appId: string }) {
  const [status, setStatus] = useState('');
  const messages = useLoad(
    () =>
      get<Page<EndpointMessage>>(
        `${base}/msg?limit=50&with_content=false&expanded_statuses=true${status ? `&status=${status}` : ''}`,
      ),
    `${base} ${status}`,
  );
  return (
    <section aria-labelledby="endpoint-messages-heading">
      <RefreshHeading id="endpoint-messages-heading" title="Messages sent here" onRefresh={messages.reload} />
      <label>
        Status
        <select value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
          {DELIVERY_STATUSES.map(([value, text]) => (
            <option key={value} value={value}>
              {text}
            </option>
          ))}
        </select>
      </label>
      <ErrorBox error={messages.error} />
      <Table
        label="Messages sent here"
        rows={messages.data?.data ?? null}
        rowKey={(m) => m.id}
        empty={status ? 'No message sent here has this status.' : 'No message has been sent to this endpoint yet.'}
        columns={[
          { header: 'Event type', cell: (m) => m.eventType },
          {
            header: 'Message',
            cell: (m) => (
              <PlaceLink to={{ kind: 'message', appId, messageId: m.id }}>
                <code>{m.id}</code>
              </PlaceLink>
            ),
          },
          { header: 'Status', cell: (m) => <Status value={m.statusText} /> },
          { header: 'Sent', cell: (m) => <Time iso={m.timestamp} /> },
        ]}
      />
    </section>
  );
}

/** The latest attempts to this endpoint, every outcome, each linked to its message. */
function EndpointAttempts({ base, appId }: { base: string; appId: string }) {
  const attempts = useLoad(
    () =>
      get<Page<MessageAttempt>>(
        `${base.replace('/endpoint/', '/attempt/endpoint/')}?limit=50&with_content=false&expanded_statuses=true`,
      ),
    base,
  );
  return (
    <section aria-labelledby="endpoint-attempts-heading">
      <RefreshHeading id="endpoint-attempts-heading" title="Attempts" onRefresh={attempts.reload} />
      <ErrorBox error={attempts.error} />
      <Table
        label="Attempts to this endpoint"
        rows={attempts.data?.data ?? null}
        rowKey={(a) => a.id}
        empty="No attempt yet: nothing has been sent to this endpoint."
        columns={[
          { header: 'Outcome', cell: (a) => <Status value={a.statusText} /> },
          { header: 'Response', cell: (a) => a.responseStatusCode || 'no response' },
          {
            header: 'Message',
            cell: (a) => (
              <PlaceLink to={{ kind: 'message', appId, messageId: a.msgId }}>
                <code>{a.msgId}</code>
              </PlaceLink>
            ),
          },
          { header: 'Trigger', cell: (a) => (a.triggerType === 1 ? 'manual' : 'scheduled') },
          { header: 'Time', cell: (a) => <Time iso={a.timestamp} /> },
        ]}
      />
    </section>
  );
}
