/** withTimeout() and shield(), and what every call leaves behind. */
import { defineSuite, demand, fc, show } from '../../lab/index.ts';
import { type Api, outcome, picture, Sequence, sleep, taskMaker, taskRows } from './tasks.ts';

const { check } = defineSuite<typeof Api>('07-task-group');

const isTimeoutError = (reason: unknown) => reason instanceof DOMException && reason.name === 'TimeoutError';

check('timeout-deadline', async ({ api, lab }) => {
  await lab.property(
    [fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 300 })],
    async (ms, work) => {
      const { make, records } = taskMaker(lab, new Sequence());
      const [task] = [make(`fn (${work} ms)`, { ms: work, honours: true })];
      const label = `withTimeout(${ms}, fn)`;
      const settled = await lab.settle(() => api.withTimeout(ms, task.fn), { label });
      const rows = () => taskRows(records, { label, end: settled.at });
      if (work < ms) {
        demand(
          settled.status === 'fulfilled' && settled.value === task.record.name && settled.at === work,
          () =>
            `fn resolves at ${work} ms, before the ${ms} ms deadline, so ${label} should resolve then with its ` +
            `value, but it ${outcome(settled)}.${picture(rows())}`,
          { concept: 'a deadline' },
        );
      } else if (work > ms) {
        demand(
          settled.status === 'rejected' &&
            isTimeoutError(settled.reason) &&
            settled.at === ms &&
            task.record.sawAbort === ms,
          () =>
            `fn would take ${work} ms: at the ${ms} ms deadline its signal should abort and ${label} reject with a ` +
            `DOMException named "TimeoutError", but fn's signal ${task.record.sawAbort === undefined ? 'never aborted' : `aborted at ${task.record.sawAbort} ms`} ` +
            `and it ${outcome(settled)}.${picture(rows(), { at: ms, note: 'deadline' })}`,
          { concept: 'a deadline that cancels' },
        );
      }
    },
    {
      examples: [
        [100, 300],
        [300, 100],
        [0, 50],
      ],
      describe: (ms, work) => `withTimeout(${ms}, fn) with an fn of ${work} ms`,
    },
  );
  lab.reset();
  const boom = new Error('fn failed on its own');
  const failed = await lab.settle(
    () => api.withTimeout(100, () => sleep(lab, 30).then(() => Promise.reject(boom))),
    {
      label: 'withTimeout(100, fn)',
    },
  );
  demand(
    failed.status === 'rejected' && failed.reason === boom && failed.at === 30,
    () =>
      `fn rejects at 30 ms with ${show(boom)}: withTimeout should reject then with that very error, but it ${outcome(failed)}.`,
    { concept: 'a deadline' },
  );
});

check('timeout-caller-abort', async ({ api, lab }) => {
  const { make, records } = taskMaker(lab, new Sequence());
  const task = make('fn (300 ms)', { ms: 300, honours: true });
  const controller = lab.controller();
  const reason = new Error('user cancelled');
  lab.clock.labTimeout(() => controller.abort(reason), 40);
  const label = 'withTimeout(100, fn, { signal })';
  const settled = await lab.settle(() => api.withTimeout(100, task.fn, { signal: controller.signal }), {
    label,
  });
  demand(
    settled.status === 'rejected' &&
      settled.reason === reason &&
      settled.at === 40 &&
      task.record.sawAbort === 40,
    () =>
      `The caller aborted at 40 ms, before the 100 ms deadline: fn's signal should abort then and ${label} reject ` +
      `with signal.reason (${show(reason)}), not a TimeoutError, but it ${outcome(settled)}.` +
      picture(taskRows(records, { label, end: settled.at }), { at: 40, note: 'caller aborts' }),
    { concept: 'telling a deadline from the caller’s abort' },
  );
  const gone = lab.controller();
  gone.abort(reason);
  const late = make('fn', { ms: 10 });
  const refused = await lab.settle(() => api.withTimeout(100, late.fn, { signal: gone.signal }), {
    label: 'withTimeout(100, fn, { signal: alreadyAborted })',
  });
  demand(
    refused.status === 'rejected' && refused.reason === reason && late.record.start === undefined,
    () =>
      `With a signal that is already aborted, withTimeout should reject with signal.reason and never call fn, but ` +
      `it ${outcome(refused)} and fn was ${late.record.start === undefined ? 'not called' : 'called'}.`,
    { concept: 'checking the signal before starting' },
  );
});

