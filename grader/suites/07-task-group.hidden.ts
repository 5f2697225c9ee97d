import { defineSuite, demand, show } from '../lab/index.ts';
import {
  type Api,
  leavesOf,
  outcome,
  picture,
  Sequence,
  sleep,
  taskMaker,
  taskRows,
} from './07-task-group/tasks.ts';

/** Hidden checks of exercise 07: graded on push, left out of the student template. */
const { check } = defineSuite<typeof Api>('07-task-group');

check('body-is-a-task', async ({ api, lab }) => {
  const { make, records } = taskMaker(lab, new Sequence());
  const boom = new Error('the body failed');
  const settled = await lab.settle(
    () =>
      api.taskGroup(async (group) => {
        group.spawn(make('task', { ms: 300, honours: true }).fn);
        await sleep(lab, 50);
        throw boom;
      }),
    { label: 'taskGroup(body)' },
  );
  // How the failures are packed is aggregate-real-failures' business; here the body's error must be among them.
  const reported = settled.status === 'rejected' ? leavesOf(settled.reason) : [];
  demand(
    settled.at === 50 && records[0].sawAbort === 50 && reported.includes(boom),
    () =>
      `The body throws at 50 ms: that is a failure like a task's, so the group should abort its task then and ` +
      `reject at 50 ms with an AggregateError of [${show(boom)}], but it ${outcome(settled)}.` +
      picture(taskRows(records, { label: 'taskGroup', end: settled.at }), { at: 50, note: 'body throws' }),
    { concept: 'the body is a task too' },
  );
});

check('rejects-bad-arguments', async ({ api, lab }) => {
  const fn = async () => 'x';
  const attempts: Array<[string, () => unknown, string]> = [
    ["taskGroup('body')", () => api.taskGroup('body' as never), 'body'],
    ['withTimeout(-1, fn)', () => api.withTimeout(-1, fn), 'ms'],
    ['withTimeout(NaN, fn)', () => api.withTimeout(Number.NaN, fn), 'ms'],
    ["withTimeout('5', fn)", () => api.withTimeout('5' as never, fn), 'ms'],
    ['withTimeout(10, null)', () => api.withTimeout(10, null as never), 'fn'],
    ['shield(null)', () => api.shield(null as never), 'fn'],
    [
      'group.spawn(42)',
      // What spawn itself throws (or rejects with), whatever the group then does with the body's failure.
      () =>
        new Promise((resolve, reject) => {
          api
            .taskGroup(async (group) => {
              try {
                resolve(await group.spawn(42 as never));
              } catch (error) {
                reject(error);
              }
            })
            .catch(() => {});
        }),
      'fn',
    ],
  ];
  for (const [call, attempt, name] of attempts) {
    const settled = await lab.settle(attempt as () => Promise<unknown>, { label: call });
    const reason = settled.status === 'rejected' ? settled.reason : undefined;
    demand(
      reason instanceof TypeError && reason.message.includes(name),
      () =>
        `${call} should throw (or reject with) a TypeError whose message names \`${name}\`, but it ${outcome(settled)}.`,
      { concept: 'validating arguments at the boundary' },
    );
  }
});
