import { describe, expect, it } from 'vitest';
import { join, raw, sql } from './sql.js';

const question = () => '?';
const dollar = (i: number) => `$${i + 1}`;

describe('sql templates', () => {
  it('binds values as parameters, in order, in either placeholder syntax', () => {
    const q = sql`SELECT * FROM t WHERE a = ${1} AND b = ${'x'}`;
    expect(q.text(question)).toBe('SELECT * FROM t WHERE a = ? AND b = ?');
    expect(q.text(dollar)).toBe('SELECT * FROM t WHERE a = $1 AND b = $2');
    expect(q.values).toEqual([1, 'x']);
  });

  it('splices nested fragments, numbering their parameters after the ones before them', () => {
    const inner = sql` AND c = ${true}${raw(' ORDER BY id')}`;
    const q = sql`SELECT * FROM t WHERE a = ${1}${inner} LIMIT ${5}`;
    expect(q.text(dollar)).toBe('SELECT * FROM t WHERE a = $1 AND c = $2 ORDER BY id LIMIT $3');
    expect(q.values).toEqual([1, true, 5]);
  });

  it('splices raw text as is, and binds a value that looks like SQL as a value', () => {
    const q = sql`SELECT ${raw('id')} FROM t WHERE name = ${"'; DROP TABLE t; --"}`;
    expect(q.text(question)).toBe('SELECT id FROM t WHERE name = ?');
    expect(q.values).toEqual(["'; DROP TABLE t; --"]);
  });

  it('joins fragments with a separator, and nothing into an empty fragment', () => {
    const sets = join([sql`a = ${1}`, sql`b = ${2}`, raw('c = NULL')], ', ');
    expect(sql`UPDATE t SET ${sets} WHERE id = ${3}`.text(dollar)).toBe(
      'UPDATE t SET a = $1, b = $2, c = NULL WHERE id = $3',
    );
    expect(join([], ', ').text(dollar)).toBe('');
    expect(sql`x${join([], ' AND ')}y`.values).toEqual([]);
  });
});
