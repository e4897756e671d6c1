import { type JSX, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { del, get, setUnauthorizedHandler } from './api';
import { ErrorBox, Loading } from './components';
import { AppPage } from './pages/app';
import { AppsPage } from './pages/apps';
import { ConnectionPage, ConnectionsPage } from './pages/connections';
import { DeadLettersPage } from './pages/dead-letters';
import { DestinationPage, DestinationsPage } from './pages/destinations';
import { EndpointPage } from './pages/endpoint';
import { EventTypesPage } from './pages/event-types';
import { LoginPage } from './pages/login';
import { MessagePage } from './pages/message';
import { OverviewPage } from './pages/overview';
import { PortalApp } from './pages/portal';
import { SourcePage } from './pages/source';
import { SourcesPage } from './pages/sources';
import { match, navigate, onLinkClick, usePath } from './router';
import './styles.css';

const NAV = [
  ['/', 'Overview'],
  ['/apps', 'Applications'],
  ['/event-types', 'Event types'],
  ['/sources', 'Sources'],
  ['/destinations', 'Destinations'],
  ['/connections', 'Connections'],
  ['/dead-letters', 'Dead letters'],
] as const;

/** The views by path pattern; the first that matches renders. */
const ROUTES: [string, (p: Record<string, string>) => JSX.Element][] = [
  ['/', () => <OverviewPage />],
  ['/apps', () => <AppsPage />],
  ['/apps/:app', (p) => <AppPage appId={p.app} />],
  ['/apps/:app/endpoints/:endpoint', (p) => <EndpointPage appId={p.app} endpointId={p.endpoint} />],
  ['/apps/:app/messages/:message', (p) => <MessagePage appId={p.app} messageId={p.message} />],
  ['/event-types', () => <EventTypesPage />],
  ['/sources', () => <SourcesPage />],
  ['/sources/:source', (p) => <SourcePage sourceId={p.source} />],
  ['/destinations', () => <DestinationsPage />],
  ['/destinations/:destination', (p) => <DestinationPage destinationId={p.destination} />],
  ['/connections', () => <ConnectionsPage />],
  ['/connections/:connection', (p) => <ConnectionPage connectionId={p.connection} />],
  ['/dead-letters', () => <DeadLettersPage />],
];

function route(path: string) {
  for (const [pattern, view] of ROUTES) {
    const params = match(pattern, path);
    if (params !== null) return view(params);
  }
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is no page at <code>{path}</code>. <a href="/">Go to the overview</a>.
      </p>
    </section>
  );
}

function isCurrent(href: string, path: string): boolean {
  return href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`);
}

function Dashboard() {
  const path = usePath();
  const [session, setSession] = useState<'unknown' | 'in' | 'out'>('unknown');
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setUnauthorizedHandler(() => setSession('out'));
    get<{ loggedIn: boolean }>('/api/v1/session').then(
      (s) => setSession(s.loggedIn ? 'in' : 'out'),
      (e) => setError(e),
    );
  }, []);
  if (error) return <ErrorBox error={error} />;
  if (session === 'unknown') return <Loading />;
  if (session === 'out') return <LoginPage onLogin={() => setSession('in')} />;
  const logout = async () => {
    await del('/api/v1/session');
    setSession('out');
    navigate('/');
  };
  return (
    <div class="layout">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href="/">
          hookd
        </a>
        <nav aria-label="Main">
          {NAV.map(([href, label]) => (
            <a key={href} href={href} aria-current={isCurrent(href, path) ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <button type="button" class="secondary" onClick={logout}>
          Log out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {route(path)}
      </main>
    </div>
  );
}

function Root() {
  return location.pathname === '/portal' ? <PortalApp /> : <Dashboard />;
}

document.addEventListener('click', onLinkClick);
render(<Root />, document.getElementById('root')!);
