/**
 * A statement written once for both backends: `sql` tagged templates whose values become bound
 * parameters, rendered by each backend's `SqlExecutor` in its own placeholder syntax (`?` on
 * SQLite, `$1, $2, ...` on PostgreSQL). Fragments nest, so optional WHERE terms compose:
 *
 *     sql`SELECT * FROM messages WHERE app_id = ${appId}${filters} LIMIT ${limit}`
 *
 * Only what differs between the dialects by syntax alone is hidden here; whatever differs in
 * meaning or cost (the hot path: writers, queue, requeue) stays hand-written per backend.
 */
export class Sql {
  /** `strings.length === values.length + 1`, as in a template; values are never `Sql`. */
  private constructor(
    readonly strings: readonly string[],
    readonly values: readonly unknown[],
  ) {}

  /** Flattens a template whose values may be fragments themselves. */
  static of(strings: readonly string[], values: readonly unknown[]): Sql {
    if (!values.some((value) => value instanceof Sql)) return new Sql(strings, values);
    const outStrings = [strings[0]];
    const outValues: unknown[] = [];
    values.forEach((value, i) => {
      if (value instanceof Sql) {
        outStrings[outStrings.length - 1] += value.strings[0];
        for (let j = 0; j < value.values.length; j++) {
          outValues.push(value.values[j]);
          outStrings.push(value.strings[j + 1]);
        }
        outStrings[outStrings.length - 1] += strings[i + 1];
      } else {
        outValues.push(value);
        outStrings.push(strings[i + 1]);
      }
    });
    return new Sql(outStrings, outValues);
  }

  /** The statement's text, with `placeholder(i)` (0-based) for each value. */
  text(placeholder: (index: number) => string): string {
    let text = this.strings[0];
    for (let i = 0; i < this.values.length; i++) text += placeholder(i) + this.strings[i + 1];
    return text;
  }
}

/** A statement or fragment; `${value}` binds a parameter, `${fragment}` splices a fragment. */
export function sql(strings: TemplateStringsArray, ...values: unknown[]): Sql {
  return Sql.of(strings, values);
}

/** Text spliced as is: only for names and keywords from our own code, never user input. */
export function raw(text: string): Sql {
  return Sql.of([text], []);
}

/** The fragments joined by `separator` (e.g. `', '` for a SET list). */
export function join(fragments: readonly Sql[], separator: string): Sql {
  if (fragments.length === 0) return raw('');
  return Sql.of(['', ...fragments.slice(1).map(() => separator), ''], fragments);
}

/** Fragments whose syntax has no common form in the two dialects. */
export interface SqlDialect {
  /** True where the JSON array column `column` (TEXT on SQLite, jsonb on PostgreSQL) has `value` as an element. */
  jsonArrayHas(column: string, value: string): Sql;
  /** True where `column` equals one of `values`, bound as one parameter (stable statement text). */
  isOneOf(column: string, values: string[]): Sql;
}

/**
 * One backend's way of running a `Sql`. Booleans bind as booleans (SQLite's executor stores them as
 * 0/1); JSON columns bind as JSON text; a write that returns its row says `RETURNING *`, which both
 * dialects support. Each method is one statement, atomic on its own: the CRUD code needs no
 * transaction, so none is offered (a SQLite transaction held across an `await` would take in the
 * writer's group commits).
 */
export interface SqlExecutor {
  readonly dialect: SqlDialect;
  all<R>(query: Sql): Promise<R[]>;
  /** The first row, `undefined` when none. */
  get<R>(query: Sql): Promise<R | undefined>;
  /** Runs a statement that returns no rows; resolves to how many rows it changed. */
  run(query: Sql): Promise<number>;
  /** True when `error` (thrown by one of the above) is a UNIQUE or PRIMARY KEY violation. */
  isUniqueViolation(error: unknown): boolean;
  /** True when `error` is a FOREIGN KEY violation (the referenced row does not exist). */
  isForeignKeyViolation(error: unknown): boolean;
}
