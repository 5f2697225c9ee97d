/**
 * Exercise 08's test doubles: a consumer with generated pacing, source iterables and a mapping function that record
 * everything in virtual time, and the words and pictures drawn from those records.
 */
import type * as Api from '../../../exercises/08-async-streams/index.ts';
import { type GanttRow, gantt, type Lab, show } from '../../lab/index.ts';

export type { Api };

/** How the check's consumer reads a stream: busy time after each item, and maybe an early stop. */
export interface Pacing {
  /** Virtual ms the consumer is busy after item k (the list repeats); 0 asks for the next at once. */
  busy: readonly number[];
  /** Stop after this many items: with `break`, or with a `throw` inside the loop. */
  stopAfter?: number;
  stopBy?: 'break' | 'throw';
}

/** What the consumer saw, in virtual ms. */
export interface Consumed<T> {
  /** When it asked for each item (the k-th next() call), the first at the start. */
  asks: number[];
  /** Each item with the instant it arrived. */
  got: Array<{ value: T; at: number }>;
  /** How the loop ended: the stream was done, it threw, or the consumer stopped it (`stoppedAt` is the break). */
  how: 'done' | 'error' | 'stopped';
  error?: unknown;
  /** When the loop was over (after a break: when the stream's return() had resolved). */
  endedAt: number;
  stoppedAt?: number;
}

const STOP = Symbol('the consumer stops');

/** A virtual sleep on a lab timer: never counted as a timer the student's code left behind. */
export function sleep(lab: Lab, ms: number): Promise<void> {
  return new Promise((resolve) => lab.clock.labTimeout(() => resolve(), ms));
}

/** Reads `stream` with a `for await` loop at the given pace and records it. Never rejects. */
export async function consume<T>(lab: Lab, stream: AsyncIterable<T>, pacing: Pacing): Promise<Consumed<T>> {
  const asks = [lab.now()];
  const got: Consumed<T>['got'] = [];
  let stoppedAt: number | undefined;
  try {
    for await (const value of stream) {
      got.push({ value, at: lab.now() });
      if (pacing.stopAfter !== undefined && got.length >= pacing.stopAfter) {
        stoppedAt = lab.now();
        if (pacing.stopBy === 'throw') throw STOP;
        break;
      }
      const ms = pacing.busy.length === 0 ? 0 : pacing.busy[(got.length - 1) % pacing.busy.length];
      if (ms > 0) await sleep(lab, ms);
      asks.push(lab.now());
    }
    return { asks, got, how: stoppedAt === undefined ? 'done' : 'stopped', endedAt: lab.now(), stoppedAt };
  } catch (error) {
    if (error === STOP) return { asks, got, how: 'stopped', endedAt: lab.now(), stoppedAt };
    return { asks, got, how: 'error', error, endedAt: lab.now() };
  }
}

/** `busy 0, 120, 0 ms, then break after 3 items`, for counterexamples. */
export function describePacing(pacing: Pacing): string {
  const busy = pacing.busy.length === 0 ? 'never busy' : `busy ${pacing.busy.join(', ')} ms after each item`;
  const stop =
    pacing.stopAfter === undefined
      ? ''
      : `, ${pacing.stopBy === 'throw' ? 'throwing' : 'breaking'} after ${pacing.stopAfter} item${pacing.stopAfter === 1 ? '' : 's'}`;
  return `a consumer ${busy}${stop}`;
}

/** What the loop ended with, in words. */
export function endedWith(consumed: Consumed<unknown>): string {
  const items = `${consumed.got.length} item${consumed.got.length === 1 ? '' : 's'}`;
  if (consumed.how === 'error')
    return `threw ${show(consumed.error)} at ${consumed.endedAt} ms after ${items}`;
  if (consumed.how === 'stopped') return `was stopped by the consumer after ${items}`;
  return `ended at ${consumed.endedAt} ms after ${items}`;
}

/** One next() call on a recorded source. */
export interface Pull {
  start: number;
  end?: number;
  done?: boolean;
}

/** An async iterable the check hands in, recording every next() and return() call. */
export interface RecordedSource<T> extends AsyncIterable<T> {
  readonly name: string;
  readonly pulls: Pull[];
  /** Virtual ms of each return() call. */
  readonly returns: number[];
}

/**
 * A source of `values`, value k arriving `latencies[k]` ms after it is asked for (the list repeats; the end of
 * the source arrives at once). A pull after return() is the end. `failure` makes pull `at` reject with `error`;
 * `withReturn: false` leaves return() out.
 */
