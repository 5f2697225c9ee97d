/**
 * Workloads for runPipeline: producers of every kind that record when the pipeline reads them, a `handle` that
 * takes virtual time and records which consumer ran what and when, and the list-scheduling model.
 */
import {
  CheckFailure,
  fc,
  type GanttRow,
  gantt,
  type Lab,
  listMs,
  type Settled,
  show,
} from '../../lab/index.ts';
import { sleep } from './probes.ts';

/**
 * How a producer hands out its items: a plain array, an object with its own iterator, a generator, or an async
 * generator that sleeps `gaps[i]` virtual ms before item i.
 */
export type ProducerKind = 'array' | 'iterable' | 'generator' | 'async';

export interface ProducerSpec<T> {
  kind: ProducerKind;
  items: T[];
  /** Async producers only: ms slept before each item. */
  gaps?: number[];
}

/** One call of `handle`. */
export interface HandlerCall<T> {
  /** 0-based, in the order handle was called. */
  call: number;
  item: T;
  consumer: unknown;
  start: number;
  end?: number;
  failed?: boolean;
  /** What handle resolves with: unique, so results can be told apart. */
  result: { call: number };
}

export interface ProbeOptions<T> {
  /** Virtual ms the handling of `item` takes; `call` counts handle calls from 0. */
  duration(item: T, call: number): number;
  /** An error for `handle` to reject with when it ends, or undefined. */
  failure?(item: T, call: number): unknown;
}

/** What the pipeline under test did: every handle call and every item read from a producer. */
export class PipelineProbe<T> {
  readonly calls: HandlerCall<T>[] = [];
  /** Handle calls in the order they ended. */
  readonly finished: HandlerCall<T>[] = [];
  /** Items read from producers; `ahead` = items read so far minus handle calls started so far. */
  readonly pulls: Array<{ at: number; producer: number; item: T; ahead: number }> = [];
  readonly #lab: Lab;
  readonly #options: ProbeOptions<T>;

  constructor(lab: Lab, options: ProbeOptions<T>) {
    this.#lab = lab;
    this.#options = options;
  }

  /** The `handle` option: takes `duration(item)` virtual ms, then resolves or rejects. */
  readonly handle = (item: T, consumer: number): Promise<{ call: number }> => {
    const call = this.calls.length;
    const record: HandlerCall<T> = { call, item, consumer, start: this.#lab.now(), result: { call } };
    this.calls.push(record);
    return new Promise((resolve, reject) => {
      this.#lab.clock.labTimeout(
        () => {
          record.end = this.#lab.now();
          this.finished.push(record);
          const error = this.#options.failure?.(item, call);
          if (error === undefined) {
            resolve(record.result);
          } else {
            record.failed = true;
            reject(error);
          }
        },
        this.#options.duration(item, call),
      );
    });
  };

  /** A producer of `spec.kind` that records each item as the pipeline reads it. */
  producer(index: number, spec: ProducerSpec<T>): Iterable<T> | AsyncIterable<T> {
    const read = (item: T) => {
      this.pulls.push({
        at: this.#lab.now(),
        producer: index,
        item,
        ahead: this.pulls.length + 1 - this.calls.length,
      });
      return item;
    };
    const { items } = spec;
    const lab = this.#lab;
    switch (spec.kind) {
      case 'array':
        return items;
      case 'iterable':
        return {
          [Symbol.iterator]() {
            let i = 0;
            return {
              next: (): IteratorResult<T> =>
                i < items.length
                  ? { done: false, value: read(items[i++]) }
                  : { done: true, value: undefined },
            };
          },
        };
      case 'generator':
        return (function* () {
          for (const item of items) yield read(item);
        })();
      case 'async':
        return (async function* () {
          for (const [i, item] of items.entries()) {
            await sleep(lab, spec.gaps?.[i] ?? 0);
            yield read(item);
          }
        })();
    }
  }

  /** The handle calls as Gantt rows, grouped by consumer. */
  rows(): GanttRow[] {
    return handlerRows(this.calls);
  }

  /** The handle calls as a text timeline, with an optional marker. */
  picture(marker?: { at: number; note: string }): string {
    return `\n\n${gantt(this.rows(), { marker, maxRows: 16 })}`;
  }
}

/** `consumer 0 · 3` rows, one per handle call, grouped by consumer and ordered by start. */
export function handlerRows<T>(calls: readonly HandlerCall<T>[]): GanttRow[] {
  return [...calls]
    .sort((a, b) => String(a.consumer).localeCompare(String(b.consumer)) || a.start - b.start)
    .map((call) => ({
      label: `consumer ${show(call.consumer)} · ${show(call.item)}`,
      start: call.start,
      end: call.end,
      mark: call.failed ? '!' : call.end === undefined ? '…' : '✓',
    }));
}

/** One item's place in the list-scheduling model. */
export interface Slot {
  worker: number;
  start: number;
  end: number;
}

