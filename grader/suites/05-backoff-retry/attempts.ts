/**
 * Exercise 05's test doubles: an `fn` for `retry` that records every call in virtual time, and the pictures
 * drawn from those records for students.
 */
import { type GanttRow, gantt, type Lab, listMs } from '../../lab/index.ts';

/** One call of the scripted fn, in virtual ms. */
export interface Call {
  /** The argument it received. */
  attempt: unknown;
  start: number;
  /** When its promise settled (or when it threw). */
  end: number;
  /** What it rejected with (or threw), the same object the student's code sees; absent on success. */
  error?: unknown;
}

export interface ScriptOptions {
  /** The call (1-based) that succeeds; the ones before fail. @default Infinity: every call fails */
  succeedOn?: number;
  /** Virtual ms each call takes before it settles. @default 0 */
  latency?: number;
  /** What call k fails with. @default new Error(`attempt k failed`) */
  failure?: (k: number) => unknown;
  /** Fail by throwing synchronously instead of rejecting. @default false */
  throwSync?: boolean;
  /** What the successful call resolves with. @default { ok: true } */
  value?: unknown;
}

/** A fn for `retry(fn)` that fails until `succeedOn`, and the record of its calls. */
export function scripted(lab: Lab, options: ScriptOptions = {}) {
  const {
    succeedOn = Infinity,
    latency = 0,
    failure = (k: number) => new Error(`attempt ${k} failed`),
    throwSync = false,
    value = { ok: true },
  } = options;
  const calls: Call[] = [];
  const fn = (attempt: number): Promise<unknown> => {
    const call: Call = { attempt, start: lab.now(), end: lab.now() };
    calls.push(call);
    const k = calls.length;
    const fails = k < succeedOn;
    if (fails) call.error = failure(k);
    if (throwSync && fails) throw call.error;
    const settle = () => {
      call.end = lab.now();
      return fails ? Promise.reject(call.error) : Promise.resolve(value);
    };
    if (latency === 0) return settle();
    return new Promise((resolve) => lab.clock.labTimeout(() => resolve(settle()), latency));
  };
  return { fn, calls, value };
}

/** Virtual ms between the end of each call and the start of the next. */
export function waitsOf(calls: readonly Call[]): number[] {
  return calls.slice(1).map((call, i) => call.start - calls[i].end);
}

/**
 * Calls and the waits between them on one axis; `tail` draws the wait after the last call, up to `until`
 * (for example the wait an abort cut short).
 */
export function attemptsPicture(
  calls: readonly Call[],
  marker?: { at: number; note: string },
  tail?: { until: number; mark?: GanttRow['mark'] },
): string {
  const rows: GanttRow[] = [];
  calls.forEach((call, i) => {
    if (i > 0) rows.push({ label: `wait ${i}`, start: calls[i - 1].end, end: call.start });
    rows.push({
      label: `attempt ${i + 1}`,
      start: call.start,
      end: call.end,
      mark: 'error' in call ? '!' : '✓',
    });
  });
  const last = calls.at(-1);
  if (tail && last && tail.until > last.end) {
    rows.push({ label: `wait ${calls.length}`, start: last.end, end: tail.until, mark: tail.mark });
  }
  return `\n\n${gantt(rows, { marker })}`;
}

/** `100, 200, 400 ms`, with fractions kept to one decimal. */
export function msList(values: readonly number[]): string {
  return values.every(Number.isInteger)
    ? listMs(values)
    : `${values.map((value) => (Number.isInteger(value) ? value : value.toFixed(1))).join(', ')} ms`;
}

/** |actual - expected| ≤ 1 ms, the lab's tolerance for sleeps rounded to a whole ms. */
export function near(actual: number, expected: number): boolean {
  return Math.abs(actual - expected) <= 1;
}
