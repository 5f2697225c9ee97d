/**
 * Generated task groups: tasks that resolve or fail after a generated time, honouring the group's signal or
 * ignoring it, all spawned by a body that returns at once. Judged by what the tasks themselves recorded.
 */
import { CheckFailure, fc, type Lab, type Settled } from '../../lab/index.ts';
import {
  type Api,
  describeError,
  errorsOf,
  outcome,
  picture,
  Sequence,
  type TaskPlan,
  type TaskRecord,
  taskMaker,
  taskRows,
} from './tasks.ts';

export const plans = fc.array(
  fc.record({ ms: fc.integer({ min: 0, max: 300 }), fails: fc.boolean(), honours: fc.boolean() }),
  { minLength: 1, maxLength: 5 },
);

/** A failure while a task that ignores the signal runs on; two failures in one millisecond. */
export const PLAN_EXAMPLES: Array<[TaskPlan[]]> = [
  [
    [
      { ms: 300, honours: true },
      { ms: 100, fails: true },
      { ms: 200, honours: false },
      { ms: 250, fails: true, honours: false },
    ],
  ],
  [
    [
      { ms: 100, fails: true },
      { ms: 100, fails: true, honours: false },
      { ms: 100, fails: true, honours: true },
    ],
  ],
  // The task spawned first fails last: the failures are in the order they happened, not the order of spawning.
  [
    [
      { ms: 200, fails: true, honours: false },
      { ms: 100, fails: true },
    ],
  ],
];

export function describePlans(list: readonly TaskPlan[]): string {
  return list
    .map(
      (plan, i) =>
        `task ${i + 1} ${plan.fails ? 'fails' : 'resolves'} after ${plan.ms} ms` +
        `${plan.honours ? '' : ' (ignores the signal)'}`,
    )
    .join(', ');
}

export interface GroupRun {
  records: TaskRecord[];
  settled: Settled<unknown>;
  /** Its place among the tasks' events. */
  settledSeq: number;
}

/** Runs one group whose body spawns every task at once and returns 'body done'. */
export async function runGroup(api: typeof Api, lab: Lab, list: readonly TaskPlan[]): Promise<GroupRun> {
  const sequence = new Sequence();
  const { make, records } = taskMaker(lab, sequence);
  let settledSeq = 0;
  const group = api.taskGroup(async (g) => {
    for (const [i, plan] of list.entries()) g.spawn(make(`task ${i + 1}`, plan).fn);
    return 'body done';
  });
  group.then(
    () => {
      settledSeq = sequence.next();
    },
    () => {
      settledSeq = sequence.next();
    },
  );
  const settled = await lab.settle(group, { label: 'taskGroup(body)' });
  return { records, settled, settledSeq };
}

/** The group settles when its last task ends, not before and not after. */
export function expectSettlesAfterEveryTask({ records, settled, settledSeq }: GroupRun): void {
  const running = records.filter((record) => record.endSeq === undefined || record.endSeq > settledSeq);
  const last = Math.max(...records.map((record) => record.end ?? 0));
  const rows = () => taskRows(records, { label: 'taskGroup', end: settled.at });
  if (running.length > 0) {
    throw new CheckFailure(
      `The group ${outcome(settled)} while ${running.map((record) => record.name).join(', ')} ` +
        `${running.length === 1 ? 'was' : 'were'} still running: a group settles only when every task has ` +
        `settled. A task that ignores the signal keeps the group waiting.${picture(rows(), { at: settled.at, note: 'group settled' })}`,
      { concept: 'no task outlives its group' },
    );
  }
  if (settled.at !== last) {
    throw new CheckFailure(
      `The last task ended at ${last} ms, so the group should settle then, but it ${outcome(settled)}.` +
        picture(rows(), { at: settled.at, note: 'group settled' }),
      { concept: 'no task outlives its group' },
    );
  }
}

/** Rejects with an AggregateError of the tasks' own errors in the order they happened; resolves when none. */
export function expectRealFailuresInOrder({ records, settled }: GroupRun): void {
  const real = records
    .filter((record) => record.outcome === 'failed')
    .sort((a, b) => (a.endSeq ?? 0) - (b.endSeq ?? 0))
    .map((record) => record.error);
  const errors = settled.status === 'rejected' ? errorsOf(settled.reason) : undefined;
  const right =
    real.length === 0
      ? settled.status === 'fulfilled' && settled.value === 'body done'
      : errors !== undefined &&
        errors.length === real.length &&
        errors.every((error, i) => error === real[i]);
  if (right) return;
  const expected =
    real.length === 0
      ? 'resolve with the body’s value ("body done"), since no task failed on its own'
      : `reject with an AggregateError of [${real.map((error) => describeError(error)).join(', ')}], every task's own ` +
        'error in the order they happened (a task that stopped because the group aborted is not a failure)';
  throw new CheckFailure(
    `The group should ${expected}, but it ${outcome(settled)}.` +
      picture(taskRows(records, { label: 'taskGroup', end: settled.at })),
    { concept: 'all-or-nothing errors' },
  );
}
