import type { FastifyPluginAsync } from 'fastify';

/**
 * One face of hookd's HTTP server (the Svix API, the inbound gateway, the UI...): a Fastify
 * plugin that the server registers encapsulated (`app.register(plugin, { prefix })`), so the body
 * parsers, auth and hooks it installs apply to its own routes only. What every face shares (the
 * `{code, detail}` error handler, the 404 handler, the validators, the OpenAPI document, request
 * ids and logging) is the server's.
 */
export interface Face {
  /** For logs and errors, e.g. `outbound`. */
  name: string;
  plugin: FastifyPluginAsync;
  /** Prepended to every route of the face, e.g. `/in`. Default: none (routes carry full paths). */
  prefix?: string;
}
