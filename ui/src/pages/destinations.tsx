import { useState } from 'preact/hooks';
import { get, type Page, patch, post, seg } from '../api';
import { ErrorBox, Loading, Status, Time, useLoad } from '../components';
import type { Destination } from '../types';
import '../receive.css';
import { navigate } from '../router';
import { Table } from '../table';
import { DeleteButton, ResourceHeading, SettingsForm } from './resource-parts';

/** Where received requests are forwarded: the list, and a form for a new one. */
export function DestinationsPage() {
  const destinations = useLoad(() => get<Page<Destination>>('/api/v1/destination?limit=250'), 'destinations');
  return (
    <section>
      <h1>Destinations</h1>
      <p class="muted">
        A destination is a service that received requests are forwarded to, byte for byte, with retries. A{' '}
        <a href="/connections">connection</a> routes a source's requests to it.
      </p>
      <ErrorBox error={destinations.error} />
      <Table
        label="Destinations"
        rows={destinations.data?.data ?? null}
        rowKey={(d) => d.id}
        empty="No destinations yet. Add one below with the URL of the service that should get the requests."
        columns={[
          {
            header: 'Name',
            cell: (d) => (
              <>
                <a href={`/destinations/${d.id}`}>{d.name || d.uid || d.id}</a>
                {d.disabled && <Status value="disabled" />}
              </>
            ),
          },
          {
            header: 'URL',
            class: 'url',
            cell: (d) => <code>{d.kind === 'cli' ? `hookd listen → ${d.url}` : d.url}</code>,
          },
          { header: 'Created', cell: (d) => <Time iso={d.createdAt} /> },
        ]}
      />
      <DestinationForm
        heading="New destination"
        submitLabel="Create destination"
        onSubmit={async (fields) => {
          const created = await post<Destination>('/api/v1/destination', fields);
          navigate(`/destinations/${created.id}`);
        }}
      />
    </section>
  );
}

/** One destination: its settings, editable, and a delete. */
export function DestinationPage({ destinationId }: { destinationId: string }) {
  const destination = useLoad(() => get<Destination>(`/api/v1/destination/${seg(destinationId)}`), destinationId);
  const [saved, setSaved] = useState(false);
  if (destination.error) return <ErrorBox error={destination.error} />;
  if (destination.data === null) return <Loading />;
  const d = destination.data;
  return (
    <section>
      <ResourceHeading
        list={['/destinations', 'Destinations']}
        title={d.name || d.id}
        id={d.id}
        createdAt={d.createdAt}
      >
        {' '}
        · <a href={`/connections?destination=${d.id}`}>its connections</a>
      </ResourceHeading>
      <DestinationForm
        key={d.updatedAt}
        heading="Settings"
        submitLabel="Save destination"
        initial={d}
        onSubmit={async (fields) => {
          destination.setData(await patch<Destination>(`/api/v1/destination/${seg(d.id)}`, fields));
          setSaved(true);
        }}
        onChange={() => setSaved(false)}
        status={saved ? 'Saved.' : null}
      />
      <DeleteButton
        label="Delete destination"
        question={`Delete ${d.name || d.id}, its connections and its events?`}
        path={`/api/v1/destination/${seg(d.id)}`}
        back="/destinations"
      />
    </section>
  );
}

interface DestinationFormProps {
  heading: string;
  submitLabel: string;
  initial?: Destination;
  onSubmit: (fields: Record<string, unknown>) => Promise<void>;
  onChange?: () => void;
  status?: string | null;
}

/** The form's text fields; turned into the API's body on submit, which the API validates. */
interface Draft {
  name: string;
  url: string;
  headers: string;
  username: string;
  password: string;
  throttleRate: string;
  retrySchedule: string;
  timeoutMs: string;
  secret: string;
  disabled: boolean;
}

