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

/**
 * The NOTIFY channel of stored requests, and its payload: `<instance>@<schema>` on the first
 * line, then `<source> <request>` per line.
 */
export const REQUEST_CHANNEL = 'hookd_requests';

/** Payloads for `notes`, each at most `maxBytes` (ids are ASCII). */
export function requestsPayload(
  notes: readonly StoredRequestNote[],
  sender: { instance: string; schema: string },
  maxBytes: number,
): string[] {
  const head = `${sender.instance}@${sender.schema}`;
  const payloads: string[] = [];
  let payload = head;
  for (const note of notes) {
    const line = `\n${note.sourceId} ${note.requestId}`;
    if (payload.length + line.length > maxBytes && payload !== head) {
      payloads.push(payload);
      payload = head;
    }
    payload += line;
  }
  if (payload !== head) payloads.push(payload);
  return payloads;
}

/** The sender and the notes of a payload; `null` when it is not one. */
export function parseRequestsPayload(
  payload: string | undefined,
): { instance: string; schema: string; notes: StoredRequestNote[] } | null {
  const [head = '', ...lines] = (payload ?? '').split('\n');
  const sender = /^([^@]+)@(.*)$/s.exec(head);
  if (sender === null) return null;
  const notes: StoredRequestNote[] = [];
  for (const line of lines) {
    const match = /^(\S+) (\S+)$/.exec(line);
    if (match !== null) notes.push({ sourceId: match[1], requestId: match[2] });
  }
  return { instance: sender[1], schema: sender[2], notes };
}
