import type { Command } from 'commander';
import { addServerOptions, type ServerFlags } from '../client/server-options.js';

/** `hookd api <method> <path> [json]`: one call to hookd's REST API with the resolved server and token. */
export function registerApi(program: Command): void {
  const command = program
    .command('api')
    .description('call hookd’s REST API (docs/api.md) with the saved server and token; prints the JSON answer')
    .argument('<method>', 'GET, POST, PUT, PATCH or DELETE')
    .argument('<path>', 'e.g. /api/v1/app')
    .argument('[json]', 'the request body')
    .addHelpText(
      'after',
      `
Example:
  $ hookd api POST /api/v1/app '{"name":"Acme","uid":"acme"}'`,
    );
  addServerOptions(command).action(
    async (method: string, path: string, json: string | undefined, flags: ServerFlags) => {
      const { CliError } = await import('../cli-error.js');
      const { ApiClient } = await import('../client/api-client.js');
      const { resolveCredentials } = await import('../client/credentials.js');
      const { indentJsonText } = await import('../../core/json-text.js');
      // Checked here, sent as written, and the answer printed from its text: no number changes either way.
      try {
        if (json !== undefined) JSON.parse(json);
      } catch {
        throw new CliError('[json]: not valid JSON', 2);
      }
      const client = new ApiClient(resolveCredentials(flags));
      const route = path.startsWith('/') ? path : `/${path}`;
      const { text } = await client.requestText(method.toUpperCase(), route, { bodyText: json });
      if (text !== '') console.log(indentJsonText(text));
    },
  );
}
