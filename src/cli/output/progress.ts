/** A line on stderr rewritten in place while something long runs; silent when not on a terminal. */
export interface Progress {
  update(text: string): void;
  /** Clears the line (before the final output is printed). */
  clear(): void;
}

/** A progress line when stderr is a terminal and `quiet` is false (`--json` mode), else a no-op. */
export function createProgress(quiet: boolean, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (quiet || !stream.isTTY) return { update() {}, clear() {} };
  let shown = false;
  return {
    update(text) {
      // Cut to the terminal's width: a wrapped line would not be rewritten by \r.
      stream.write(`\r\u001b[K${text.slice(0, (stream.columns ?? 80) - 1)}`);
      shown = true;
    },
    clear() {
      if (shown) stream.write('\r\u001b[K');
      shown = false;
    },
  };
}
