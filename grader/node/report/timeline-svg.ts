import type { TimelineData, TimelineSpan } from '../../lab/suite.ts';
import type { RequestRecord } from '../../lab/timeline.ts';

/** One drawn row: a request, or a lane of spans. */
interface Row {
  label: string;
  bars: Bar[];
}

interface Bar {
  start: number;
  /** Absent: still running when the check ended (drawn to the axis end). */
  end?: number;
  /** `response`, `aborted`, `network-error`, `pending`, `wait`, … : the CSS class suffix. */
  kind: string;
  mark?: string;
  /** The tooltip. */
  title: string;
}

export interface SvgTimelineOptions {
  /** The axis end in virtual ms; pass the same to panels drawn side by side. @default the data's last moment */
  axisEnd?: number;
  /** Accessible name of the picture. */
  label: string;
  /** Rows drawn at most; the rest are counted. @default 40 */
  maxRows?: number;
}

const LABEL_WIDTH = 150;
const BAR_WIDTH = 440;
const ROW_HEIGHT = 20;
const TOP = 22;
const AXIS_HEIGHT = 28;
const FLIGHT_HEIGHT = 30;

const REQUEST_MARK: Record<RequestRecord['outcome'], string> = {
  pending: '…',
  response: '✓',
  'network-error': '!',
  aborted: '×',
  unexpected: '!',
};

/** The last moment a timeline shows: where its axis should end. */
export function timelineEnd(data: TimelineData): number {
  const times = [
    ...(data.timeline ?? []).flatMap((record) => [record.start, record.end ?? record.start]),
    ...(data.spans ?? []).flatMap((span) => [span.start, span.end ?? span.start]),
    data.marker?.at ?? 0,
  ];
  return Math.max(1, ...times);
}

/** Whether there is anything to draw. */
export function hasTimeline(data: TimelineData | undefined): boolean {
  return Boolean(data && ((data.timeline?.length ?? 0) > 0 || (data.spans?.length ?? 0) > 0));
}

/**
 * Draws a run on the virtual time axis as inline SVG: one row per request, one row per lane of spans, a strip
 * showing how many requests were in flight, and the marker where a rule broke. Styled by the page's CSS classes
 * (`bar-response`, `bar-aborted`, `marker`, ...), so it follows the page's light or dark theme.
 */
export function renderTimelineSvg(data: TimelineData, options: SvgTimelineOptions): string {
  const { maxRows = 40 } = options;
  const allRows = [...requestRows(data.timeline ?? []), ...spanRows(data.spans ?? [])];
  const rows = allRows.slice(0, maxRows);
  const end = Math.max(options.axisEnd ?? 0, timelineEnd(data));
  const x = (ms: number) => LABEL_WIDTH + (Math.max(0, ms) / end) * BAR_WIDTH;
  const flight = (data.timeline?.length ?? 0) > 1 ? FLIGHT_HEIGHT : 0;
  const more = allRows.length > rows.length ? ROW_HEIGHT : 0;
  const bottom = TOP + rows.length * ROW_HEIGHT + more;
  const height = bottom + flight + AXIS_HEIGHT;
  const width = LABEL_WIDTH + BAR_WIDTH + 24;
  const parts: string[] = [];

  for (const tick of ticks(end)) {
    parts.push(
      `<line class="grid" x1="${n(x(tick))}" y1="${TOP - 4}" x2="${n(x(tick))}" y2="${bottom + flight}"/>`,
      `<text class="tick" x="${n(x(tick))}" y="${bottom + flight + 16}" text-anchor="middle">${tick} ms</text>`,
    );
  }
  rows.forEach((row, index) => {
    const y = TOP + index * ROW_HEIGHT;
    parts.push(
      `<text class="row-label" x="${LABEL_WIDTH - 8}" y="${y + 14}" text-anchor="end">${esc(clip(row.label, 22))}<title>${esc(row.label)}</title></text>`,
    );
    for (const bar of row.bars) {
      const from = x(bar.start);
      const to = x(bar.end ?? end);
      const barWidth = Math.max(2, to - from);
      parts.push(
        `<rect class="bar bar-${bar.kind}${bar.end === undefined ? ' bar-open' : ''}" x="${n(from)}" y="${y + 4}" ` +
          `width="${n(barWidth)}" height="${ROW_HEIGHT - 8}" rx="2"><title>${esc(bar.title)}</title></rect>`,
      );
      if (bar.mark) {
        parts.push(
          `<text class="bar-mark mark-${bar.kind}" x="${n(from + barWidth + 3)}" y="${y + 14}">${esc(bar.mark)}</text>`,
        );
      }
    }
  });
  if (more) {
    parts.push(
      `<text class="row-label" x="${LABEL_WIDTH - 8}" y="${bottom - 6}" text-anchor="end">… ${allRows.length - rows.length} more</text>`,
    );
  }
  if (flight) parts.push(inFlightStrip(data.timeline ?? [], x, bottom, end));
  if (data.marker) {
    const at = x(data.marker.at);
    const anchor = at > LABEL_WIDTH + BAR_WIDTH * 0.6 ? 'end' : 'start';
    parts.push(
      `<line class="marker" x1="${n(at)}" y1="${TOP - 6}" x2="${n(at)}" y2="${bottom + flight}"/>`,
      `<text class="marker-note" x="${n(anchor === 'end' ? at - 4 : at + 4)}" y="${TOP - 9}" text-anchor="${anchor}">${esc(`${data.marker.at} ms: ${data.marker.note}`)}</text>`,
    );
  }
  return (
    `<svg class="timeline-svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" ` +
    `width="${width}" height="${height}" role="img" aria-label="${esc(options.label)}">` +
    `<title>${esc(options.label)}</title>${parts.join('')}</svg>`
  );
}

