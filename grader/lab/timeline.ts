/** One request the student's code made, as the HTTP lab saw it, in virtual ms since the check started. */
export interface RequestRecord {
  /** 0-based, in the order the requests were made. */
  index: number;
  method: string;
  url: string;
  /** The URL's origin (scheme, host, port). */
  origin: string;
  /** Path and query, for labels. */
  path: string;
  headers: Record<string, string>;
  start: number;
  /** When the response headers arrived. */
  headersAt?: number;
  /** When the request was over: body received, aborted or failed. */
  end?: number;
  outcome: 'pending' | 'response' | 'network-error' | 'aborted' | 'unexpected';
  status?: number;
  /** Requests in flight the moment this one started, itself included. */
  inFlightAtStart: number;
}

/** Anything with a start and maybe an end: requests, tasks, queue waits. */
export interface Span {
  start: number;
  end?: number;
}

/** The most spans active at once (half-open: one ending at t does not overlap one starting at t). */
export function maxOverlap(spans: readonly Span[]): { max: number; at: number } {
  const events: Array<[time: number, delta: number]> = [];
  for (const span of spans) {
    events.push([span.start, 1]);
    if (span.end !== undefined) events.push([span.end, -1]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let current = 0;
  let best = { max: 0, at: 0 };
  for (const [time, delta] of events) {
    current += delta;
    if (current > best.max) best = { max: current, at: time };
  }
  return best;
}

/** The most starts in any half-open window `[t, t + windowMs)`, and where the first such window begins. */
export function maxStartsInWindow(
  starts: readonly number[],
  windowMs: number,
): { max: number; from: number } {
  const sorted = [...starts].sort((a, b) => a - b);
  let best = { max: 0, from: 0 };
  let left = 0;
  for (let right = 0; right < sorted.length; right++) {
    while (sorted[right] - sorted[left] >= windowMs) left++;
    const count = right - left + 1;
    if (count > best.max) best = { max: count, from: sorted[left] };
  }
  return best;
}

/** Smallest gap between consecutive starts, per origin. */
export function minGapByOrigin(records: readonly RequestRecord[]): Map<string, { gap: number; at: number }> {
  const byOrigin = new Map<string, number[]>();
  for (const record of records) {
    const starts = byOrigin.get(record.origin) ?? [];
    starts.push(record.start);
    byOrigin.set(record.origin, starts);
  }
  const result = new Map<string, { gap: number; at: number }>();
  for (const [origin, starts] of byOrigin) {
    starts.sort((a, b) => a - b);
    for (let i = 1; i < starts.length; i++) {
      const gap = starts[i] - starts[i - 1];
      const current = result.get(origin);
      if (!current || gap < current.gap) result.set(origin, { gap, at: starts[i] });
    }
  }
  return result;
}

/** When the last span ended (spans still open count as ending at `now`). */
export function makespan(spans: readonly Span[], now = 0): number {
  return spans.reduce((latest, span) => Math.max(latest, span.end ?? now), 0);
}

/** Lists times as a student reads them: `0, 120, 250 ms`. */
export function listMs(times: readonly number[]): string {
  return `${times.map((time) => Math.round(time)).join(', ')} ms`;
}
