import type { ComponentChildren } from 'preact';
import { Empty, Loading } from './components';

/** A column: its heading (`hidden`: for screen readers only, e.g. an actions column) and its cell. */
export interface Column<T> {
  header: string;
  hidden?: boolean;
  cell: (row: T) => ComponentChildren;
  /** A class on the column's cells (`url`: long values break anywhere). */
  class?: string;
}

/**
 * Every list page's table: "Loading…" while `rows` is null, `empty` (what to do next) when there
 * are none, else a table named `label` (its caption, for screen readers). Below 720 px each row
 * stacks as a card, each cell under its column's heading (`data-label`), so nothing scrolls
 * sideways at 375 px.
 */
export function Table<T>({
  label,
  columns,
  rows,
  rowKey,
  empty,
}: {
  label: string;
  columns: Column<T>[];
  rows: T[] | null;
  rowKey: (row: T) => string;
  empty: ComponentChildren;
}) {
  if (rows === null) return <Loading />;
  if (rows.length === 0) return <Empty>{empty}</Empty>;
  return (
    <div class="table-wrap">
      <table class="list">
        <caption class="visually-hidden">{label}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column.header} scope="col">
                {column.hidden ? <span class="visually-hidden">{column.header}</span> : column.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)}>
              {columns.map((column) => (
                <td key={column.header} class={column.class} data-label={column.hidden ? undefined : column.header}>
                  {column.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