function requestRows(records: readonly RequestRecord[]): Row[] {
  const origins = new Set(records.map((record) => record.origin));
  return records.map((record) => {
    const host = origins.size > 1 ? new URL(record.url).host : '';
    const label = `${record.method === 'GET' ? '' : `${record.method} `}${host}${record.path}`;
    const status = record.status === undefined ? '' : ` ${record.status}`;
    const when = `${record.start}–${record.end === undefined ? '' : record.end} ms`;
    return {
      label,
      bars: [
        {
          start: record.start,
          end: record.end,
          kind: record.outcome,
          mark: REQUEST_MARK[record.outcome],
          title: `${record.method} ${record.url}: ${when}, ${record.outcome}${status}`,
        },
      ],
    };
  });
}

function spanRows(spans: readonly TimelineSpan[]): Row[] {
  const lanes = new Map<string, Row>();
  for (const span of spans) {
    const lane = span.lane ?? span.label;
    let row = lanes.get(lane);
    if (!row) {
      row = { label: lane, bars: [] };
      lanes.set(lane, row);
    }
    const when = `${span.start}–${span.end === undefined ? '' : span.end} ms`;
    row.bars.push({
      start: span.start,
      end: span.end,
      kind: span.end === span.start ? 'instant' : (span.kind ?? 'work'),
      mark: span.mark,
      title: `${span.label}: ${when}`,
    });
  }
  return [...lanes.values()];
}

/** A step line: how many requests were in flight at each moment. */
function inFlightStrip(
  records: readonly RequestRecord[],
  x: (ms: number) => number,
  top: number,
  end: number,
): string {
  const events: Array<[number, number]> = [];
  for (const record of records) {
    events.push([record.start, 1], [record.end ?? end, -1]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const peak = Math.max(1, ...running(events).map(([, count]) => count));
  const base = top + FLIGHT_HEIGHT - 6;
  const y = (count: number) => base - (count / peak) * (FLIGHT_HEIGHT - 12);
  let path = `M${n(x(0))},${n(base)}`;
  let previous = 0;
  for (const [time, count] of running(events)) {
    path += ` L${n(x(time))},${n(y(previous))} L${n(x(time))},${n(y(count))}`;
    previous = count;
  }
  path += ` L${n(x(end))},${n(y(previous))}`;
  return (
    `<text class="row-label" x="${LABEL_WIDTH - 8}" y="${base - 2}" text-anchor="end">in flight (max ${peak})</text>` +
    `<path class="in-flight" d="${path}"/>`
  );
}

/** The count after each moment's changes, one step per distinct time (a request ending as another starts is no dip). */
function running(events: ReadonlyArray<[number, number]>): Array<[number, number]> {
  const steps: Array<[number, number]> = [];
  let count = 0;
  for (const [time, delta] of events) {
    count += delta;
    if (steps.length > 0 && steps[steps.length - 1][0] === time) steps[steps.length - 1][1] = count;
    else steps.push([time, count]);
  }
  return steps;
}

/** Round tick positions: 0 and multiples of 1, 2 or 5 × 10^k, about five of them. */
export function ticks(end: number): number[] {
  const rough = end / 5;
  const power = 10 ** Math.floor(Math.log10(rough || 1));
  const step = [1, 2, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= rough) ?? power;
  const result: number[] = [];
  for (let tick = 0; tick <= end + 1e-9; tick += step) result.push(Math.round(tick * 1000) / 1000);
  return result;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function n(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/** Escapes text for HTML and SVG, attributes included. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
