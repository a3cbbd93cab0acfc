// A table whose rows open with Enter or a click, and move with j/k or the arrows: the lists of
// jobs, tasks, agents and queues all read the same way.
import { useEffect, useRef, useState, type ReactNode } from 'react';

export interface Column<T> {
  key: string;
  header: ReactNode;
  render(row: T): ReactNode;
  className?: string;
  title?: string;
}

export interface DataTableProps<T> {
  rows: readonly T[];
  columns: readonly Column<T>[];
  rowKey(row: T): string;
  /** Where the row leads (an in-app path); Enter and clicks go there. */
  onOpen?: (row: T) => void;
  rowClass?: (row: T) => string | undefined;
  /** Global j/k/Enter handling (one table per page should have it). */
  keyboard?: boolean;
  label: string;
}

export function DataTable<T>({ rows, columns, rowKey, onOpen, rowClass, keyboard, label }: DataTableProps<T>) {
  const [sel, setSel] = useState(-1);
  const body = useRef<HTMLTableSectionElement>(null);
  useEffect(() => {
    if (sel >= rows.length) setSel(rows.length - 1);
  }, [rows.length, sel]);
  useEffect(() => {
    if (!keyboard) return;
    const onKey = (e: KeyboardEvent): void => {
      const t = e.target as HTMLElement;
      if (t.closest('input, textarea, select, [contenteditable]') || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === 'j' || e.key === 'ArrowDown') setSel((s) => Math.min(rows.length - 1, s + 1));
      else if (e.key === 'k' || e.key === 'ArrowUp') setSel((s) => Math.max(0, s - 1));
      else if (e.key === 'Enter' && sel >= 0 && rows[sel] && onOpen) onOpen(rows[sel]!);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [keyboard, rows, sel, onOpen]);
  useEffect(() => {
    body.current?.children[sel]?.scrollIntoView({ block: 'nearest' });
  }, [sel]);
  return (
    <table className="data-table" aria-label={label}>
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c.key} className={c.className} title={c.title}>
              {c.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody ref={body}>
        {rows.map((r, i) => (
          <tr
            key={rowKey(r)}
            className={[rowClass?.(r), i === sel ? 'selected' : undefined, onOpen ? 'clickable' : undefined].filter(Boolean).join(' ') || undefined}
            onClick={(e) => {
              if (!onOpen || (e.target as HTMLElement).closest('a, button, input')) return;
              setSel(i);
              onOpen(r);
            }}
          >
            {columns.map((c) => (
              <td key={c.key} className={c.className}>
                {c.render(r)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
