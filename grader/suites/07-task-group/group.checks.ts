/** taskGroup(): concurrency, settling, the first failure, the errors, spawn after the end, nested groups. */
import { defineSuite, demand, show } from '../../lab/index.ts';
import {
  describePlans,
  expectRealFailuresInOrder,
  expectSettlesAfterEveryTask,
  PLAN_EXAMPLES,
  plans,
  runGroup,
} from './groups.ts';
import {
  type Api,
  describeError,
  leavesOf,
  outcome,
  picture,
  Sequence,
  sleep,
  type TaskGroup,
  taskMaker,
  taskRows,
} from './tasks.ts';

const { check } = defineSuite<typeof Api>('07-task-group');

check('tasks-run-concurrently', async ({ api, lab }) => {
  const { make, records } = taskMaker(lab, new Sequence());
  const label = 'taskGroup(async (group) => Promise.all([100, 200, 300 ms tasks]))';
  const settled = await lab.settle(
    () =>
      api.taskGroup(async (group) =>
        Promise.all(
          [100, 300, 200].map((ms, i) => group.spawn(make(`task ${i + 1}`, { ms, honours: true }).fn)),
        ),
      ),
    { label },
  );
  const rows = () => taskRows(records, { label: 'taskGroup', end: settled.at });
  demand(
    records.every((record) => record.start === 0) &&
      settled.status === 'fulfilled' &&
      settled.at === 300 &&
      show(settled.value) === show(['task 1', 'task 2', 'task 3']),
    () =>
      `A body that spawns tasks of 100, 300 and 200 ms and awaits their promises should see all three start at ` +
      `0 ms and the group resolve at 300 ms with the body's value (["task 1", "task 2", "task 3"]), but it ` +
      `${outcome(settled)}.${picture(rows())}`,
    { concept: 'tasks that run side by side' },
  );
  demand(
    records.every(
      (record) => record.signal instanceof AbortSignal && !(record.signal as AbortSignal).aborted,
    ),
    () =>
      `Every task should be called with the group's signal (an AbortSignal, not aborted while all goes well), but ` +
      `they got ${records.map((record) => show(record.signal)).join(', ')}.`,
    { concept: 'tasks that run side by side' },
  );
});

check('settles-after-every-task', async ({ api, lab }) => {
  // A task that spawns another task later: the group waits for that one too.
  const { make, records } = taskMaker(lab, new Sequence());
  const settled = await lab.settle(
    () =>
      api.taskGroup(async (group) => {
        group.spawn(async (signal) => {
          await sleep(lab, 150);
          group.spawn(make('task spawned at 150 ms', { ms: 200 }).fn);
          return make('first task', { ms: 0 }).fn(signal);
        });
        return 'body done';
      }),
    { label: 'taskGroup(body)' },
  );
  demand(
    settled.status === 'fulfilled' && settled.at === 350,
    () =>
      `A task spawned at 150 ms by another task runs until 350 ms; the group should wait for it and resolve at ` +
      `350 ms, but it ${outcome(settled)}.${picture(taskRows(records, { label: 'taskGroup', end: settled.at }))}`,
    { concept: 'no task outlives its group' },
  );
  await lab.property([plans], async (list) => expectSettlesAfterEveryTask(await runGroup(api, lab, list)), {
    examples: PLAN_EXAMPLES,
    describe: describePlans,
  });
});

check('first-failure-aborts', async ({ api, lab }) => {
  const { make, records } = taskMaker(lab, new Sequence());
  let groupSignal: AbortSignal | undefined;
  let abortedAt: number | undefined;
  const running = lab.start(() =>
    api.taskGroup(async (group) => {
      groupSignal = group.signal;
      group.signal.addEventListener('abort', () => {
        abortedAt = lab.now();
      });
      group.spawn(make('task 1', { ms: 300, honours: true }).fn);
      group.spawn(make('task 2', { ms: 100, fails: true }).fn);
      group.spawn(make('task 3', { ms: 500, honours: true }).fn);
    }),
  );
  const settled = await lab.settle(running, { label: 'taskGroup(body)' });
  const stopped = records.filter((record) => record.plan.honours);
  demand(
    abortedAt === 100 && groupSignal?.aborted === true && stopped.every((record) => record.sawAbort === 100),
    () =>
      `Task 2 failed at 100 ms: the group's signal should abort right then, and tasks 1 and 3 see it, but the ` +
      `signal ${abortedAt === undefined ? 'never aborted' : `aborted at ${abortedAt} ms`} and the group ` +
      `${outcome(settled)}.${picture(taskRows(records, { label: 'taskGroup', end: settled.at }), { at: 100, note: 'first failure' })}`,
    { concept: 'the first failure cancels the rest' },
  );
});

