/**
 * The bound parameters of one statement under construction: `add(value)` stores the value and
 * returns its placeholder (`$1`, `$2`, ...), so optional WHERE terms can be appended in any order.
 */
export class SqlParams {
  readonly values: unknown[] = [];

  constructor(...initial: unknown[]) {
    this.values.push(...initial);
  }

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}
