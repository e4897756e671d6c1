import { useState } from 'preact/hooks';
import { get, type Page, post } from '../api';
import { Empty, ErrorBox, Loading, Time, useAction, useLoad } from '../components';
import { navigate } from '../router';
import type { Application } from '../types';

export function AppsPage() {
  const apps = useLoad(() => get<Page<Application>>('/api/v1/app?limit=250'), 'apps');
  const [name, setName] = useState('');
  const [error, busy, run] = useAction();
  const create = (event: Event) => {
    event.preventDefault();
    run(async () => {
      const app = await post<Application>('/api/v1/app', { name });
      navigate(`/apps/${app.id}`);
    });
  };
  return (
    <section>
      <h1>Applications</h1>
      <p class="muted">An application is one of your customers: it has endpoints, and the messages sent to it.</p>
      <form class="row card" onSubmit={create}>
        <label for="app-name">New application name</label>
        <input id="app-name" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
        <button type="submit" disabled={busy}>
          Create application
        </button>
      </form>
      <ErrorBox error={error ?? apps.error} />
      {apps.data === null ? (
        <Loading />
      ) : apps.data.data.length === 0 ? (
        <Empty>No applications yet. Name one above, or create one with the API (POST /api/v1/app).</Empty>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Id</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {apps.data.data.map((app) => (
                <tr key={app.id}>
                  <td>
                    <a href={`/apps/${app.id}`}>{app.name}</a>
                  </td>
                  <td>
                    <code>{app.uid ?? app.id}</code>
                  </td>
                  <td>
                    <Time iso={app.createdAt} />
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
