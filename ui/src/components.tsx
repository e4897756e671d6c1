import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError } from './api';
import { localTime, relativeTime } from './time';

/** A time as "3 minutes ago" with the local date and time beside it (and in the tooltip). */
export function Time({ iso }: { iso: string | null }) {
  if (iso === null) return <span class="muted">—</span>;
  return (
    <time dateTime={iso} title={localTime(iso)}>
      {relativeTime(iso)} <span class="muted small">({localTime(iso)})</span>
    </time>
  );
}

/** An API error as the API words it. */
export function ErrorBox({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  const text = error instanceof ApiError ? `${error.message} (${error.code})` : String(error);
  return (
    <p class="error" role="alert">
      {text}
    </p>
  );
}

/** An empty list: what it is and what to do next. */
export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>;
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [done, setDone] = useState(false);
  const copy = async () => {
    await navigator.clipboard.writeText(text);
    setDone(true);
    setTimeout(() => setDone(false), 1500);
  };
  return (
    <button type="button" class="secondary" onClick={copy}>
      {done ? 'Copied' : label}
    </button>
  );
}

export interface Loaded<T> {
  data: T | null;
  error: unknown;
  reload: () => void;
  setData: (data: T) => void;
}

/** Loads `load()` when `key` changes; `reload` loads again. */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    load().then(
      (value) => {
        if (!live) return;
        setData(value);
        setError(null);
      },
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [key, round]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  return { data, error, reload, setData };
}

/** Runs an action, showing its error (as worded by the API) until the next run. */
export function useAction(): [unknown, boolean, (run: () => Promise<unknown>) => Promise<void>] {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return [error, busy, run];
}

/** A section's heading with a Refresh button beside it (the lists that do not update by themselves). */
export function RefreshHeading({ id, title, onRefresh }: { id: string; title: string; onRefresh: () => void }) {
  return (
    <div class="heading">
      <h2 id={id}>{title}</h2>
      <button type="button" class="secondary" onClick={onRefresh}>
        Refresh
      </button>
    </div>
  );
}

export function Status({ value }: { value: string }) {
  return <span class={`status status-${value}`}>{value}</span>;
}

export function Loading() {
  return (
    <p class="muted" aria-live="polite">
      Loading…
    </p>
  );
}
