/** A request committed on a source: what the live feed announces (the reader loads the request). */
export interface StoredRequestNote {
  sourceId: string;
  requestId: string;
}

/**
 * The in-process feed of stored requests behind `InboundStore.onRequest`. The store emits after
 * each commit of a request that has a source; on PostgreSQL the listener connection also emits
 * what other processes committed (NOTIFY `hookd_requests`). Listeners must not throw; one that
 * does is dropped from this emit only.
 */
export class RequestFeed {
  private readonly listeners = new Set<(note: StoredRequestNote) => void>();

  subscribe(listener: (note: StoredRequestNote) => void): () => void {
    const entry = (note: StoredRequestNote) => listener(note);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  emit(note: StoredRequestNote): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(note);
      } catch {
        // A broken subscriber (a closed stream) must not fail the request that was committed.
      }
    }
  }
}

/** The NOTIFY channel of stored requests, and its payload `<source> <request> <instance>@<schema>`. */
export const REQUEST_CHANNEL = 'hookd_requests';

export function requestPayload(note: StoredRequestNote, sender: { instance: string; schema: string }): string {
  return `${note.sourceId} ${note.requestId} ${sender.instance}@${sender.schema}`;
}

export function parseRequestPayload(
  payload: string | undefined,
): (StoredRequestNote & { instance: string; schema: string }) | null {
  const match = /^(\S+) (\S+) ([^@]+)@(.*)$/s.exec(payload ?? '');
  return match === null ? null : { sourceId: match[1], requestId: match[2], instance: match[3], schema: match[4] };
}
