import { get, type Page, post } from '../api';
import { CopyButton, Empty, ErrorBox, Loading, Time, useAction, useLoad } from '../components';
import { navigate } from '../router';
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
      {sources.data === null ? (
        <Loading />
      ) : sources.data.data.length === 0 ? (
        <Empty>
          No sources yet. Click <strong>New capture URL</strong> and send a request to it, or create a source with the
          API (<code>POST /api/v1/source</code>).
        </Empty>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">URL</th>
                <th scope="col">Verification</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {sources.data.data.map((source) => (
                <tr key={source.id}>
                  <td>
                    <a href={`/sources/${source.id}`}>{source.name}</a>
                    {source.disabled && <span class="status status-fail">disabled</span>}
                  </td>
                  <td class="url">
                    <code>{source.url}</code> <CopyButton text={source.url} label="Copy URL" />
                  </td>
                  <td>{source.verification.type}</td>
                  <td>
                    <Time iso={source.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
