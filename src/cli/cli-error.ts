/**
 * A failure the user can act on: the CLI prints `hookd: <message>` (no stack) and exits with
 * `exitCode` (1 by default; 2 for a usage mistake, as a bad setting).
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
