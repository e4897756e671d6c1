import { useEffect, useState } from 'preact/hooks';
import { get, type Page, patch, seg } from '../api';
import { CopyButton, Empty, ErrorBox, Loading, Status, Time, useAction, useLoad } from '../components';
import type { Connection, Destination, InboundRequest, Source, SourceResponse } from '../types';
import { Table } from '../table';
import { connectionColumn, nameOf } from './connections';
import { RequestInspector } from './inspector';

const MAX_SHOWN = 200;

/** A source: its URL, its requests live (server-sent events), the inspector, its response settings. */
export function SourcePage({ sourceId }: { sourceId: string }) {
  const source = useLoad(() => get<Source>(`/api/v1/source/${seg(sourceId)}`), sourceId);
  const requests = useLiveRequests(sourceId);
  const [selected, setSelected] = useState<string | null>(null);
  if (source.error) return <ErrorBox error={source.error} />;
  if (source.data === null) return <Loading />;
  const current = requests.list.find((r) => r.id === selected) ?? requests.list[0];
  return (
    <section>
      <p class="crumbs">
        <a href="/sources">Sources</a> /
      </p>
      <h1>{source.data.name}</h1>
      <div class="capture card">
        <label for="source-url">Send requests to</label>
        <div class="row">
          <input id="source-url" readOnly value={source.data.url} />
          <CopyButton text={source.data.url} label="Copy URL" />
        </div>
        <p class="muted small">
          Verification: {source.data.verification.type}.{' '}
          <span aria-live="polite">{requests.live ? 'Live: new requests appear here.' : 'Connecting…'}</span>
        </p>
      </div>
      <ErrorBox error={requests.error} />
      {requests.list.length === 0 ? (
        <Empty>
          No requests yet. Send one to the URL above, e.g.{' '}
          <code>
            curl -X POST {source.data.url} -H 'content-type: application/json' -d '&#123;"hello":"world"&#125;'
          </code>
        </Empty>
      ) : (
        <div class="split">
          <ul class="request-list" aria-label="Requests">
            {requests.list.map((r) => (
              <li key={r.id}>
                <button
                  type="button"
                  class={r === current ? 'request active' : 'request'}
                  aria-current={r === current ? 'true' : undefined}
                  onClick={() => setSelected(r.id)}
                >
                  <span class="method">{r.method}</span> <code>{r.path || '/'}</code> <Status value={r.status} />
                  <br />
                  <Time iso={r.receivedAt} />
                </button>
              </li>
            ))}
          </ul>
          {current && <RequestInspector key={current.id} request={current} sourceUrl={source.data.url} />}
        </div>
      )}
      <SourceConnections sourceId={source.data.id} />
      <ResponseSettings source={source.data} onSaved={source.setData} />
    </section>
  );
}

/** The source's latest requests, then each new one as the stream announces it. */
function useLiveRequests(sourceId: string) {
  const [list, setList] = useState<InboundRequest[]>([]);
  const [live, setLive] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let closed = false;
    const stream = new EventSource(`/api/v1/source/${seg(sourceId)}/request/stream`);
    const seen = new Set<string>();
    const add = (items: InboundRequest[]) => {
      const fresh = items.filter((r) => !seen.has(r.id));
      for (const r of fresh) seen.add(r.id);
      if (fresh.length > 0)
        setList((old) =>
          [...fresh, ...old].sort((a, b) => b.receivedAt.localeCompare(a.receivedAt)).slice(0, MAX_SHOWN),
        );
    };
    stream.addEventListener('open', () => setLive(true));
    stream.addEventListener('error', () => setLive(false));
    stream.addEventListener('request', (event) => add([JSON.parse((event as MessageEvent).data)]));
    get<Page<InboundRequest>>(`/api/v1/source/${seg(sourceId)}/request?limit=50`).then(
      (page) => !closed && add(page.data),
      (e) => !closed && setError(e),
    );
    return () => {
      closed = true;
      stream.close();
    };
  }, [sourceId]);
  return { list, live, error };
}

/** Where this source's requests go: its connections, and a way to add one. */
function SourceConnections({ sourceId }: { sourceId: string }) {
  const connections = useLoad(
    () => get<Page<Connection>>(`/api/v1/connection?source=${seg(sourceId)}&limit=250`),
    `connections-${sourceId}`,
  );
  const destinations = useLoad(() => get<Page<Destination>>('/api/v1/destination?limit=250'), 'destinations');
  return (
    <section class="card" aria-labelledby="connections-heading">
      <h2 id="connections-heading">Connections</h2>
      <ErrorBox error={connections.error ?? destinations.error} />
      <Table
        label="Connections of this source"
        rows={connections.data?.data ?? null}
        rowKey={(c) => c.id}
        empty="None: requests are kept here to inspect, and forwarded nowhere."
        columns={[
          connectionColumn,
          {
            header: 'Destination',
            cell: (c) => (
              <a href={`/destinations/${c.destinationId}`}>{nameOf(destinations.data?.data, c.destinationId)}</a>
            ),
          },
        ]}
      />
      <p>
        <a href={`/connections?source=${encodeURIComponent(sourceId)}`}>Add a connection</a> to forward its requests to
        a destination.
      </p>
    </section>
  );
}

function ResponseSettings({ source, onSaved }: { source: Source; onSaved: (s: Source) => void }) {
  const [form, setForm] = useState<SourceResponse>(source.response);
  const [error, busy, run] = useAction();
  const [saved, setSaved] = useState(false);
  const set = (change: Partial<SourceResponse>) => {
    setSaved(false);
    setForm({ ...form, ...change });
  };
  const save = (event: Event) => {
    event.preventDefault();
    run(async () => {
      onSaved(await patch<Source>(`/api/v1/source/${seg(source.id)}`, { response: form }));
      setSaved(true);
    });
  };
  return (
    <form class="card settings" onSubmit={save} aria-labelledby="response-heading">
      <h2 id="response-heading">Response</h2>
      <p class="muted small">What every request to this source is answered with.</p>
      <div class="grid">
        <label>
          Status
          <input
            type="number"
            min={200}
            max={599}
            value={form.status}
            onInput={(e) => set({ status: Number(e.currentTarget.value) })}
          />
        </label>
        <label>
          Content type
          <input value={form.contentType} onInput={(e) => set({ contentType: e.currentTarget.value })} />
        </label>
        <label>
          Delay (ms, up to 10000)
          <input
            type="number"
            min={0}
            max={10000}
            value={form.delayMs}
            onInput={(e) => set({ delayMs: Number(e.currentTarget.value) })}
          />
        </label>
        <label class="check">
          <input type="checkbox" checked={form.cors} onChange={(e) => set({ cors: e.currentTarget.checked })} />
          Allow CORS (any origin)
        </label>
      </div>
      <label>
        Body
        <textarea rows={3} value={form.body} onInput={(e) => set({ body: e.currentTarget.value })} />
      </label>
      <div class="actions">
        <button type="submit" disabled={busy}>
          Save response
        </button>
        {saved && <span aria-live="polite">Saved.</span>}
      </div>
      <ErrorBox error={error} />
    </form>
  );
}
