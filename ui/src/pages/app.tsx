import { useState } from 'preact/hooks';
import { get, type Page, post, seg } from '../api';
import { CopyButton, ErrorBox, Loading, RefreshHeading, Time, useAction, useLoad } from '../components';
import { Table } from '../table';
import { PlaceLink } from '../links';
import type { Application, Message } from '../types';
import { EndpointList } from './endpoint-list';

export function AppPage({ appId }: { appId: string }) {
  const app = useLoad(() => get<Application>(`/api/v1/app/${seg(appId)}`), appId);
  if (app.error) return <ErrorBox error={app.error} />;
  if (app.data === null) return <Loading />;
  return (
    <section>
      <p class="crumbs">
        <a href="/apps">Applications</a> /
      </p>
      <h1>{app.data.name}</h1>
      <p class="muted">
        <code>{app.data.id}</code>
        {app.data.uid && (
          <>
            {' '}
            · uid <code>{app.data.uid}</code>
          </>
        )}
      </p>
      <PortalLink appId={app.data.id} />
      <EndpointList appId={app.data.id} />
      <MessageList appId={app.data.id} />
    </section>
  );
}

function PortalLink({ appId }: { appId: string }) {
  const [url, setUrl] = useState<string | null>(null);
  const [error, busy, run] = useAction();
  const create = () =>
    run(async () => setUrl((await post<{ url: string }>(`/api/v1/auth/app-portal-access/${seg(appId)}`)).url));
  return (
    <div class="actions">
      <button type="button" class="secondary" onClick={create} disabled={busy}>
        Get an app portal link
      </button>
      {url && (
        <>
          <input aria-label="App portal link" readOnly value={url} class="grow" />
          <CopyButton text={url} label="Copy link" />
        </>
      )}
      <ErrorBox error={error} />
    </div>
  );
}

/** The application's messages, newest first; search by event type, time, or id. */
export function MessageList({ appId }: { appId: string }) {
  const [query, setQuery] = useState({ eventType: '', before: '', id: '' });
  const [applied, setApplied] = useState(query);
  const messages = useLoad(
    async () => {
      if (applied.id) return { data: [await get<Message>(`/api/v1/app/${seg(appId)}/msg/${seg(applied.id)}`)] };
      const params = new URLSearchParams({ limit: '50', with_content: 'false' });
      if (applied.eventType) params.set('event_types', applied.eventType);
      if (applied.before) params.set('before', new Date(applied.before).toISOString());
      return get<Page<Message>>(`/api/v1/app/${seg(appId)}/msg?${params}`);
    },
    `${appId} ${JSON.stringify(applied)}`,
  );
  const search = (event: Event) => {
    event.preventDefault();
    setApplied(query);
  };
  return (
    <section aria-labelledby="messages-heading">
      <RefreshHeading id="messages-heading" title="Messages" onRefresh={messages.reload} />
      <form class="row search" onSubmit={search} aria-label="Search messages">
        <label>
          Event type
          <input value={query.eventType} onInput={(e) => setQuery({ ...query, eventType: e.currentTarget.value })} />
        </label>
        <label>
          Before
          <input
            type="datetime-local"
            value={query.before}
            onInput={(e) => setQuery({ ...query, before: e.currentTarget.value })}
          />
        </label>
        <label>
          Message id
          <input value={query.id} onInput={(e) => setQuery({ ...query, id: e.currentTarget.value })} />
        </label>
        <button type="submit">Search</button>
      </form>
      <ErrorBox error={messages.error} />
      <Table
        label="Messages"
        rows={messages.data?.data ?? null}
        rowKey={(message) => message.id}
        empty={
          <>
            No messages. Send one with <code>POST /api/v1/app/{appId}/msg</code> (or a svix SDK).
          </>
        }
        columns={[
          { header: 'Event type', cell: (message) => message.eventType },
          {
            header: 'Message',
            cell: (message) => (
              <PlaceLink to={{ kind: 'message', appId, messageId: message.id }}>
                <code>{message.id}</code>
              </PlaceLink>
            ),
          },
          { header: 'Sent', cell: (message) => <Time iso={message.timestamp} /> },
        ]}
      />
    </section>
  );
}
