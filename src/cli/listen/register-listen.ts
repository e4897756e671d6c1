import { hostname } from 'node:os';
import type { Command } from 'commander';
import { listen } from './listen-client.js';
import { CliError } from '../cli-error.js';
import { resolveCredentials } from '../client/credentials.js';

interface ListenFlags {
  forwardTo: string;
  server?: string;
  token?: string;
  replay: boolean;
  filter?: string;
  name?: string;
}

const EXAMPLE = `
Example:
  hookd listen src_2Yx… --forward-to http://localhost:3000/webhooks

Each request the source receives is forwarded to the local URL byte for byte (method, sub-path,
query, headers, body), one line per request; the local response is recorded in hookd as the
event's attempt. While no session is connected, hookd keeps the device's events and sends them,
in order, when one connects again (--no-replay cancels them instead). Two devices (two --name)
on one source each get every request.`;

/** `hookd listen <source> --forward-to <url>`: see docs/cli.md. */
export function registerListen(program: Command): void {
  program
    .command('listen')
    .description("forward a source's requests to a local URL, byte for byte")
    .argument('<source>', 'the source id or uid')
    .requiredOption('--forward-to <url>', 'the local URL to forward to (the sub-path and query are appended)')
    .option('--server <url>', 'the hookd server (default: HOOKD_SERVER, hookd login, http://127.0.0.1:8071)')
    .option('--token <token>', 'an admin token (default: HOOKD_TOKEN, then hookd login)')
    .option('--no-replay', 'cancel the requests that waited while this device was offline, instead of sending them')
    .option('--filter <json>', "forward only the requests this filter matches (the connections' filter language)")
    .option('--name <device>', 'the session name: one queue per name (default: the host name)')
    .addHelpText('after', EXAMPLE)
    .action(async (source: string, flags: ListenFlags) => {
      process.exitCode = await runListen(source, flags);
    });
}

async function runListen(source: string, flags: ListenFlags): Promise<number> {
  let options: Parameters<typeof listen>[0];
  try {
    options = {
      server: resolveCredentials(flags),
      source,
      device: flags.name ?? deviceName(),
      forwardTo: checkForwardTo(flags.forwardTo),
      filter: flags.filter === undefined ? null : checkFilterText(flags.filter),
      replay: flags.replay,
      print: (line) => console.log(line),
      say: (line) => console.error(line),
    };
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    console.error(`hookd listen: ${error.message}`);
    return error.exitCode;
  }
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await listen(options, stop.signal);
    return 0;
  } catch (error) {
    console.error(`hookd listen: ${(error as Error).message}`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The host name, as a session name may spell it. */
function deviceName(): string {
  return (
    hostname()
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .slice(0, 64) || 'cli'
  );
}

function checkForwardTo(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`--forward-to must be an http(s) URL, got ${JSON.stringify(url)}`, 2);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new CliError(`--forward-to must be an http(s) URL, got ${JSON.stringify(url)}`, 2);
  return url;
}

/** The `--filter` text, checked to be a JSON object; sent as written, so its numbers keep their digits. */
function checkFilterText(text: string): string {
  let filter: unknown;
  try {
    filter = JSON.parse(text);
  } catch (error) {
    throw new CliError(`--filter is not JSON: ${(error as Error).message}`, 2);
  }
  if (filter === null || typeof filter !== 'object' || Array.isArray(filter))
    throw new CliError('--filter must be a JSON object', 2);
  return text;
}
