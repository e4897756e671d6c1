import { useState } from 'preact/hooks';
import { api, get, type Page, post, seg } from '../api';
import { Empty, ErrorBox, Loading, Status, useAction, useLoad } from '../components';
import { PlaceLink } from '../links';
import type { Endpoint, EventType } from '../types';

/** An application's endpoints, and the form that adds one (the dashboard's app page and the portal). */
export function EndpointList({ appId }: { appId: string }) {
  const endpoints = useLoad(() => get<Page<Endpoint>>(`/api/v1/app/${seg(appId)}/endpoint?limit=250`), appId);
  return (
    <section aria-labelledby="endpoints-heading">
      <h2 id="endpoints-heading">Endpoints</h2>
      <ErrorBox error={endpoints.error} />
      {endpoints.data === null ? (
        <Loading />
      ) : endpoints.data.data.length === 0 ? (
        <Empty>No endpoints yet. Add the URL that should receive this application's webhooks below.</Empty>
      ) : (
        <ul class="cards" aria-label="Endpoints">
          {endpoints.data.data.map((endpoint) => (
            <li key={endpoint.id} class="card">
              <PlaceLink to={{ kind: 'endpoint', appId, endpointId: endpoint.id }}>
                <code>{endpoint.url}</code>
              </PlaceLink>{' '}
              {endpoint.disabled && <Status value="disabled" />}
              <div class="muted small">
                {endpoint.description || 'No description'} ·{' '}
                {endpoint.eventTypes?.length ? endpoint.eventTypes.join(', ') : 'all event types'}
              </div>
            </li>
          ))}
        </ul>
      )}
      <EndpointForm appId={appId} onSaved={endpoints.reload} />
    </section>
  );
}

export interface EndpointFields {
  url: string;
  description: string;
  eventTypes: string[];
  throttleRate: string;
}

export const blankEndpoint: EndpointFields = { url: '', description: '', eventTypes: [], throttleRate: '' };

/** The API body of an endpoint's fields (empty filter: every event type; empty rate: no limit). */
export function endpointBody(fields: EndpointFields) {
  return {
    url: fields.url,
    description: fields.description,
    eventTypes: fields.eventTypes.length === 0 ? null : fields.eventTypes,
    throttleRate: fields.throttleRate === '' ? null : Number(fields.throttleRate),
  };
}

/** Creates an endpoint (no `endpoint`) or edits one. */
export function EndpointForm({
  appId,
  endpoint,
  onSaved,
}: {
  appId: string;
  endpoint?: Endpoint;
  onSaved: (endpoint: Endpoint) => void;
}) {
  const initial: EndpointFields = endpoint
    ? {
        url: endpoint.url,
        description: endpoint.description,
        eventTypes: endpoint.eventTypes ?? [],
        throttleRate: endpoint.throttleRate === null ? '' : String(endpoint.throttleRate),
      }
    : blankEndpoint;
  const [fields, setFields] = useState(initial);
  const [error, busy, run] = useAction();
  const set = (change: Partial<EndpointFields>) => setFields({ ...fields, ...change });
  const save = (event: Event) => {
    event.preventDefault();
    run(async () => {
      const base = `/api/v1/app/${seg(appId)}/endpoint`;
      const saved = endpoint
        ? await api('PATCH', `${base}/${seg(endpoint.id)}`, endpointBody(fields))
        : await post<Endpoint>(base, endpointBody(fields));
      if (!endpoint) setFields(blankEndpoint);
      onSaved(saved as Endpoint);
    });
  };
  const prefix = endpoint ? 'edit' : 'new';
  return (
    <form class="card" onSubmit={save} aria-label={endpoint ? 'Edit endpoint' : 'Add endpoint'}>
      <h3>{endpoint ? 'Edit endpoint' : 'Add an endpoint'}</h3>
      <label for={`${prefix}-url`}>Endpoint URL</label>
      <input
        id={`${prefix}-url`}
        type="url"
        placeholder="https://example.com/webhooks"
        value={fields.url}
        onInput={(e) => set({ url: e.currentTarget.value })}
        required
      />
      <label for={`${prefix}-description`}>Description</label>
      <input
        id={`${prefix}-description`}
        value={fields.description}
        onInput={(e) => set({ description: e.currentTarget.value })}
      />
      <EventTypePicker selected={fields.eventTypes} onChange={(eventTypes) => set({ eventTypes })} />
      <label for={`${prefix}-throttle`}>Throttle (messages per second, empty for no limit)</label>
      <input
        id={`${prefix}-throttle`}
        type="number"
        min={1}
        max={65535}
        value={fields.throttleRate}
        onInput={(e) => set({ throttleRate: e.currentTarget.value })}
      />
      <button type="submit" disabled={busy}>
        {endpoint ? 'Save endpoint' : 'Add endpoint'}
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

function EventTypePicker({ selected, onChange }: { selected: string[]; onChange: (names: string[]) => void }) {
  const types = useLoad(() => get<Page<EventType>>('/api/v1/event-type?limit=250'), 'event-types');
  const names = types.data?.data.map((t) => t.name) ?? [];
  const toggle = (name: string, on: boolean) => onChange(on ? [...selected, name] : selected.filter((n) => n !== name));
  return (
    <fieldset>
      <legend>Event types (none checked: all of them)</legend>
      {names.length === 0 && <p class="muted small">No event types are defined: the endpoint gets every message.</p>}
      {names.map((name) => (
        <label key={name} class="check">
          <input
            type="checkbox"
            checked={selected.includes(name)}
            onChange={(e) => toggle(name, e.currentTarget.checked)}
          />
          {name}
        </label>
      ))}
    </fieldset>
  );
}
