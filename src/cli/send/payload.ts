import { readFile } from 'node:fs/promises';
import { CliError } from '../cli-error.js';

/**
 * The message payload from `--payload <json>`, `--file <path>` or stdin (when it is not a
 * terminal), in that order; one JSON object (the API takes nothing else), as its text: sent as
 * written, so that its numbers reach the endpoint unchanged. Throws CliError (exit 2) naming
 * where the bad payload came from.
 */
export async function readPayload(options: { payload?: string; file?: string }): Promise<string> {
  if (options.payload !== undefined && options.file !== undefined) {
    throw new CliError('give the payload with --payload or --file, not both', 2);
  }
  let text: string;
  let where: string;
  if (options.payload !== undefined) {
    [text, where] = [options.payload, '--payload'];
  } else if (options.file !== undefined) {
    where = `--file ${options.file}`;
    text = await readFile(options.file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new CliError(`${where}: cannot read it (${err.code ?? err.message})`, 2);
    });
  } else if (!process.stdin.isTTY) {
    [text, where] = [await readStdin(), 'stdin'];
  } else {
    throw new CliError('no payload: give --payload <json>, --file <path>, or pipe JSON to stdin', 2);
  }
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch (err) {
    throw new CliError(`${where}: not valid JSON (${(err as Error).message})`, 2);
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new CliError(`${where}: the payload must be a JSON object`, 2);
  }
  return text;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
