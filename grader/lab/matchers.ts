import { expect } from 'vitest';
import { gantt, requestRows } from './gantt.ts';
import {
  listMs,
  makespan,
  maxOverlap,
  maxStartsInWindow,
  minGapByOrigin,
  type RequestRecord,
} from './timeline.ts';

/** Exact timing comparisons allow this much: fake timers truncate fractional delays. */
export const TOLERANCE_MS = 1;

interface TimelineMatchers<R = unknown> {
  /** Every request started before the first response arrived. */
  toStartEveryRequestBeforeAnyResponse(): R;
  /** At no moment were more than `limit` requests in flight. */
  toNeverExceedInFlight(limit: number): R;
  /** In any window of `windowMs`, at most `limit` requests started. */
  toStartAtMostPerWindow(limit: number, windowMs: number): R;
  /** Consecutive starts on one origin were at least `gapMs` apart (±1 ms). */
  toKeepPerOriginGap(gapMs: number): R;
  /** The last request ended at `expectedMs` (±1 ms); `model` explains the number to a student. */
  toFinishAt(expectedMs: number, model: string): R;
}

declare module 'vitest' {
  interface Matchers<R extends void | Promise<void> = void | Promise<void>, T = unknown>
    extends TimelineMatchers<R> {}
}

type Timeline = readonly RequestRecord[];

function picture(timeline: Timeline, marker?: { at: number; note: string }): string {
  return `\n\n${gantt(requestRows(timeline), { marker })}`;
}

function verdict(pass: boolean, message: string, isNot: boolean) {
  return { pass, message: () => (isNot ? `Expected the opposite: ${message}` : message) };
}

expect.extend({
  toStartEveryRequestBeforeAnyResponse(timeline: Timeline) {
    const firstResponse = Math.min(...timeline.map((record) => record.headersAt ?? record.end ?? Infinity));
    const late = timeline.filter((record) => record.start >= firstResponse && firstResponse !== Infinity);
    const starts = timeline.map((record) => record.start);
    return verdict(
      late.length === 0,
      `The ${timeline.length} requests should all start before the first response arrives (at ${firstResponse} ms), ` +
        `but yours started at ${listMs(starts)}: ${late.length} of them waited for an earlier one.` +
        picture(timeline),
      this.isNot,
    );
  },

  toNeverExceedInFlight(timeline: Timeline, limit: number) {
    const { max, at } = maxOverlap(timeline);
    return verdict(
      max <= limit,
      `At most ${limit} request${limit === 1 ? '' : 's'} should be in flight at once, but at ${at} ms yours had ${max}.` +
        picture(timeline, { at, note: `${max} in flight here (limit ${limit})` }),
      this.isNot,
    );
  },

  toStartAtMostPerWindow(timeline: Timeline, limit: number, windowMs: number) {
    const { max, from } = maxStartsInWindow(
      timeline.map((record) => record.start),
      windowMs,
    );
    return verdict(
      max <= limit,
      `At most ${limit} request${limit === 1 ? '' : 's'} should start in any ${windowMs} ms window, but yours started ` +
        `${max} between ${from} and ${from + windowMs} ms.` +
        picture(timeline, {
          at: from,
          note: `${max} starts in [${from}, ${from + windowMs}) ms (limit ${limit})`,
        }),
      this.isNot,
    );
  },

  toKeepPerOriginGap(timeline: Timeline, gapMs: number) {
    const offenders = [...minGapByOrigin(timeline)].filter(([, { gap }]) => gap < gapMs - TOLERANCE_MS);
    const [origin, worst] = offenders[0] ?? ['', { gap: 0, at: 0 }];
    return verdict(
      offenders.length === 0,
      `Requests to one host should start at least ${gapMs} ms apart, but two requests to ${origin} started only ` +
        `${worst.gap} ms apart (the second at ${worst.at} ms).` +
        picture(timeline, {
          at: worst.at,
          note: `${worst.gap} ms after the previous one (minimum ${gapMs})`,
        }),
      this.isNot,
    );
  },

  toFinishAt(timeline: Timeline, expectedMs: number, model: string) {
    const actual = makespan(timeline);
    const starts = timeline.map((record) => record.start);
    return verdict(
      Math.abs(actual - expectedMs) <= TOLERANCE_MS,
      `Everything should be done at ${expectedMs} ms (${model}), but yours finished at ${actual} ms; ` +
        `its requests started at ${listMs(starts)}.` +
        picture(timeline),
      this.isNot,
    );
  },
});
