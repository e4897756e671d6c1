import { InvalidArgumentError } from 'commander';

/** Parses a positive number of seconds (`--timeout 2.5`); commander reports a bad one as a usage error. */
export function positiveSeconds(raw: string): number {
  const value = Number(raw);
  if (!(value > 0 && Number.isFinite(value)))
    throw new InvalidArgumentError('needs a number of seconds greater than 0');
  return value;
}

/** Parses a whole number of at least `min` (`--concurrency 20`). */
export function wholeNumber(min: number) {
  return (raw: string): number => {
    const value = Number(raw);
    if (!(Number.isInteger(value) && value >= min)) throw new InvalidArgumentError(`needs a whole number ≥ ${min}`);
    return value;
  };
}
