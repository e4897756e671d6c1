/**
 * The receive benches' baseline, run as a child process: a bare Fastify route at `/in/:source`
 * that reads the body as raw bytes (as hookd's ingest face does) and answers 200 `{"ok":true}`
 * (hookd's default source response), keeping nothing and checking nothing. hookd's `/in/{source}`
 * does this plus the source lookup, verification, the commit and the forward; the bench compares
 * the two under the same generator.
 */
import Fastify from 'fastify';
import type { ListeningMessage } from './children.js';

const app = Fastify({ logger: false, keepAliveTimeout: 60_000 });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
app.all('/in/:source', (_req, reply) => reply.code(200).header('content-type', 'application/json').send('{"ok":true}'));

process.on('disconnect', () => process.exit(0));
const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.send?.({ type: 'listening', port: Number(new URL(address).port) } satisfies ListeningMessage);