export function recordedSource<T>(
  lab: Lab,
  name: string,
  values: readonly T[],
  latencies: readonly number[] = [0],
  failure?: { at: number; error: unknown },
  options: { withReturn?: boolean } = {},
): RecordedSource<T> {
  const pulls: Pull[] = [];
  const returns: number[] = [];
  let closed = false;
  const iterator: AsyncIterableIterator<T> = {
    next(): Promise<IteratorResult<T>> {
      const k = pulls.length;
      const pull: Pull = { start: lab.now() };
      pulls.push(pull);
      const ms = k >= values.length || latencies.length === 0 ? 0 : latencies[k % latencies.length];
      return new Promise((resolve, reject) => {
        const finish = () => {
          pull.end = lab.now();
          if (failure?.at === k && !closed) {
            reject(failure.error);
            return;
          }
          pull.done = closed || k >= values.length;
          resolve(pull.done ? { done: true, value: undefined } : { done: false, value: values[k] });
        };
        if (ms > 0) lab.clock.labTimeout(finish, ms);
        else finish();
      });
    },
    return(): Promise<IteratorResult<T>> {
      returns.push(lab.now());
      closed = true;
      return Promise.resolve({ done: true, value: undefined });
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  // Like many hand-written iterators, this one may have no return(): closing it is then a no-op.
  if (options.withReturn === false) delete iterator.return;
  return {
    name,
    pulls,
    returns,
    [Symbol.asyncIterator]: () => iterator,
  };
}

/** One call of the recorded `fn` of mapConcurrent. */
export interface Call {
  item: number;
  /** The index mapConcurrent passed, as received. */
  index: unknown;
  start: number;
  end?: number;
  /** When its signal fired, if it did. */
  abortedAt?: number;
  /** Whether it received a signal at all. */
  hadSignal: boolean;
  outcome?: 'resolved' | 'rejected';
}

/** The value fn resolves with for `item`. */
export function resultOf(item: number): string {
  return `f(${item})`;
}

export interface FnScript {
  /** Virtual ms the call for item k takes (the list repeats). */
  latencies: readonly number[];
  /** The item whose call rejects with `error` when its time is up. */
  failOn?: number;
  error?: unknown;
  /** Virtual ms a call takes to settle once its signal fires. @default 0 */
  abortSettleMs?: number;
}

/** A `fn` for mapConcurrent over the items 0, 1, 2, …: resolves with `f(k)` after its latency, or fails as scripted. */
export function recordedFn(lab: Lab, script: FnScript) {
  const calls: Call[] = [];
  const fn = (item: number, context?: Api.MapContext): Promise<string> => {
    const signal = context?.signal;
    const call: Call = { item, index: context?.index, start: lab.now(), hadSignal: signal !== undefined };
    calls.push(call);
    const ms = script.latencies[item % script.latencies.length] ?? 0;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        if (call.end !== undefined) return;
        call.abortedAt = lab.now();
        clearTimeout(timer);
        const settle = () => {
          call.end = lab.now();
          call.outcome = 'rejected';
          reject(signal?.reason);
        };
        if (script.abortSettleMs) lab.clock.labTimeout(settle, script.abortSettleMs);
        else settle();
      };
      const timer = lab.clock.labTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        call.end = lab.now();
        if (script.failOn === item) {
          call.outcome = 'rejected';
          reject(script.error);
        } else {
          call.outcome = 'resolved';
          resolve(resultOf(item));
        }
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
      // A signal may already be aborted when the call arrives (like fetch, a careful fn looks before it listens).
      if (signal?.aborted) {
        signal.removeEventListener('abort', onAbort);
        onAbort();
      }
    });
  };
  return { fn, calls };
}

/** Calls of fn and pulls of the source on one axis, for messages. */
export function mapPicture(
  calls: readonly Call[],
  pulls: readonly Pull[],
  marker?: { at: number; note: string },
) {
  const rows: GanttRow[] = [];
  pulls.forEach((pull, k) => {
    rows.push({
      label: `pull ${k}${pull.done ? ' (end)' : ''}`,
      start: pull.start,
      end: pull.end,
      mark: '✓',
    });
    const call = calls.find((c) => c.item === k);
    if (call) {
      rows.push({
        label: `fn(${call.item})`,
        start: call.start,
        end: call.end,
        mark: call.abortedAt !== undefined ? '×' : call.outcome === 'rejected' ? '!' : call.end ? '✓' : '…',
      });
    }
  });
  return `\n\n${gantt(rows, { marker, maxRows: 24 })}`;
}

/** `0, 30, 30 ms` */
export function times(list: readonly (number | undefined)[]): string {
  return list.length === 0 ? 'none' : `${list.map((t) => (t === undefined ? '?' : t)).join(', ')} ms`;
}
