import { useEffect, useState } from 'preact/hooks';
import { indentJsonText, memberText } from '../../../src/core/json-text';
import { ApiError, apiText, get, type Page, patch, post, seg } from '../api';
import { ErrorBox, Status, useAction, useLoad } from '../components';
import { PlaceLink } from '../links';
import { Table } from '../table';
import type { Application, Endpoint, EventType, Message } from '../types';

/** How long the schema editor waits after a keystroke before asking the API. */
const CHECK_DELAY_MS = 300;

/**
 * Event types: the list, an editor for one (its description and JSON schemas by version,
 * checked by the API as one types), and "send example" to an endpoint. Schemas travel as text
 * both ways, so an example's numbers stay as written (`1.0`, `12345678901234567890`).
 */
export function EventTypesPage() {
  const types = useLoad(() => get<Page<EventType>>('/api/v1/event-type?limit=250&include_archived=true'), 'types');
  const [editing, setEditing] = useState<string | null>(null);
  const [example, setExample] = useState<string | null>(null);
  const [error, busy, run] = useAction();
  const archive = (type: EventType) =>
    run(async () => {
      await patch(`/api/v1/event-type/${seg(type.name)}`, { archived: !type.archived });
      types.reload();
    });
  return (
    <section>
      <h1>Event types</h1>
      <p class="muted">
        The kinds of message you send (<code>invoice.paid</code>). Endpoints subscribe to them; their schemas document
        the payload, and their examples can be sent to an endpoint to try it.
      </p>
      <ErrorBox error={error ?? types.error} />
      <Table
        label="Event types"
        rows={types.data?.data ?? null}
        rowKey={(type) => type.name}
        empty="No event types yet. Create one below: messages can be sent without one, but endpoints pick from them."
        columns={[
          { header: 'Name', cell: (type) => <code>{type.name}</code> },
          { header: 'Description', cell: (type) => type.description || <span class="muted">—</span> },
          {
            header: 'State',
            cell: (type) =>
              type.archived ? (
                <Status value="archived" />
              ) : type.deprecated ? (
                <Status value="deprecated" />
              ) : (
                <Status value="active" />
              ),
          },
          {
            header: 'Actions',
            hidden: true,
            cell: (type) => (
              <div class="actions">
                <button type="button" class="secondary" onClick={() => setEditing(type.name)}>
                  Edit <span class="visually-hidden">{type.name}</span>
                </button>
                <button type="button" class="secondary" onClick={() => setExample(type.name)}>
                  Send example <span class="visually-hidden">of {type.name}</span>
                </button>
                <button type="button" class="secondary" onClick={() => archive(type)} disabled={busy}>
                  {type.archived ? 'Unarchive' : 'Archive'} <span class="visually-hidden">{type.name}</span>
                </button>
              </div>
            ),
          },
        ]}
      />
      {example !== null && <SendExample key={example} name={example} onClose={() => setExample(null)} />}
      <EventTypeEditor
        key={editing ?? ''}
        name={editing}
        onSaved={() => {
          setEditing(null);
          types.reload();
        }}
        onCancel={() => setEditing(null)}
      />
    </section>
  );
}

/** The editor's check of the schemas text: local JSON syntax first, then the API's own check. */
type Verdict = { valid: true; empty?: boolean } | { valid: false; detail: string } | null;

