import type { TimelineData, TimelineMarker, TimelineSpan } from './suite.ts';
import type { RequestRecord } from './timeline.ts';

export interface FailureDetails {
  /** The concept the mistake is an instance of, e.g. "the classic `await` in a loop". */
  concept?: string;
  /** What the student's code did, for views that draw it. */
  timeline?: readonly RequestRecord[];
  /** Other bars on the same axis: tasks, queue puts and gets, retry attempts. */
  spans?: readonly TimelineSpan[];
  /** The moment the rule broke. */
  marker?: TimelineMarker;
  /** What the reference behaviour does with the same workload, drawn beside the student's run. */
  expected?: TimelineData & { note?: string };
  /** The student's error behind this failure, if any. */
  cause?: unknown;
}

/**
 * A check failed because of what the student's code did. The message is for the student: what was expected,
 * what happened, in virtual time. Any other error inside a check is reported as the code's own error.
 */
export class CheckFailure extends Error {
  override readonly name = 'CheckFailure';
  readonly concept?: string;
  timeline?: readonly RequestRecord[];
  spans?: readonly TimelineSpan[];
  marker?: TimelineMarker;
  expected?: TimelineData & { note?: string };

  constructor(message: string, details: FailureDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.concept = details.concept;
    this.timeline = details.timeline;
    this.spans = details.spans;
    this.marker = details.marker;
    this.expected = details.expected;
  }
}

/** Throws a CheckFailure with `message` unless `condition` holds. */
export function demand(
  condition: unknown,
  message: string | (() => string),
  details?: FailureDetails,
): asserts condition {
  if (!condition) throw new CheckFailure(typeof message === 'function' ? message() : message, details);
}

/** A value as a student would write it: short, on one line. */
export function show(value: unknown, max = 120): string {
  let text: string;
  if (value instanceof Error) {
    text = `${value.name}: ${value.message}`;
  } else if (typeof value === 'string') {
    text = JSON.stringify(value);
  } else if (typeof value === 'function') {
    text = `[function ${value.name || 'anonymous'}]`;
  } else if (typeof value === 'bigint') {
    text = `${value}n`;
  } else {
    try {
      text = JSON.stringify(value, (_key, inner) =>
        inner instanceof Error ? `${inner.name}: ${inner.message}` : inner,
      );
    } catch {
      text = String(value);
    }
    if (text === undefined) text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
