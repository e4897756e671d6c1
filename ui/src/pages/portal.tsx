import { useMemo, useState } from 'preact/hooks';
import { get, useBearerToken } from '../api';
import { ErrorBox, Loading, useLoad } from '../components';
import { type Navigator, NavigatorContext, type Place } from '../links';
import type { Application } from '../types';
import { MessageList } from './app';
import { EndpointPage } from './endpoint';
import { EndpointList } from './endpoint-list';
import { MessagePage } from './message';

/**
 * The app portal: one application's customer manages their endpoints (add, edit, disable, event
 * types, secret, headers, recovery) and sees their messages, each message's attempts (resend). The link's fragment
 * (`#key=appsk_…&app=app_…`, never sent to a server) holds a token that reaches only that application;
 * it is kept in memory and sent as a bearer token, so the portal works in a third-party iframe
 * (where SameSite cookies are not sent). `theme=dark` and `accent=RRGGBB` in the fragment follow
 * the embedding page's colours.
 */
export function PortalApp() {
  const params = useMemo(() => new URLSearchParams(location.hash.slice(1)), []);
  const key = params.get('key');
  useMemo(() => {
    useBearerToken(key);
    applyTheme(params);
  }, [key, params]);
  if (!key)
    return (
      <main id="main" class="portal">
        <p class="error" role="alert">
          This portal link has no key. Ask for a new link.
        </p>
      </main>
    );
  return <PortalHome appId={params.get('app') ?? ''} />;
}

function PortalHome({ appId }: { appId: string }) {
  const [place, setPlace] = useState<Place | null>(null);
  const navigator: Navigator = useMemo(() => ({ href: () => null, go: setPlace }), []);
  const app = useLoad(() => get<Application>(`/api/v1/app/${encodeURIComponent(appId)}`), appId);
  if (app.error) return <ErrorBox error={app.error} />;
  if (app.data === null) return <Loading />;
  return (
    <NavigatorContext.Provider value={navigator}>
      <main id="main" class="portal">
        <header class="portal-head">
          <h1>{app.data.name}: webhooks</h1>
          {place !== null && (
            <button type="button" class="secondary" onClick={() => setPlace(null)}>
              Endpoints and messages
            </button>
          )}
        </header>
        {place === null || place.kind === 'app' ? (
          <>
            <EndpointList appId={app.data.id} />
            <MessageList appId={app.data.id} />
          </>
        ) : place.kind === 'endpoint' ? (
          <EndpointPage appId={app.data.id} endpointId={place.endpointId} />
        ) : (
          <MessagePage appId={app.data.id} messageId={place.messageId} />
        )}
      </main>
    </NavigatorContext.Provider>
  );
}

const HEX_COLOUR = /^[0-9a-f]{6}$/i;

function applyTheme(params: URLSearchParams): void {
  const root = document.documentElement;
  if (params.get('theme') === 'dark') root.dataset.theme = 'dark';
  const accent = params.get('accent');
  if (accent && HEX_COLOUR.test(accent)) root.style.setProperty('--accent', `#${accent}`);
}
