import { styleText } from 'node:util';

type Style = Parameters<typeof styleText>[0];

/**
 * Whether to colour what goes to `stream`: only a terminal, and never when `NO_COLOR` is set to
 * anything non-empty (https://no-color.org) or `TERM=dumb`.
 */
export function colorsEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/** Styling functions that are the identity when colours are off. */
export interface Palette {
  ok(text: string): string;
  bad(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

export function palette(enabled: boolean): Palette {
  const style = (format: Style) => (text: string) => (enabled ? styleText(format, text) : text);
  return { ok: style('green'), bad: style('red'), dim: style('dim'), bold: style('bold') };
}

/** The palette for stdout, by the rules of `colorsEnabled`. */
export const stdoutPalette = (): Palette => palette(colorsEnabled(process.stdout));
/** The palette for stderr, by the rules of `colorsEnabled`. */
export const stderrPalette = (): Palette => palette(colorsEnabled(process.stderr));
