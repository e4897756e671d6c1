import safeRegex from 'safe-regex2';
import { anyElement, equalsOrContains, type Match } from './json-match.js';

/**
 * The comparison operators of the filter language, as a table: each validates its operand at
 * compile time and returns a {@link Match}. The logical ones (`$and`, `$or`, `$not`) take
 * patterns and live in compile-filter.ts; `$options` rides along with `$regex`.
 */

/** Reports a problem with the operand: `fail('must be an array')`. Never returns. */
export type Fail = (problem: string) => never;

/** Checks that a literal operand is JSON and counts its nodes against the limits. */
export type CheckLiteral = (value: unknown, path: string) => void;

interface OperatorContext {
  operand: unknown;
  /** The `$options` beside a `$regex`, if any. */
  options: unknown;
  path: string;
  fail: Fail;
  checkLiteral: CheckLiteral;
  maxRegexLength: number;
}

type CompileOperator = (ctx: OperatorContext) => Match;

function equality(ctx: OperatorContext): unknown {
  ctx.checkLiteral(ctx.operand, ctx.path);
  return ctx.operand;
}

function ordered(test: (a: number | string, b: number | string) => boolean): CompileOperator {
  return ({ operand, fail }) => {
    if (typeof operand !== 'string' && !(typeof operand === 'number' && Number.isFinite(operand))) {
      return fail('must be a number or a string');
    }
    // No coercion: a number compares with numbers only, a string with strings only.
    return (value) => anyElement(value, (v) => typeof v === typeof operand && test(v as number | string, operand));
  };
}

function list(ctx: OperatorContext): unknown[] {
  if (!Array.isArray(ctx.operand)) return ctx.fail('must be an array of values');
  ctx.operand.forEach((v, i) => {
    ctx.checkLiteral(v, `${ctx.path}[${i}]`);
  });
  return ctx.operand;
}

const REGEX_FLAGS = /^(?!.*(.).*\1)[imsu]*$/;

function regex({ operand, options, fail, maxRegexLength }: OperatorContext): Match {
  if (typeof operand !== 'string') return fail('must be a string');
  if (operand.length > maxRegexLength) fail(`is longer than ${maxRegexLength} characters`);
  if (options !== undefined && (typeof options !== 'string' || !REGEX_FLAGS.test(options))) {
    fail('has invalid $options: use some of the flags i, m, s, u, each once');
  }
  let re: RegExp;
  try {
    re = new RegExp(operand, (options as string | undefined) ?? '');
  } catch (err) {
    return fail(`is not a valid regular expression: ${(err as Error).message}`);
  }
  // safe-regex2 refuses star height > 1 (`(a+)+`), the usual catastrophic-backtracking shape. It
  // is a heuristic: overlapping alternations under one quantifier (`(a|a)*`) pass it.
  if (!safeRegex(re)) {
    // safe-regex2 also refuses what its parser cannot read (e.g. named groups): unchecked is unsafe.
    fail(
      'is refused as possibly slow (catastrophic backtracking): a repetition inside a repetition, over 25 repetitions, or syntax the safety check cannot read',
    );
  }
  // No `g` or `y` flag is accepted, so `test` keeps no state between subjects.
  return (value) => anyElement(value, (v) => typeof v === 'string' && re.test(v));
}

export const OPERATORS: Readonly<Record<string, CompileOperator>> = {
  $eq: (ctx) => {
    const expected = equality(ctx);
    return (value) => equalsOrContains(value, expected);
  },
  $neq: (ctx) => {
    const expected = equality(ctx);
    return (value) => !equalsOrContains(value, expected);
  },
  $gt: ordered((a, b) => a > b),
  $gte: ordered((a, b) => a >= b),
  $lt: ordered((a, b) => a < b),
  $lte: ordered((a, b) => a <= b),
  $in: (ctx) => {
    const values = list(ctx);
    return (value) => values.some((v) => equalsOrContains(value, v));
  },
  $nin: (ctx) => {
    const values = list(ctx);
    return (value) => !values.some((v) => equalsOrContains(value, v));
  },
  $exists: ({ operand, fail }) => {
    if (typeof operand !== 'boolean') fail('must be true or false');
    return (value) => (value !== undefined) === operand;
  },
  $regex: regex,
};

/** MongoDB's spelling of `$neq`. */
export const OPERATOR_ALIASES: Readonly<Record<string, string>> = { $ne: '$neq' };

export const LOGICAL_OPERATORS = ['$and', '$or', '$not'] as const;

/** Every operator name, for error messages. */
export const KNOWN_OPERATORS = [...Object.keys(OPERATORS), '$options', ...Object.keys(OPERATOR_ALIASES)].concat(
  LOGICAL_OPERATORS,
);
