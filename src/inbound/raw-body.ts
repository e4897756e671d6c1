import type { IncomingMessage } from 'node:http';

/** A body read off the wire by the ingest face itself, or its size when over the limit. */
export type RawBody = { body: Buffer } | { tooLargeBytes: number };

/**
 * Reads a request's body bytes, for the requests whose body Fastify does not read: GET, HEAD and
 * TRACE (its "bodyless" methods: the stream is left unread), and those it refuses before parsing
 * (a `Content-Type` that is not a media type, a QUERY without one). Past `maxBytes` it stops
 * keeping bytes, lets the rest drain (the socket stays usable for the answer), and reports the
 * size read so far. A stream already read to its end gives an empty body.
 */
export function readRawBody(stream: IncomingMessage, maxBytes: number): Promise<RawBody> {
  if (stream.readableEnded) return Promise.resolve({ body: Buffer.alloc(0) });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      // In flowing mode, removing the listener keeps the stream flowing: the rest is discarded.
      stream.off('data', onData).off('end', onEnd).off('error', reject);
      resolve({ tooLargeBytes: size });
    };
    const onEnd = () => resolve({ body: Buffer.concat(chunks, size) });
    stream.on('data', onData).once('end', onEnd).once('error', reject);
  });
}
