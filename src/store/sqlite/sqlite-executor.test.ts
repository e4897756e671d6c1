import { afterEach, describe, expect, it } from 'vitest';
import { sql } from '../crud/sql.js';
import { SqliteDb } from './database.js';
import { sqliteExecutor } from './sqlite-executor.js';

describe('sqliteExecutor', () => {
  const db = SqliteDb.open(':memory:');
  db.raw.exec('CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, flag INTEGER NOT NULL)');
  const exec = sqliteExecutor(db);
  afterEach(() => db.raw.exec('DELETE FROM t'));

  it('runs the statement when called, before the caller awaits (as the hand-written code does)', async () => {
    const pending = exec.run(sql`INSERT INTO t (k, flag) VALUES (${'a'}, ${1})`);
    expect(db.get('SELECT k FROM t')).toEqual({ k: 'a' }); // already written, synchronously
    expect(await pending).toBe(1);
  });

  it('binds booleans as 0/1, which better-sqlite3 cannot bind itself', async () => {
    await exec.run(sql`INSERT INTO t (k, flag) VALUES (${'yes'}, ${true}), (${'no'}, ${false})`);
    expect(await exec.all(sql`SELECT k, flag FROM t ORDER BY k`)).toEqual([
      { k: 'no', flag: 0 },
      { k: 'yes', flag: 1 },
    ]);
  });

  it('rejects (never throws) on a failing statement, and says which constraint it broke', async () => {
    await exec.run(sql`INSERT INTO t (k, flag) VALUES (${'a'}, ${1})`);
    const failing = exec.run(sql`INSERT INTO t (k, flag) VALUES (${'a'}, ${1})`);
    const error = await failing.catch((e: unknown) => e);
    expect(exec.dialect.isUniqueViolation(error)).toBe(true);
    expect(exec.dialect.isForeignKeyViolation(error)).toBe(false);
  });

  it('returns the row of a write with RETURNING, and undefined when none matched', async () => {
    await exec.run(sql`INSERT INTO t (k, flag) VALUES (${'a'}, ${0})`);
    expect(await exec.get(sql`UPDATE t SET flag = ${true} WHERE k = ${'a'} RETURNING *`)).toEqual({ k: 'a', flag: 1 });
    expect(await exec.get(sql`UPDATE t SET flag = ${true} WHERE k = ${'b'} RETURNING *`)).toBeUndefined();
  });
});
