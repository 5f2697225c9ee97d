/**
 * What a correct rate-limited client would have done with a workload, computed from the requests' own starts and
 * ends, so one late start is reported once and does not shift every check after it.
 */
import type { Job } from './workload.ts';

export interface Span {
  start?: number;
  end?: number;
}

/** A request that waited while a slot was free. */
export interface IdleSlot {
  /** The job that waited. */
  request: number;
  /** A moment it was waiting with a slot free. */
  at: number;
  /** Requests in flight at that moment. */
  inFlight: number;
}

/**
 * Finds a request that was waiting while fewer than `slots` requests were in flight (work conservation), looking at
 * the moment it was made and every moment a request ended while it waited. Exact: virtual time has no drift, so a
 * slot that frees at t is taken again at t.
 */
export function findIdleSlot(
  jobs: readonly Job[],
  spans: readonly Span[],
  slots: number,
): IdleSlot | undefined {
  for (const [i, job] of jobs.entries()) {
    const start = spans[i].start;
    if (start === undefined) continue;
    const moments = [job.at, ...spans.map((span) => span.end ?? Infinity)]
      .filter((t) => t >= job.at && t < start)
      .sort((a, b) => a - b);
    for (const at of moments) {
      const inFlight = spans.filter(
        (span, j) => j !== i && span.start !== undefined && span.start <= at && (span.end ?? Infinity) > at,
      ).length;
      if (inFlight < slots) return { request: i, at, inFlight };
    }
  }
  return undefined;
}

/**
 * When the last request would end if each one started, in order, the moment it was made and a slot was free
 * (list scheduling on `slots` machines).
 */
export function listScheduleMakespan(jobs: readonly Job[], slots: number): number {
  const free = Array.from({ length: slots }, () => 0);
  let previous = 0;
  let makespan = 0;
  for (const job of jobs) {
    free.sort((a, b) => a - b);
    const start = Math.max(job.at, free[0], previous);
    free[0] = start + job.latency;
    previous = start;
    makespan = Math.max(makespan, free[0]);
  }
  return makespan;
}

/** A request that started later than the sliding window required. */
export interface LateStart {
  request: number;
  /** The earliest moment it was allowed to start. */
  allowedAt: number;
  /** Why it could not start earlier than that, in words. */
  because: string;
}

/**
 * Finds the first request (in the order they were made) that started later than the moment it was made, the
 * previous request's start, and the sliding window (at most `perWindow` starts in any `[t, t + windowMs)`)
 * allowed, given the starts before it. Exact to the millisecond: a window closed at its end (`[t, t + windowMs]`, one
 * millisecond late) is a late start.
 */
export function findLateStart(
  jobs: readonly Job[],
  spans: readonly Span[],
  perWindow: number,
  windowMs: number,
): LateStart | undefined {
  for (const [i, job] of jobs.entries()) {
    const start = spans[i].start;
    if (start === undefined) continue;
    const before = spans
      .slice(0, i)
      .map((span) => span.start)
      .filter((t): t is number => t !== undefined)
      .sort((a, b) => b - a);
    let allowedAt = job.at;
    let because = `it was made at ${job.at} ms and the window had room`;
    const previous = spans[i - 1]?.start;
    if (previous !== undefined && previous > allowedAt) {
      allowedAt = previous;
      because = `the request before it started at ${previous} ms and the window had room`;
    }
    const blocker = before[perWindow - 1];
    if (blocker !== undefined && blocker + windowMs > allowedAt) {
      allowedAt = blocker + windowMs;
      because =
        `${perWindow} request${perWindow === 1 ? '' : 's'} had started in the ${windowMs} ms before it, the ` +
        `earliest of them at ${blocker} ms, so the window had room again at ${blocker} + ${windowMs} = ${allowedAt} ms`;
    }
    if (start > allowedAt) return { request: i, allowedAt, because };
  }
  return undefined;
}
