import type { RequestRecord } from './timeline.ts';

/** One row of a text timeline. */
export interface GanttRow {
  label: string;
  start: number;
  end?: number;
  /** Drawn at the end of the bar: `✓` done, `×` aborted, `!` failed, `…` still running. */
  mark?: '✓' | '×' | '!' | '…';
}

export interface GanttOptions {
  /** Bar area width in characters. @default 48 */
  width?: number;
  /** Draws a caret under the axis at this time, with a note. */
  marker?: { at: number; note: string };
  /** Rows shown at most; the rest are counted. @default 20 */
  maxRows?: number;
}

/**
 * Draws rows on one virtual time axis:
 * ```
 * /a   ████████✓                         0–100 ms
 * /b   ████████████████████████×         0–300 ms
 *      └ 0 ms ─────────────────── 300 ms ┘
 * ```
 */
export function gantt(rows: readonly GanttRow[], options: GanttOptions = {}): string {
  const { width = 48, marker, maxRows = 20 } = options;
  if (rows.length === 0) return '  (nothing happened)';
  const end = Math.max(1, ...rows.map((row) => row.end ?? row.start), marker?.at ?? 0);
  const scale = width / end;
  const labelWidth = Math.min(28, Math.max(...rows.map((row) => row.label.length)));
  const column = (time: number) => Math.min(width - 1, Math.floor(time * scale));
  const lines = rows.slice(0, maxRows).map((row) => {
    const from = column(row.start);
    const to = Math.max(from, column(row.end ?? end));
    const cells: string[] = Array.from({ length: width }, (_, i) => (i >= from && i <= to ? '█' : ' '));
    if (row.mark) cells[to] = row.mark;
    const span = row.end === undefined ? `${fmt(row.start)}– ms` : `${fmt(row.start)}–${fmt(row.end)} ms`;
    return `  ${row.label.slice(0, labelWidth).padEnd(labelWidth)} │${cells.join('')}│ ${span}`;
  });
  if (rows.length > maxRows) lines.push(`  … and ${rows.length - maxRows} more`);
  const axisLabel = `0 ms`;
  const endLabel = `${fmt(end)} ms`;
  const fill = Math.max(1, width - axisLabel.length - endLabel.length - 2);
  lines.push(`  ${' '.repeat(labelWidth)} └${axisLabel} ${'─'.repeat(fill)} ${endLabel}┘`);
  if (marker) {
    lines.push(`  ${' '.repeat(labelWidth)}  ${' '.repeat(column(marker.at))}▲ ${marker.note}`);
  }
  return lines.join('\n');
}

/** A request timeline as Gantt rows, labelled by path (and host when several hosts are involved). */
export function requestRows(records: readonly RequestRecord[]): GanttRow[] {
  const origins = new Set(records.map((record) => record.origin));
  return records.map((record) => ({
    label: `${record.method === 'GET' ? '' : `${record.method} `}${origins.size > 1 ? new URL(record.url).host : ''}${record.path}`,
    start: record.start,
    end: record.end,
    mark: MARKS[record.outcome],
  }));
}

const MARKS: Record<RequestRecord['outcome'], GanttRow['mark']> = {
  pending: '…',
  response: '✓',
  'network-error': '!',
  aborted: '×',
  unexpected: '!',
};

function fmt(ms: number): string {
  return Number.isInteger(ms) ? String(ms) : ms.toFixed(1);
}