check('shield-runs-on', async ({ api, lab }) => {
  const { make, records } = taskMaker(lab, new Sequence());
  // The work would honour a signal if shield handed it one: a shield must not.
  const work = make('shielded work (200 ms)', { ms: 200, honours: true });
  const controller = lab.controller();
  const reason = new Error('request ended');
  lab.clock.labTimeout(() => controller.abort(reason), 50);
  const label = 'shield(fn, { signal })';
  const settled = await lab.settle(() => api.shield(work.fn, { signal: controller.signal }), {
    label,
  });
  await lab.advance(300);
  demand(
    settled.status === 'rejected' && settled.reason === reason && settled.at === 50,
    () =>
      `The caller aborted at 50 ms: ${label} should reject right then with signal.reason (${show(reason)}), ` +
      `without waiting for the work, but it ${outcome(settled)}.${picture(taskRows(records, { label, end: settled.at }), { at: 50, note: 'caller aborts' })}`,
    { concept: 'shielding work from cancellation' },
  );
  demand(
    work.record.start === 0 && work.record.outcome === 'resolved' && work.record.end === 200,
    () =>
      `The shielded work should start at once and run on to completion at 200 ms whatever the caller does, but ` +
      `it ${work.record.start === undefined ? 'never started' : `${work.record.outcome ?? 'was still running'} at ${work.record.end} ms`}.` +
      picture(taskRows(records, { label, end: settled.at }), { at: 50, note: 'caller aborts' }),
    { concept: 'shielding work from cancellation' },
  );

  lab.reset();
  const calm = taskMaker(lab, new Sequence()).make('work', { ms: 80 });
  const value = await lab.settle(() => api.shield(() => calm.fn(), { signal: lab.controller().signal }), {
    label: 'shield(fn, { signal })',
  });
  const boom = new Error('cleanup failed');
  const failed = await lab.settle(() => api.shield(() => Promise.reject(boom)), { label: 'shield(fn)' });
  demand(
    value.status === 'fulfilled' &&
      value.value === 'work' &&
      value.at === 80 &&
      failed.status === 'rejected' &&
      failed.reason === boom,
    () =>
      `Without an abort, shield should settle like fn: resolve at 80 ms with "work", and reject with fn's own ` +
      `error; but it ${outcome(value)}, and shield(fn) of a failing fn ${outcome(failed)}.`,
    { concept: 'shielding work from cancellation' },
  );

  lab.reset();
  const already = lab.controller();
  already.abort(reason);
  const late = taskMaker(lab, new Sequence()).make('cleanup', { ms: 30 });
  const refused = await lab.settle(() => api.shield(() => late.fn(), { signal: already.signal }), {
    label: 'shield(fn, { signal: alreadyAborted })',
  });
  await lab.advance(50);
  demand(
    refused.status === 'rejected' && refused.reason === reason && late.record.outcome === 'resolved',
    () =>
      `With a signal that is already aborted, shield should still run the work (cleanup must happen) and reject ` +
      `the caller at once with signal.reason, but it ${outcome(refused)} and the work ` +
      `${late.record.start === undefined ? 'never started' : (late.record.outcome ?? 'was still running')}.`,
    { concept: 'shielding work from cancellation' },
  );
});

check('leaves-nothing-pending', async ({ api, lab }) => {
  const signal = lab.controller().signal;
  const { make } = taskMaker(lab, new Sequence());
  await lab.run(() => api.withTimeout(1000, make('quick fn', { ms: 10 }).fn, { signal }), {
    label: 'withTimeout(1000, fn, { signal })',
  });
  await lab.settle(() => api.withTimeout(20, make('slow fn', { ms: 100, honours: true }).fn, { signal }), {
    label: 'withTimeout(20, fn, { signal })',
  });
  await lab.run(
    () =>
      api.taskGroup(
        async (group) => {
          group.spawn(make('task', { ms: 30 }).fn);
        },
        { signal },
      ),
    { label: 'taskGroup(body, { signal })' },
  );
  await lab.run(() => api.shield(() => make('work', { ms: 10 }).fn(), { signal }), {
    label: 'shield(fn, { signal })',
  });
  await lab.settle(() => api.shield(() => make('failing work', { ms: 10, fails: true }).fn(), { signal }), {
    label: 'shield(failingFn, { signal })',
  });
  await lab.advance(100);
  lab.expectNothingPending('withTimeout(), taskGroup() and shield() with a signal that never aborted');
});
