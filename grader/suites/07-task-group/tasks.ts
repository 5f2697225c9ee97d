/**
 * Exercise 07's test doubles: tasks that record, in virtual time, when they started, when they saw their signal
 * abort and how they ended, and the pictures drawn from them for students. Every event gets a sequence number, so
 * "had every task ended when the group settled?" has an exact answer even within one millisecond.
 */
import type * as Api from '../../../exercises/07-task-group/index.ts';
import { type GanttRow, gantt, type Lab, type Settled, show } from '../../lab/index.ts';

export type { Api };
export type TaskGroup = Api.TaskGroup;

/** Orders the events of one run. */
export class Sequence {
  #next = 0;
  next(): number {
    return ++this.#next;
  }
}

export interface TaskPlan {
  /** Virtual ms the task works before it ends on its own. */
  ms: number;
  /** Ends on its own by rejecting with its own error (else it resolves with its name). */
  fails?: boolean;
  /** Stops at once, rejecting with signal.reason, when its signal aborts (as fetch does). */
  honours?: boolean;
}

/** One task as the check saw it. */
export interface TaskRecord {
  name: string;
  plan: TaskPlan;
  start?: number;
  /** What it was handed as its signal. */
  signal?: unknown;
  /** When it saw its signal abort, if it did while running. */
  sawAbort?: number;
  end?: number;
  endSeq?: number;
  outcome?: 'resolved' | 'failed' | 'aborted';
  /** Its own error, the one it fails with. */
  readonly error: Error;
}

/** Makes tasks that record what happens to them. */
export function taskMaker(lab: Lab, sequence: Sequence) {
  const records: TaskRecord[] = [];
  const make = (name: string, plan: TaskPlan) => {
    const record: TaskRecord = { name, plan, error: new Error(`${name} failed`) };
    records.push(record);
    const fn = (signal?: AbortSignal): Promise<string> => {
      Object.assign(record, { start: lab.now(), signal });
      return new Promise<string>((resolve, reject) => {
        const end = (outcome: TaskRecord['outcome']) =>
          Object.assign(record, { end: lab.now(), endSeq: sequence.next(), outcome });
        const onAbort = () => {
          record.sawAbort ??= lab.now();
          if (!plan.honours || record.outcome) return;
          end('aborted');
          reject(signal?.reason);
        };
        if (signal instanceof AbortSignal) {
          if (signal.aborted) onAbort();
          else signal.addEventListener('abort', onAbort, { once: true });
        }
        lab.clock.labTimeout(() => {
          if (record.outcome) return;
          signal?.removeEventListener?.('abort', onAbort);
          if (plan.fails) {
            end('failed');
            reject(record.error);
          } else {
            end('resolved');
            resolve(name);
          }
        }, plan.ms);
      });
    };
    return { fn, record };
  };
  return { make, records };
}

const MARKS: Record<NonNullable<TaskRecord['outcome']>, GanttRow['mark']> = {
  resolved: '✓',
  failed: '!',
  aborted: '×',
};

/** The tasks and the group (or call) as bars on one axis. */
export function taskRows(
  records: readonly TaskRecord[],
  whole?: { label: string; end?: number },
): GanttRow[] {
  const rows: GanttRow[] = records
    .filter((record) => record.start !== undefined)
    .map((record) => ({
      label: `${record.name}${record.plan.honours ? '' : ' (ignores signal)'}`,
      start: record.start as number,
      end: record.end,
      mark: record.outcome ? MARKS[record.outcome] : '…',
    }));
  if (whole)
    rows.unshift({ label: whole.label, start: 0, end: whole.end, mark: whole.end === undefined ? '…' : '✓' });
  return rows;
}

export function picture(rows: readonly GanttRow[], marker?: { at: number; note: string }): string {
  return `\n\n${gantt(rows, { marker, maxRows: 24 })}`;
}

/** A virtual sleep on a lab timer. */
export function sleep(lab: Lab, ms: number): Promise<void> {
  return new Promise((resolve) => lab.clock.labTimeout(resolve, ms));
}

/** `resolved at 100 ms with "x"` / `rejected at 100 ms with AggregateError [...]`. */
export function outcome(settled: Settled<unknown>): string {
  if (settled.status === 'fulfilled') return `resolved at ${settled.at} ms with ${show(settled.value)}`;
  return `rejected at ${settled.at} ms with ${describeError(settled.reason)}`;
}

/** An AggregateError with its errors listed, anything else as `show` prints it. */
export function describeError(error: unknown): string {
  if (error instanceof AggregateError) {
    return `an AggregateError of [${error.errors.map((inner) => describeError(inner)).join(', ')}]`;
  }
  return show(error);
}

/** Every error a rejection reports, AggregateErrors opened all the way down: the leaves, in order. */
export function leavesOf(reason: unknown): unknown[] {
  const errors = errorsOf(reason);
  return errors === undefined ? [reason] : errors.flatMap((inner) => leavesOf(inner));
}

/** The errors of an AggregateError, or undefined when it is not one. */
export function errorsOf(reason: unknown): unknown[] | undefined {
  return reason instanceof AggregateError && Array.isArray(reason.errors) ? reason.errors : undefined;
}
