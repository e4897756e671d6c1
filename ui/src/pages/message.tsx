import { indentJsonText, memberText } from '../../../src/core/json-text';
import { apiText, get, type Page, post, seg } from '../api';
import { Empty, ErrorBox, Loading, RefreshHeading, Status, Time, useAction, useLoad } from '../components';
import { PlaceLink } from '../links';
import type { Message, MessageAttempt, MessageEndpoint } from '../types';
import { KeyValues } from './inspector';

/** A message: its payload, the endpoints it goes to (resend), and every attempt with its request and response. */
export function MessagePage({ appId, messageId }: { appId: string; messageId: string }) {
  const base = `/api/v1/app/${seg(appId)}`;
  // As text: the payload is shown as sent, every number as written (JSON.parse would change some).
  const message = useLoad(async () => {
    const text = await apiText('GET', `${base}/msg/${seg(messageId)}`);
    return { ...(JSON.parse(text) as Message), payloadText: indentJsonText(memberText(text, 'payload') ?? '{}') };
  }, messageId);
  const destinations = useLoad(
    () => get<Page<MessageEndpoint>>(`${base}/msg/${seg(messageId)}/endpoint?expanded_statuses=true`),
    messageId,
  );
  const attempts = useLoad(
    () => get<Page<MessageAttempt>>(`${base}/attempt/msg/${seg(messageId)}?limit=100&expanded_statuses=true`),
    messageId,
  );
  const [error, busy, run] = useAction();
  const refresh = () => {
    destinations.reload();
    attempts.reload();
  };
  const resend = (endpointId: string) =>
    run(async () => {
      await post(`${base}/msg/${seg(messageId)}/endpoint/${seg(endpointId)}/resend`);
      refresh();
    });
  if (message.error) return <ErrorBox error={message.error} />;
  if (message.data === null) return <Loading />;
  const m = message.data;
  return (
    <section>
      <p class="crumbs">
        <PlaceLink to={{ kind: 'app', appId }}>Application</PlaceLink> /
      </p>
      <h1>{m.eventType}</h1>
      <p>
        <code>{m.id}</code> · <Time iso={m.timestamp} />
        {m.eventId && (
          <>
            {' '}
            · event id <code>{m.eventId}</code>
          </>
        )}
      </p>
      <h2>Payload</h2>
      <pre class="body" data-testid="message-payload">
        {m.payloadText}
      </pre>
      <RefreshHeading id="message-endpoints-heading" title="Endpoints" onRefresh={refresh} />
      <ErrorBox error={error ?? destinations.error} />
      {destinations.data?.data.length === 0 && <Empty>No endpoint matched this message when it was sent.</Empty>}
      <ul class="cards" aria-label="Endpoints of this message">
        {destinations.data?.data.map((d) => (
          <li key={d.id} class="card row">
            <PlaceLink to={{ kind: 'endpoint', appId, endpointId: d.id }}>
              <code>{d.url}</code>
            </PlaceLink>
            <Status value={d.statusText} />
            <button type="button" onClick={() => resend(d.id)} disabled={busy}>
              Resend
            </button>
          </li>
        ))}
      </ul>
      <h2>Attempts</h2>
      <ErrorBox error={attempts.error} />
      {attempts.data?.data.length === 0 && <Empty>No attempt yet: the delivery is queued.</Empty>}
      <ol class="attempts" aria-label="Attempts">
        {attempts.data?.data.map((a) => (
          <li key={a.id} class="card attempt">
            <details>
              <summary>
                <Status value={a.status === 0 ? 'success' : 'fail'} />{' '}
                <strong>{a.responseStatusCode || 'no response'}</strong> in {a.responseDurationMs} ms ·{' '}
                {a.triggerType === 1 ? 'manual' : 'scheduled'} · <Time iso={a.timestamp} />
                <span class="muted small url-inline"> to {a.url}</span>
              </summary>
              <p class="small">
                <code>{a.url}</code>
              </p>
              <h3>Request headers</h3>
              <KeyValues pairs={Object.entries(a.requestHeaders ?? {})} label="Attempt request headers" />
              <h3>Response</h3>
              <pre class="body">{a.response || '(empty)'}</pre>
            </details>
          </li>
        ))}
      </ol>
    </section>
  );
}
