import { useEffect, useState } from 'preact/hooks';
import { get, type Page, patch, post, seg } from '../api';
import { Empty, ErrorBox, Loading, Status, Time, useLoad } from '../components';
import type { Connection, ConnectionCheck, Destination, Source } from '../types';
import '../receive.css';
import { navigate } from '../router';
import { type Column, Table } from '../table';
import { DeleteButton, ResourceHeading, SettingsForm } from './resource-parts';

/** How long typing pauses before the editors ask the API to check what was typed. */
const CHECK_DEBOUNCE_MS = 300;

const TRANSFORM_EXAMPLE = `function transform(request) {
  // request: {method, path, query, headers, body}; return it (changed), or null to drop the event.
  return request;
}`;

/** The sources and destinations, to name them and to pick from. */
function useEnds() {
  return useLoad(
    () =>
      Promise.all([
        get<Page<Source>>('/api/v1/source?limit=250'),
        get<Page<Destination>>('/api/v1/destination?limit=250'),
      ]).then(([sources, destinations]) => ({ sources: sources.data, destinations: destinations.data })),
    'ends',
  );
}

/** The name of the source or destination `id` in `list`; its id while the list loads, or when it has no name. */
export const nameOf = (list: { id: string; name: string }[] | undefined, id: string) =>
  list?.find((item) => item.id === id)?.name || id;

/** A list's column naming a connection (a link to it) and saying whether it is disabled. */
export const connectionColumn: Column<Connection> = {
  header: 'Connection',
  cell: (c) => (
    <>
      <a href={`/connections/${c.id}`}>{c.name || c.id}</a>
      {c.disabled && <Status value="disabled" />}
    </>
  ),
};

/** Connections (source → destination, with a filter and a transform), optionally of one source or destination. */
export function ConnectionsPage() {
  const query = new URLSearchParams(location.search);
  const source = query.get('source');
  const destination = query.get('destination');
  const filter = new URLSearchParams({
    limit: '250',
    ...(source ? { source } : {}),
    ...(destination ? { destination } : {}),
  });
  const connections = useLoad(() => get<Page<Connection>>(`/api/v1/connection?${filter}`), filter.toString());
  const ends = useEnds();
  return (
    <section>
      <h1>Connections</h1>
      <p class="muted">
        A connection routes the requests of a <a href="/sources">source</a> to a <a href="/destinations">destination</a>
        : only those its filter matches, rewritten by its transform.
        {(source || destination) && (
          <>
            {' '}
            Showing those of one {source ? 'source' : 'destination'}: <a href="/connections">show all</a>.
          </>
        )}
      </p>
      <ErrorBox error={connections.error ?? ends.error} />
      <Table
        label="Connections"
        rows={connections.data?.data ?? null}
        rowKey={(c) => c.id}
        empty="No connections yet. Pick a source and a destination below to route requests."
        columns={[
          connectionColumn,
          {
            header: 'Source → destination',
            cell: (c) => (
              <>
                <a href={`/sources/${c.sourceId}`}>{nameOf(ends.data?.sources, c.sourceId)}</a> →{' '}
                <a href={`/destinations/${c.destinationId}`}>{nameOf(ends.data?.destinations, c.destinationId)}</a>
              </>
            ),
          },
          {
            header: 'Filter / transform',
            cell: (c) => `${c.filter ? 'filter' : 'no filter'} · ${c.transform ? 'transform' : 'no transform'}`,
          },
          { header: 'Created', cell: (c) => <Time iso={c.createdAt} /> },
        ]}
      />
      {ends.data && (
        <ConnectionForm
          heading="New connection"
          submitLabel="Create connection"
          ends={ends.data}
          initial={{ sourceId: source ?? '', destinationId: destination ?? '' }}
          onSubmit={async (fields) => {
            const created = await post<Connection>('/api/v1/connection', fields);
            navigate(`/connections/${created.id}`);
          }}
        />
      )}
    </section>
  );
}

/** One connection: its route, filter and transform, editable, and a delete. */
export function ConnectionPage({ connectionId }: { connectionId: string }) {
  const connection = useLoad(() => get<Connection>(`/api/v1/connection/${seg(connectionId)}`), connectionId);
  const ends = useEnds();
  const [saved, setSaved] = useState(false);
  if (connection.error || ends.error) return <ErrorBox error={connection.error ?? ends.error} />;
  if (connection.data === null || ends.data === null) return <Loading />;
  const c = connection.data;
  return (
    <section>
      <ResourceHeading
        list={['/connections', 'Connections']}
        title={c.name || c.id}
        id={c.id}
        createdAt={c.createdAt}
      />
      <ConnectionForm
        key={c.updatedAt}
        heading="Settings"
        submitLabel="Save connection"
        ends={ends.data}
        initial={c}
        onSubmit={async (fields) => {
          connection.setData(await patch<Connection>(`/api/v1/connection/${seg(c.id)}`, fields));
          setSaved(true);
        }}
        onChange={() => setSaved(false)}
        status={saved ? 'Saved.' : null}
      />
      <DeleteButton
        label="Delete connection"
        question={`Delete ${c.name || c.id}? Its events stay.`}
        path={`/api/v1/connection/${seg(c.id)}`}
        back="/connections"
      />
    </section>
  );
}

interface ConnectionFormProps {
  heading: string;
  submitLabel: string;
  ends: { sources: Source[]; destinations: Destination[] };
  initial: Partial<Connection>;
  onSubmit: (fields: Record<string, unknown>) => Promise<void>;
  onChange?: () => void;
  status?: string | null;
}