function useSchemasCheck(text: string): Verdict {
  const [verdict, setVerdict] = useState<Verdict>(null);
  useEffect(() => {
    if (text.trim() === '') {
      setVerdict({ valid: true, empty: true });
      return;
    }
    try {
      JSON.parse(text);
    } catch (e) {
      setVerdict({ valid: false, detail: `Not JSON: ${(e as Error).message}` });
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      apiText('POST', '/api/v1/event-type/check', `{"schemas":${text}}`).then(
        (answer) => {
          const { valid, detail } = JSON.parse(answer) as { valid: boolean; detail: string | null };
          if (live) setVerdict(valid ? { valid } : { valid, detail: `The API says: ${detail}` });
        },
        (e) => live && setVerdict({ valid: false, detail: e instanceof ApiError ? e.message : String(e) }),
      );
    }, CHECK_DELAY_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [text]);
  return verdict;
}

const SCHEMAS_PLACEHOLDER = '{"1": {"type": "object", "examples": [{"id": "inv_1", "amount": 4200}]}}';

/** Creates an event type (`name` null) or edits one: description and schemas, sent as text. */
function EventTypeEditor({
  name,
  onSaved,
  onCancel,
}: {
  name: string | null;
  onSaved: () => void;
  onCancel: () => void;
}) {
  const [fields, setFields] = useState({ name: name ?? '', description: '', schemas: '' });
  const [loadError, setLoadError] = useState<unknown>(null);
  useEffect(() => {
    if (name === null) return;
    apiText('GET', `/api/v1/event-type/${seg(name)}`).then((text) => {
      const type = JSON.parse(text) as EventType;
      const schemas = memberText(text, 'schemas') ?? 'null';
      setFields({ name, description: type.description, schemas: schemas === 'null' ? '' : indentJsonText(schemas) });
    }, setLoadError);
  }, [name]);
  const verdict = useSchemasCheck(fields.schemas);
  const [error, busy, run] = useAction();
  const save = (event: Event) => {
    event.preventDefault();
    run(async () => {
      const schemas = fields.schemas.trim() === '' ? 'null' : fields.schemas;
      const description = JSON.stringify(fields.description);
      if (name === null) {
        await apiText(
          'POST',
          '/api/v1/event-type',
          `{"name":${JSON.stringify(fields.name)},"description":${description},"schemas":${schemas}}`,
        );
      } else {
        await apiText(
          'PATCH',
          `/api/v1/event-type/${seg(name)}`,
          `{"description":${description},"schemas":${schemas}}`,
        );
      }
      if (name === null) setFields({ name: '', description: '', schemas: '' });
      onSaved();
    });
  };
  const heading = name === null ? 'New event type' : `Edit ${name}`;
  return (
    <form class="card" onSubmit={save} aria-label={heading}>
      <h2>{heading}</h2>
      <ErrorBox error={loadError} />
      <label for="event-type-name">Name</label>
      <input
        id="event-type-name"
        value={fields.name}
        placeholder="e.g. invoice.paid"
        readOnly={name !== null}
        required
        onInput={(e) => setFields({ ...fields, name: e.currentTarget.value })}
      />
      <label for="event-type-description">Description</label>
      <input
        id="event-type-description"
        value={fields.description}
        onInput={(e) => setFields({ ...fields, description: e.currentTarget.value })}
      />
      <label for="event-type-schemas">Schemas (JSON: a JSON Schema per version, with examples; empty for none)</label>
      <textarea
        id="event-type-schemas"
        rows={10}
        spellcheck={false}
        placeholder={SCHEMAS_PLACEHOLDER}
        value={fields.schemas}
        aria-describedby="event-type-schemas-check"
        aria-invalid={verdict?.valid === false}
        onInput={(e) => setFields({ ...fields, schemas: e.currentTarget.value })}
      />
      <p id="event-type-schemas-check" class={verdict?.valid === false ? 'error' : 'muted small'} aria-live="polite">
        {verdict === null
          ? 'Checking…'
          : !verdict.valid
            ? verdict.detail
            : verdict.empty
              ? 'No schemas: they are optional.'
              : 'The API accepts these schemas.'}
      </p>
      <div class="actions">
        <button type="submit" disabled={busy || verdict?.valid === false}>
          {name === null ? 'Create event type' : 'Save event type'}
        </button>
        {name !== null && (
          <button type="button" class="secondary" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
      <ErrorBox error={error} />
    </form>
  );
}

/** Sends example `index` of the event type to an endpoint picked by application, then links the message. */
function SendExample({ name, onClose }: { name: string; onClose: () => void }) {
  const apps = useLoad(() => get<Page<Application>>('/api/v1/app?limit=250'), 'apps');
  const [appId, setAppId] = useState('');
  const endpoints = useLoad(
    async () => (appId ? get<Page<Endpoint>>(`/api/v1/app/${seg(appId)}/endpoint?limit=250`) : null),
    appId,
  );
  const [endpointId, setEndpointId] = useState('');
  const [index, setIndex] = useState('0');
  const [sent, setSent] = useState<Message | null>(null);
  const [error, busy, run] = useAction();
  const send = (event: Event) => {
    event.preventDefault();
    run(async () => {
      const path = `/api/v1/app/${seg(appId)}/endpoint/${seg(endpointId)}/send-example`;
      setSent(await post<Message>(path, { eventType: name, exampleIndex: Number(index) }));
    });
  };
  return (
    <form class="card" onSubmit={send} aria-label={`Send an example of ${name}`}>
      <h2>
        Send an example of <code>{name}</code>
      </h2>
      <label for="example-app">Application</label>
      <select id="example-app" value={appId} required onChange={(e) => setAppId(e.currentTarget.value)}>
        <option value="">Choose an application</option>
        {apps.data?.data.map((app) => (
          <option key={app.id} value={app.id}>
            {app.name}
          </option>
        ))}
      </select>
      <label for="example-endpoint">Endpoint</label>
      <select id="example-endpoint" value={endpointId} required onChange={(e) => setEndpointId(e.currentTarget.value)}>
        <option value="">{appId ? 'Choose an endpoint' : 'Choose an application first'}</option>
        {endpoints.data?.data.map((endpoint) => (
          <option key={endpoint.id} value={endpoint.id}>
            {endpoint.url}
          </option>
        ))}
      </select>
      <label for="example-index">Example (index in the latest schema version's examples)</label>
      <input id="example-index" type="number" min={0} value={index} onInput={(e) => setIndex(e.currentTarget.value)} />
      <div class="actions">
        <button type="submit" disabled={busy}>
          Send example
        </button>
        <button type="button" class="secondary" onClick={onClose}>
          Close
        </button>
      </div>
      <ErrorBox error={error ?? apps.error ?? endpoints.error} />
      {sent && (
        <p aria-live="polite">
          Sent as{' '}
          <PlaceLink to={{ kind: 'message', appId, messageId: sent.id }}>
            <code>{sent.id}</code>
          </PlaceLink>
          .
        </p>
      )}
    </form>
  );
}