/**
 * List scheduling: items in order, each to the worker that is free first. That is what `workers` consumers
 * taking items from a FIFO queue do when every item is ready at 0.
 */
export function listSchedule(durations: readonly number[], workers: number): Slot[] {
  const free = Array.from({ length: workers }, () => 0);
  return durations.map((duration) => {
    const worker = free.indexOf(Math.min(...free));
    const start = free[worker];
    free[worker] = start + duration;
    return { worker, start, end: start + duration };
  });
}

/** The model as Gantt rows, for comparison with the student's. */
export function modelRows(slots: readonly Slot[], items: readonly unknown[]): GanttRow[] {
  return slots
    .map((slot, i) => ({ slot, item: items[i] }))
    .sort((a, b) => a.slot.worker - b.slot.worker || a.slot.start - b.slot.start)
    .map(({ slot, item }) => ({
      label: `consumer ${slot.worker} · ${show(item)}`,
      start: slot.start,
      end: slot.end,
      mark: '✓' as const,
    }));
}

/**
 * Runs a pipeline until it settles. When it never does, the failure shows what the handlers did, and names the
 * usual cause: consumers still waiting in get() after the last item.
 */
export async function settlePipeline<R>(
  lab: Lab,
  probe: { picture(): string },
  run: () => Promise<R>,
  label: string,
  stuck: { hint: string; concept: string } = POISON_PILL,
): Promise<Settled<R>> {
  try {
    return await lab.settle(run, { label });
  } catch (error) {
    if (!(error instanceof CheckFailure)) throw error;
    throw new CheckFailure(
      `${error.message} Its handlers ran like this:${probe.picture()}\n\n${stuck.hint}`,
      {
        concept: stuck.concept,
        cause: error,
      },
    );
  }
}

/** Why a pipeline that handled everything usually never finishes. */
const POISON_PILL = {
  hint:
    'A pipeline that never finishes usually has consumers still waiting in get() after the last item. One ' +
    '"stop" item stops one consumer only; closing the queue once every producer is done stops them all.',
  concept: 'one poison pill for several consumers',
};

/** Like `settlePipeline`, but the pipeline must resolve: a rejection fails the check, naming what was thrown. */
export async function runPipelineToEnd<R>(
  lab: Lab,
  probe: { picture(): string },
  run: () => Promise<R>,
  label: string,
): Promise<R> {
  const settled = await settlePipeline(lab, probe, run, label);
  if (settled.status === 'fulfilled') return settled.value;
  throw new CheckFailure(`${label} rejected at ${settled.at} ms with ${show(settled.reason)}.`, {
    cause: settled.reason,
  });
}

/**
 * Runs a pipeline for what its handlers did: a rejection fails the check, but never finishing does not (that is
 * `pipeline-always-finishes`' rule), so a check about timing judges the timeline either way.
 */
export async function runForTimeline(lab: Lab, run: () => Promise<unknown>, label: string): Promise<void> {
  let settled: Settled<unknown>;
  try {
    settled = await lab.settle(run, { label });
  } catch (error) {
    if (error instanceof CheckFailure) return;
    throw error;
  }
  if (settled.status === 'rejected') {
    throw new CheckFailure(`${label} rejected at ${settled.at} ms with ${show(settled.reason)}.`, {
      cause: settled.reason,
    });
  }
}

/** Producers of every kind, each with up to `maxItems` items drawn from `item`. */
export function producerSpecs<T>(
  item: fc.Arbitrary<T>,
  options: { maxProducers: number; maxItems: number; maxGap: number; minProducers?: number },
): fc.Arbitrary<ProducerSpec<T>[]> {
  const spec = fc
    .record({
      kind: fc.constantFrom<ProducerKind>('array', 'iterable', 'generator', 'async'),
      items: fc.array(item, { maxLength: options.maxItems }),
      gaps: fc.array(fc.integer({ min: 0, max: options.maxGap }), {
        minLength: options.maxItems,
        maxLength: options.maxItems,
      }),
    })
    .map(({ kind, items, gaps }) =>
      kind === 'async' ? { kind, items, gaps: gaps.slice(0, items.length) } : { kind, items },
    );
  return fc.array(spec, { minLength: options.minProducers ?? 0, maxLength: options.maxProducers });
}

/** `2 producers (array [1, 2], async [3] after 10 ms)`, as a student reads them. */
export function describeProducers<T>(specs: readonly ProducerSpec<T>[]): string {
  if (specs.length === 0) return 'no producers';
  const each = specs.map((spec) =>
    spec.kind === 'async'
      ? `async ${show(spec.items)}${spec.items.length > 0 ? ` after gaps of ${listMs(spec.gaps ?? [])}` : ''}`
      : `${spec.kind} ${show(spec.items)}`,
  );
  return `${specs.length} producer${specs.length === 1 ? '' : 's'} (${each.join(', ')})`;
}
