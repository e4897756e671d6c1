import { get, type Page, post } from '../api';
import { CopyButton, ErrorBox, Status, Time, useAction, useLoad } from '../components';
import { navigate } from '../router';
import { Table } from '../table';
import type { Source } from '../types';

/** A capture URL: a source with no verification and no connection; its requests are kept to inspect. */
export async function newCaptureUrl(): Promise<void> {
  const name = `Capture ${new Date().toLocaleString()}`;
  const source = await post<Source>('/api/v1/source', { name, verification: { type: 'none' } });
  navigate(`/sources/${source.id}`);
}

export function SourcesPage() {
  const sources = useLoad(() => get<Page<Source>>('/api/v1/source?limit=250'), 'sources');
  const [error, busy, run] = useAction();
  return (
    <section>
      <div class="heading">
        <h1>Sources</h1>
        <button type="button" onClick={() => run(newCaptureUrl)} disabled={busy}>
          New capture URL
        </button>
      </div>
      <p class="muted">
        Providers send webhooks to a source's URL. A source with no verification and no connection is a capture URL:
        every request to it is kept here to inspect.
      </p>
      <ErrorBox error={error ?? sources.error} />
      <Table
        label="Sources"
        rows={sources.data?.data ?? null}
        rowKey={(source) => source.id}
        empty={
          <>
            No sources yet. Click <strong>New capture URL</strong> and send a request to it, or create a source with the
            API (<code>POST /api/v1/source</code>).
          </>
        }
        columns={[
          {
            header: 'Name',
            cell: (source) => (
              <>
                <a href={`/sources/${source.id}`}>{source.name}</a>
                {source.disabled && <Status value="disabled" />}
              </>
            ),
          },
          {
            header: 'URL',
            class: 'url',
            cell: (source) => (
              <>
                <code>{source.url}</code> <CopyButton text={source.url} label="Copy URL" />
              </>
            ),
          },
          { header: 'Verification', cell: (source) => source.verification.type },
          { header: 'Created', cell: (source) => <Time iso={source.createdAt} /> },
        ]}
      />
    </section>
  );
}