function toDraft(d?: Destination): Draft {
  return {
    name: d?.name ?? '',
    url: d?.url ?? '',
    headers: Object.entries(d?.headers ?? {})
      .map(([name, value]) => `${name}: ${value}`)
      .join('\n'),
    username: d?.basicAuth?.username ?? '',
    password: d?.basicAuth?.password ?? '',
    throttleRate: d?.throttleRate?.toString() ?? '',
    retrySchedule: d?.retrySchedule?.join(', ') ?? '',
    timeoutMs: d?.timeoutMs?.toString() ?? '',
    secret: d?.secret ?? '',
    disabled: d?.disabled ?? false,
  };
}

/** A number typed in a field; anything else is sent as typed, for the API to name the problem. */
const numberOrText = (text: string): number | string => (/^-?\d+$/.test(text.trim()) ? Number(text) : text.trim());
const optionalNumber = (text: string) => (text.trim() === '' ? null : numberOrText(text));

/** `Name: value` lines → a header object; a line without a colon is sent as a name the API refuses. */
function parseHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (colon === -1) headers[line.trim()] = '';
    else headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return headers;
}

function toBody(draft: Draft): Record<string, unknown> {
  return {
    name: draft.name,
    url: draft.url,
    headers: parseHeaders(draft.headers),
    basicAuth: draft.username === '' ? null : { username: draft.username, password: draft.password },
    throttleRate: optionalNumber(draft.throttleRate),
    retrySchedule:
      draft.retrySchedule.trim() === ''
        ? null
        : draft.retrySchedule
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== '')
            .map(numberOrText),
    timeoutMs: optionalNumber(draft.timeoutMs),
    secret: draft.secret.trim() === '' ? null : draft.secret.trim(),
    disabled: draft.disabled,
  };
}

function DestinationForm({ heading, submitLabel, initial, onSubmit, onChange, status }: DestinationFormProps) {
  const [draft, setDraft] = useState<Draft>(() => toDraft(initial));
  const set = (change: Partial<Draft>) => {
    onChange?.();
    setDraft({ ...draft, ...change });
  };
  const text = (key: keyof Omit<Draft, 'disabled'>) => ({
    value: draft[key],
    onInput: (e: { currentTarget: HTMLInputElement | HTMLTextAreaElement }) => set({ [key]: e.currentTarget.value }),
  });
  return (
    <SettingsForm
      id={initial ? 'edit-destination' : 'new-destination'}
      heading={heading}
      submitLabel={submitLabel}
      status={status}
      submit={() => onSubmit(toBody(draft))}
    >
      <div class="grid">
        <label>
          Name
          <input {...text('name')} />
        </label>
        <label>
          Destination URL
          <input {...text('url')} required placeholder="https://api.example.com/webhooks" inputMode="url" />
        </label>
      </div>
      <label>
        Headers (one <code>Name: value</code> per line)
        <textarea rows={3} {...text('headers')} />
      </label>
      <fieldset>
        <legend>Basic auth</legend>
        <div class="grid">
          <label>
            User name
            <input {...text('username')} autoComplete="off" />
          </label>
          <label>
            Password
            <input type="password" {...text('password')} autoComplete="new-password" />
          </label>
        </div>
      </fieldset>
      <div class="grid">
        <label>
          Throttle (requests per second, empty: no limit)
          <input {...text('throttleRate')} inputMode="numeric" />
        </label>
        <label>
          Retry schedule (seconds, comma-separated; empty: the server's)
          <input {...text('retrySchedule')} placeholder="0, 5, 300, 1800" />
        </label>
        <label>
          Timeout (ms, empty: the server's)
          <input {...text('timeoutMs')} inputMode="numeric" />
        </label>
        <label>
          Re-signing secret (whsec_…, empty: none)
          <input {...text('secret')} autoComplete="off" spellcheck={false} />
        </label>
      </div>
      <label class="check">
        <input type="checkbox" checked={draft.disabled} onChange={(e) => set({ disabled: e.currentTarget.checked })} />
        Disabled (its events are canceled)
      </label>
    </SettingsForm>
  );
}
