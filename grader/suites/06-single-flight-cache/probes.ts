/**
 * Exercise 06's test doubles: a `load` that records every call in virtual time, calls the check starts and looks
 * at later, and the pictures drawn from them for students. Every event gets a sequence number, so "was that load
 * still running when this get was called?" has an exact answer even when both happened in the same millisecond.
 */
import type * as Api from '../../../exercises/06-single-flight-cache/index.ts';
import { type GanttRow, gantt, type Lab, show } from '../../lab/index.ts';

export type { Api };

/** Orders every event of one run: load calls, load ends, get calls. */
export class Sequence {
  #next = 0;
  next(): number {
    return ++this.#next;
  }
}

/** One call of the recorded load. */
export interface LoadCall {
  key: string;
  /** 1 for the first load of this key, 2 for the second … */
  n: number;
  start: number;
  seq: number;
  /** When it resolved, rejected or saw its signal abort; absent while it runs. */
  end?: number;
  endSeq?: number;
  outcome?: 'resolved' | 'rejected' | 'aborted';
  /** When its signal aborted, whether or not it stopped. */
  abortedAt?: number;
  /** What it resolves with: `a#1` for the first load of `a`. */
  value: string;
  signal: AbortSignal;
}

export interface LoadScript {
  /** Virtual ms the n-th load of `key` takes. @default 100 */
  latency?: (key: string, n: number) => number;
  /** What the n-th load of `key` rejects with; undefined: it resolves. */
  failure?: (key: string, n: number) => unknown;
  /** The n-th load of `key` ignores its signal and runs to the end (it still records when the signal aborted). */
  ignoresAbort?: (key: string, n: number) => boolean;
}

/** A load for createCache that records its calls; it rejects with signal.reason when its signal aborts (unless told to ignore it). */
export function recordedLoad(lab: Lab, sequence: Sequence, script: LoadScript = {}) {
  const { latency = () => 100, failure = () => undefined, ignoresAbort = () => false } = script;
  const calls: LoadCall[] = [];
  const load = (key: string, options?: { signal: AbortSignal }): Promise<string> => {
    const n = calls.filter((call) => call.key === key).length + 1;
    const signal = options?.signal as AbortSignal;
    const call: LoadCall = { key, n, start: lab.now(), seq: sequence.next(), value: `${key}#${n}`, signal };
    calls.push(call);
    return new Promise<string>((resolve, reject) => {
      const finish = (outcome: LoadCall['outcome']) => {
        Object.assign(call, { end: lab.now(), endSeq: sequence.next(), outcome });
      };
      const onAbort = () => {
        call.abortedAt ??= lab.now();
        if (call.outcome || ignoresAbort(key, n)) return;
        finish('aborted');
        reject(signal.reason);
      };
      if (signal instanceof AbortSignal) signal.addEventListener('abort', onAbort, { once: true });
      lab.clock.labTimeout(
        () => {
          if (call.outcome) return;
          const error = failure(key, n);
          if (error === undefined) {
            finish('resolved');
            resolve(call.value);
          } else {
            finish('rejected');
            reject(error);
          }
        },
        latency(key, n),
      );
    });
  };
  return { load, calls };
}

/** A call the check started and looks at later: how it settled, with what, and when. */
export class Watched<T = unknown> {
  state: 'pending' | 'fulfilled' | 'rejected' = 'pending';
  value?: T;
  reason?: unknown;
  /** Virtual ms it was called and settled at. */
  readonly start: number;
  at?: number;
  /** Its place among the run's events when it was called. */
  readonly seq: number;

  constructor(
    readonly label: string,
    lab: Lab,
    sequence: Sequence,
    work: () => Promise<T>,
  ) {
    this.start = lab.now();
    this.seq = sequence.next();
    let promise: Promise<T>;
    try {
      promise = Promise.resolve(work());
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(
      (value) => Object.assign(this, { state: 'fulfilled', value, at: lab.now() }),
      (reason: unknown) => Object.assign(this, { state: 'rejected', reason, at: lab.now() }),
    );
  }

  /** `get('a') resolved with "a#1" at 100 ms`, as a student reads it. */
  describe(): string {
    if (this.state === 'pending') return `${this.label} was still waiting`;
    if (this.state === 'fulfilled') {
      return `${this.label} resolved${this.value === undefined ? '' : ` with ${show(this.value)}`} at ${this.at} ms`;
    }
    return `${this.label} rejected with ${show(this.reason)} at ${this.at} ms`;
  }
}

/** A virtual sleep on a lab timer: it does not count as a timer the student's code left behind. */
export function sleep(lab: Lab, ms: number): Promise<void> {
  return new Promise((resolve) => lab.clock.labTimeout(resolve, ms));
}

/** Lets the student's code react at the current instant (promise callbacks, abort listeners). */
export async function pause(lab: Lab, ms = 0): Promise<void> {
  await lab.advance(ms);
}

const LOAD_MARKS: Record<NonNullable<LoadCall['outcome']>, GanttRow['mark']> = {
  resolved: '✓',
  rejected: '!',
  aborted: '×',
};

/** Loads and gets as bars on one axis, for messages. */
export function cacheRows(loads: readonly LoadCall[], gets: readonly Watched[]): GanttRow[] {
  const rows: GanttRow[] = [];
  for (const call of loads) {
    rows.push({
      label: `load('${call.key}') #${call.n}`,
      start: call.start,
      end: call.end,
      mark: call.outcome ? LOAD_MARKS[call.outcome] : '…',
    });
  }
  for (const get of gets) {
    rows.push({
      label: get.label,
      start: get.start,
      end: get.at,
      mark: get.state === 'pending' ? '…' : get.state === 'fulfilled' ? '✓' : '×',
    });
  }
  return rows;
}

/** The timeline under a message, with an optional marker. */
export function picture(rows: readonly GanttRow[], marker?: { at: number; note: string }): string {
  return `\n\n${gantt(rows, { marker, maxRows: 24 })}`;
}

/** `3 calls` / `1 call` */
export function times(count: number, noun = 'call'): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