check('aggregate-real-failures', async ({ api, lab }) => {
  await lab.property([plans], async (list) => expectRealFailuresInOrder(await runGroup(api, lab, list)), {
    examples: PLAN_EXAMPLES,
    describe: describePlans,
  });
});

check('spawn-after-settled-throws', async ({ api, lab }) => {
  let kept: TaskGroup | undefined;
  await lab.run(
    () =>
      api.taskGroup(async (group) => {
        kept = group;
        return 'done';
      }),
    { label: 'taskGroup(body)' },
  );
  let called = false;
  let thrown: unknown;
  let returned: unknown;
  try {
    returned = kept?.spawn(async () => {
      called = true;
      return 'late';
    });
  } catch (error) {
    thrown = error;
  }
  if (returned instanceof Promise) returned.catch(() => {});
  demand(
    thrown !== undefined && !called,
    () =>
      `spawn() after the group settled should throw and start nothing, but it ${thrown === undefined ? `returned ${show(returned)}` : `threw ${show(thrown)}`} ` +
      `and the task ${called ? 'was started' : 'was not started'}.`,
    { concept: 'no task outlives its group' },
  );
});

check('nested-groups', async ({ api, lab }) => {
  const inside = taskMaker(lab, new Sequence());
  const failure = await lab.settle(
    () =>
      api.taskGroup(async (outer) => {
        outer.spawn(inside.make('outer task', { ms: 500, honours: true }).fn);
        outer.spawn((signal) =>
          api.taskGroup(
            async (inner) => {
              inner.spawn(inside.make('inner task 1', { ms: 300, honours: true }).fn);
              inner.spawn(inside.make('inner task 2', { ms: 100, fails: true }).fn);
            },
            { signal },
          ),
        );
      }),
    { label: 'taskGroup(outer body)' },
  );
  // How failures are packed is aggregate-real-failures' business: here the inner error must come out, alone.
  const innerError = inside.records[2].error;
  const reported = failure.status === 'rejected' ? leavesOf(failure.reason) : [];
  demand(
    failure.at === 100 && reported.length === 1 && reported[0] === innerError,
    () =>
      `Inner task 2 fails at 100 ms: the inner group should abort its other task and reject with an ` +
      `AggregateError of [${describeError(innerError)}]; that is the failure of the outer task running it, so the ` +
      `outer group aborts its own task and rejects at 100 ms with an AggregateError holding the inner one. It ` +
      `${outcome(failure)}.${picture(taskRows(inside.records, { label: 'outer group', end: failure.at }))}`,
    { concept: 'nested task groups' },
  );

  lab.reset();
  const across = taskMaker(lab, new Sequence());
  const aborted = await lab.settle(
    () =>
      api.taskGroup(async (outer) => {
        outer.spawn(across.make('outer task', { ms: 100, fails: true }).fn);
        outer.spawn((signal) =>
          api.taskGroup(
            async (inner) => {
              inner.spawn(across.make('inner task', { ms: 300, honours: true }).fn);
            },
            { signal },
          ),
        );
      }),
    { label: 'taskGroup(outer body)' },
  );
  const errors = aborted.status === 'rejected' ? leavesOf(aborted.reason) : [];
  demand(
    aborted.at === 100 &&
      across.records[1].sawAbort === 100 &&
      errors.length === 1 &&
      errors[0] === across.records[0].error,
    () =>
      `The outer task fails at 100 ms and aborts the outer group's signal, which the inner group got as ` +
      `{ signal }: the inner group should abort its task at once and reject with that signal's reason, which the ` +
      `outer group does not count as a failure. So the outer group should reject at 100 ms with an ` +
      `AggregateError of [${describeError(across.records[0].error)}] alone, but it ${outcome(aborted)}.` +
      picture(taskRows(across.records, { label: 'outer group', end: aborted.at })),
    { concept: 'nested task groups' },
  );

  lab.reset();
  const alone = taskMaker(lab, new Sequence());
  const controller = lab.controller();
  const reason = new Error('the request was cancelled');
  lab.clock.labTimeout(() => controller.abort(reason), 100);
  const cancelled = await lab.settle(
    () =>
      api.taskGroup(
        async (group) => {
          group.spawn(alone.make('task', { ms: 300, honours: true }).fn);
        },
        { signal: controller.signal },
      ),
    { label: 'taskGroup(body, { signal })' },
  );
  demand(
    cancelled.status === 'rejected' && cancelled.reason === reason && cancelled.at === 100,
    () =>
      `The caller's signal aborted at 100 ms and no task failed on its own: the group should stop its task and ` +
      `reject at 100 ms with that very signal.reason (${show(reason)}), so that an outer group does not count ` +
      `it as a failure, but it ${outcome(cancelled)}.` +
      picture(taskRows(alone.records, { label: 'taskGroup', end: cancelled.at }), { at: 100, note: 'abort' }),
    { concept: 'nested task groups' },
  );
});
