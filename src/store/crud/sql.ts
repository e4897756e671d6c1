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

/** What differs between the two dialects beyond the statements' text. */
export interface SqlDialect {
  /** The placeholder of the `index`th (0-based) bound value: `?` or `$1`, `$2`, ... */
  placeholder(index: number): string;
  /** True where the JSON array column `column` (TEXT on SQLite, jsonb on PostgreSQL) has `value` as an element. */
  jsonArrayHas(column: string, value: string): Sql;
  /** True where `column` equals one of `values`, bound as one parameter (stable statement text). */
  isOneOf(column: string, values: string[]): Sql;
  /** True when `error` (thrown by a statement) is a UNIQUE or PRIMARY KEY violation. */
  isUniqueViolation(error: unknown): boolean;
  /** True when `error` is a FOREIGN KEY violation (the referenced row does not exist). */
  isForeignKeyViolation(error: unknown): boolean;
  /**
   * The clause that ends a SELECT reading rows of `alias` under a shared row lock: PostgreSQL's
   * `FOR SHARE OF alias` (a concurrent update's commit is waited for, then its row read); nothing
   * on SQLite, whose one writer at a time already orders them.
   */
  lockShared(alias: string): string;
}

/** One statement's outcome: the rows it returned (none for a write without RETURNING), the rows it changed. */
export interface StatementResult {
  rows: unknown[];
  changed: number;
}

/** How a backend runs a statement's text with its bound values. */
export type ExecuteStatement = (text: string, values: readonly unknown[]) => Promise<StatementResult>;

/**
 * Runs `Sql` on one backend: its dialect renders the text, its `execute` runs it. Booleans are
 * bound as booleans (SQLite's `execute` stores them as 0/1); JSON columns as JSON text; a write
 * that returns its row says `RETURNING *`, which both dialects support. Each call is one
 * statement, atomic on its own: the CRUD code needs no transaction, so none is offered (on SQLite,
 * a transaction held across an `await` would take in the message writer's group commits).
 */
export class SqlExecutor {
  constructor(
    readonly dialect: SqlDialect,
    private readonly execute: ExecuteStatement,
  ) {}

  async all<R>(query: Sql): Promise<R[]> {
    return (await this.statement(query)).rows as R[];
  }

  /** The first row, `undefined` when none. */
  async get<R>(query: Sql): Promise<R | undefined> {
    return (await this.statement(query)).rows[0] as R | undefined;
  }

  /** Runs a write; resolves to how many rows it changed. */
  async run(query: Sql): Promise<number> {
    return (await this.statement(query)).changed;
  }

  private statement(query: Sql): Promise<StatementResult> {
    return this.execute(query.text(this.dialect.placeholder), query.values);
  }
}
