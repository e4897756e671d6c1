import { useState } from 'preact/hooks';
import { get, type Page, post } from '../api';
import { ErrorBox, Time, useAction, useLoad } from '../components';
import { Table } from '../table';
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
      <Table
        label="Applications"
        rows={apps.data?.data ?? null}
        rowKey={(app) => app.id}
        empty="No applications yet. Name one above, or create one with the API (POST /api/v1/app)."
        columns={[
          { header: 'Name', cell: (app) => <a href={`/apps/${app.id}`}>{app.name}</a> },
          { header: 'Id', cell: (app) => <code>{app.uid ?? app.id}</code> },
          { header: 'Created', cell: (app) => <Time iso={app.createdAt} /> },
        ]}
      />
    </section>
  );
}
