import type { ComponentChildren } from 'preact';
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

/** A place on the send side. The dashboard makes it a URL; the app portal a view of its one page. */
export type Place =
  | { kind: 'app'; appId: string }
  | { kind: 'endpoint'; appId: string; endpointId: string }
  | { kind: 'message'; appId: string; messageId: string };

export interface Navigator {
  href: (place: Place) => string | null;
  go: (place: Place) => void;
}

export function dashboardHref(place: Place): string {
  const app = `/apps/${encodeURIComponent(place.appId)}`;
  if (place.kind === 'endpoint') return `${app}/endpoints/${encodeURIComponent(place.endpointId)}`;
  if (place.kind === 'message') return `${app}/messages/${encodeURIComponent(place.messageId)}`;
  return app;
}

export const NavigatorContext = createContext<Navigator>({ href: dashboardHref, go: () => {} });

/** A link to a place: a real link in the dashboard, an in-page switch in the portal. */
export function PlaceLink({ to, children }: { to: Place; children: ComponentChildren }) {
  const navigator = useContext(NavigatorContext);
  const href = navigator.href(to);
  if (href !== null) return <a href={href}>{children}</a>;
  return (
    <button type="button" class="link" onClick={() => navigator.go(to)}>
      {children}
    </button>
  );
}