function ConnectionForm({ heading, submitLabel, ends, initial, onSubmit, onChange, status }: ConnectionFormProps) {
  const [name, setName] = useState(initial.name ?? '');
  const [sourceId, setSourceId] = useState(initial.sourceId || ends.sources[0]?.id || '');
  const [destinationId, setDestinationId] = useState(initial.destinationId || ends.destinations[0]?.id || '');
  const [filter, setFilter] = useState(initial.filter ? JSON.stringify(initial.filter, null, 2) : '');
  const [transform, setTransform] = useState(initial.transform ?? '');
  const [disabled, setDisabled] = useState(initial.disabled ?? false);
  const changed =
    <T,>(set: (value: T) => void) =>
    (value: T) => {
      onChange?.();
      set(value);
    };
  if (ends.sources.length === 0 || ends.destinations.length === 0)
    return (
      <Empty>
        A connection needs a source and a destination: create a{' '}
        {ends.sources.length === 0 ? <a href="/sources">source</a> : <a href="/destinations">destination</a>} first.
      </Empty>
    );
  const submit = async () => {
    const parsedFilter = filter.trim() === '' ? null : parseFilter(filter);
    if (parsedFilter instanceof Error) throw parsedFilter;
    await onSubmit({
      name,
      source: sourceId,
      destination: destinationId,
      filter: parsedFilter,
      transform: transform.trim() === '' ? null : transform,
      disabled,
    });
  };
  return (
    <SettingsForm
      id={initial.id ? 'edit-connection' : 'new-connection'}
      heading={heading}
      submitLabel={submitLabel}
      status={status}
      submit={submit}
    >
      <div class="grid">
        <label>
          Name
          <input value={name} onInput={(e) => changed(setName)(e.currentTarget.value)} />
        </label>
        <label>
          Source
          <select value={sourceId} onChange={(e) => changed(setSourceId)(e.currentTarget.value)}>
            {ends.sources.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Destination
          <select value={destinationId} onChange={(e) => changed(setDestinationId)(e.currentTarget.value)}>
            {ends.destinations.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name || d.url}
              </option>
            ))}
          </select>
        </label>
      </div>
      <CheckedEditor
        field="filter"
        label="Filter (JSON; empty: every request)"
        hint='e.g. {"body": {"type": {"$eq": "invoice.paid"}}, "headers": {"x-shop": "acme"}}'
        value={filter}
        onInput={changed(setFilter)}
      />
      <CheckedEditor
        field="transform"
        label="Transform (JavaScript; empty: forward as received)"
        hint={TRANSFORM_EXAMPLE}
        value={transform}
        onInput={changed(setTransform)}
      />
      <label class="check">
        <input type="checkbox" checked={disabled} onChange={(e) => changed(setDisabled)(e.currentTarget.checked)} />
        Disabled (routes nothing)
      </label>
    </SettingsForm>
  );
}

/** The filter text as JSON, or why it is not JSON (a filter is an object). */
function parseFilter(text: string): Record<string, unknown> | Error {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    return new Error('filter must be a JSON object');
  } catch (e) {
    return new Error(`filter is not JSON: ${(e as Error).message}`);
  }
}

type Verdict = { state: 'empty' | 'checking' | 'valid' } | { state: 'invalid'; detail: string };

/**
 * A filter or transform editor that asks the API (`POST /api/v1/connection/check`) whether what
 * was typed is valid, once typing pauses, and shows the API's words.
 */
function CheckedEditor(props: {
  field: 'filter' | 'transform';
  label: string;
  hint: string;
  value: string;
  onInput: (value: string) => void;
}) {
  const { field, value } = props;
  const verdict = useCheck(field, value);
  const hintId = `${field}-hint`;
  const verdictId = `${field}-verdict`;
  return (
    <div class="editor">
      <label>
        {props.label}
        <textarea
          rows={field === 'transform' ? 8 : 4}
          class="code"
          spellcheck={false}
          value={value}
          placeholder={props.hint}
          aria-describedby={`${hintId} ${verdictId}`}
          aria-invalid={verdict.state === 'invalid'}
          onInput={(e) => props.onInput(e.currentTarget.value)}
        />
      </label>
      <p id={hintId} class="visually-hidden">
        {props.hint}
      </p>
      <p id={verdictId} class={`verdict verdict-${verdict.state}`} aria-live="polite" data-testid={`${field}-verdict`}>
        {verdict.state === 'checking'
          ? 'Checking…'
          : verdict.state === 'valid'
            ? `Valid ${field}.`
            : verdict.state === 'invalid'
              ? verdict.detail
              : ''}
      </p>
    </div>
  );
}

function useCheck(field: 'filter' | 'transform', text: string): Verdict {
  const [verdict, setVerdict] = useState<Verdict>({ state: 'empty' });
  useEffect(() => {
    if (text.trim() === '') {
      setVerdict({ state: 'empty' });
      return;
    }
    let live = true;
    setVerdict({ state: 'checking' });
    const timer = setTimeout(async () => {
      const value = field === 'filter' ? parseFilter(text) : text;
      if (value instanceof Error) {
        if (live) setVerdict({ state: 'invalid', detail: value.message });
        return;
      }
      try {
        const answer = (await post<ConnectionCheck>('/api/v1/connection/check', { [field]: value }))[field];
        if (live && answer)
          setVerdict(answer.valid ? { state: 'valid' } : { state: 'invalid', detail: answer.detail ?? '' });
      } catch (e) {
        if (live) setVerdict({ state: 'invalid', detail: (e as Error).message });
      }
    }, CHECK_DEBOUNCE_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [field, text]);
  return verdict;
}
