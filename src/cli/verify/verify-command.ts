import { readFile } from 'node:fs/promises';
import { ValidationError } from '../../core/errors.js';
import { parseVerification, verify } from '../../core/verify/verification.js';
import type { VerifiableRequest, VerifyResult } from '../../core/verify/types.js';
import { CliError } from '../cli-error.js';
import { ApiClient } from '../client/api-client.js';
import { resolveCredentials } from '../client/credentials.js';
import type { ServerFlags } from '../client/server-options.js';
import type { RequestJson } from '../send/arrived-request.js';
import { stdoutPalette } from '../output/colors.js';
import { toVerifiableRequest } from './captured-request.js';

export interface VerifyOptions extends ServerFlags {
  provider: string;
  secret: string;
  file?: string;
  request?: string;
  /** The URL the sender called, for providers that sign it; else the file's or the source's. */
  url?: string;
  /** Verify as of this time (ms since the epoch) instead of now: for an old capture. */
  at?: number;
  json?: boolean;
}

/** What each failure means for the person reading it. */
const WHY: Record<string, string> = {
  signature_missing: 'header missing',
  signature_invalid: 'wrong secret, or the body (or a signed URL or header) was altered',
  timestamp_out_of_window: 'timestamp out of window: a replay, an old capture (see --at), or a clock off',
  certificate_invalid: 'the provider certificate could not be fetched or is not the provider’s',
};

/**
 * `hookd verify`: checks a captured request's signature with the same verifiers as `/in/*`.
 * Exit 0 only when valid; 1 when not, saying why; 2 for bad arguments.
 */
export async function verifyCaptured(options: VerifyOptions): Promise<number> {
  if ((options.file === undefined) === (options.request === undefined)) {
    throw new CliError('give the request with --file <request.json> or --request <id> (one of them)', 2);
  }
  let setting: ReturnType<typeof parseVerification>;
  try {
    setting = parseVerification({ type: options.provider, secrets: [options.secret] });
  } catch (err) {
    if (err instanceof ValidationError) throw new CliError(`--provider/--secret: ${err.message}`, 2);
    throw err;
  }
  const request = options.file !== undefined ? await fromFile(options.file) : await fromServer(options);
  if (options.url !== undefined) request.url = options.url;
  // Certificates (PayPal, SNS) are fetched over the network: not by this command.
  const result = await verify(setting, request, { now: options.at ?? Date.now() });
  report(result, options);
  return result.ok ? 0 : 1;
}

function report(result: VerifyResult, options: VerifyOptions): void {
  if (options.json) {
    console.log(JSON.stringify(result.ok ? { valid: true } : { valid: false, ...result, why: WHY[result.cause] }));
    return;
  }
  const style = stdoutPalette();
  if (result.ok) {
    console.log(`${style.ok('valid signature')} (${options.provider})`);
  } else {
    console.log(`${style.bad('invalid signature')} (${options.provider}): ${WHY[result.cause] ?? result.cause}`);
    console.log(`  ${result.cause}: ${result.detail}`);
  }
}

async function fromFile(path: string): Promise<VerifiableRequest & { url: string }> {
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new CliError(`--file ${path}: cannot read it (${err.code ?? err.message})`, 2);
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError(`--file ${path}: not valid JSON`, 2);
  }
  return toVerifiableRequest(json, `--file ${path}`);
}

/** A stored request, with the URL it was sent to rebuilt from its source's public URL. */
async function fromServer(options: VerifyOptions): Promise<VerifiableRequest> {
  const client = new ApiClient(resolveCredentials(options));
  const id = options.request as string;
  const stored = await client.request<RequestJson>('GET', `/api/v1/request/${encodeURIComponent(id)}`, {
    notFound: `no request ${JSON.stringify(id)} on ${client.server}`,
  });
  const source = await client.request<{ url: string }>('GET', `/api/v1/source/${stored.sourceId}`);
  const query = stored.query ? `?${stored.query}` : '';
  return toVerifiableRequest({ ...stored, url: `${source.url}${stored.path}${query}` }, `request ${id}`);
}
