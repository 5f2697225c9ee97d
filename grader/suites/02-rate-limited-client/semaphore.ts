/**
 * The bare Semaphore: its counts, run(), abort, and fast-check's scheduler, under which callers arrive, work,
 * release and abort in whatever order the scheduler picks, so code that is right for one order only is caught.
 */
import type * as Api from '../../../exercises/02-rate-limited-client/index.ts';
import { CheckFailure, demand, fc, type Lab, show } from '../../lab/index.ts';
import { letItRun, MAX_TIMERS } from './workload.ts';

interface Caller {
  /** Aborts its acquire() at a moment the scheduler picks. */
  aborts: boolean;
}

const callers = fc.array(fc.record({ aborts: fc.boolean() }), {
  minLength: 1,
  maxLength: 7,
});

/**
 * Checks, over scheduler interleavings, that no more than `permits` callers hold a permit at once, that every
 * caller that does not abort gets its turn, that an aborted waiter rejects with `signal.reason`, and that the
 * semaphore ends with every permit free and nobody waiting.
 */
export async function checkSemaphoreInterleavings(api: typeof Api, lab: Lab): Promise<void> {
  await lab.property(
    [fc.scheduler(), fc.integer({ min: 1, max: 3 }), callers],
    async (s, permits, list) => {
      const semaphore = new api.Semaphore(permits);
      const reason = new Error('caller gave up');
      let holding = 0;
      let most = 0;
      const finished = new Set<number>();
      const problems: string[] = [];
      const runs = list.map(async ({ aborts }: Caller, i) => {
        await s.schedule(Promise.resolve(), `caller ${i} calls acquire()`);
        const controller = new AbortController();
        if (aborts) {
          s.schedule(Promise.resolve(), `caller ${i} aborts`).then(() => controller.abort(reason));
        }
        let release: () => void;
        try {
          release = await semaphore.acquire(aborts ? controller.signal : undefined);
        } catch (error) {
          if (error !== reason)
            problems.push(`caller ${i}'s acquire() rejected with something else than signal.reason`);
          finished.add(i);
          return;
        }
        holding++;
        most = Math.max(most, holding);
        await s.schedule(Promise.resolve(), `caller ${i} finishes its work`);
        holding--;
        release();
        finished.add(i);
      });
      for (let round = 0; round < 30; round++) {
        await s.waitAll();
        await letItRun(lab);
        if (s.count() === 0) break;
      }
      const where = `With new Semaphore(${permits}) and ${list.length} caller${list.length === 1 ? '' : 's'}`;
      if (most > permits) {
        throw new CheckFailure(
          `${where}, ${most} callers held a permit at the same time. A release should let exactly one waiter in.`,
          { concept: 'waking every waiter' },
        );
      }
      const stuck = list.map((_, i) => i).filter((i) => !finished.has(i));
      if (stuck.length > 0) {
        throw new CheckFailure(
          `${where}, caller${stuck.length === 1 ? '' : 's'} ${stuck.join(', ')} never got a permit although every ` +
            'holder released its own: a permit was lost (handed to a waiter that had already given up, or a ' +
            'wake-up that nobody heard).',
          { concept: 'a lost wake-up' },
        );
      }
      if (problems.length > 0) throw new CheckFailure(`${where}, ${problems[0]}.`);
      if (semaphore.available < permits && semaphore.waiting === 0) {
        throw new CheckFailure(
          `${where}, every caller was done and nobody was waiting, yet only ${semaphore.available} of ${permits} ` +
            'permits were free: a permit was lost. Did a release hand it to a waiter that had already given up?',
          { concept: 'an aborted waiter left in the queue' },
        );
      }
      if (semaphore.available !== permits || semaphore.waiting !== 0) {
        throw new CheckFailure(
          `${where}, once everyone was done the semaphore should have available ${permits} and waiting 0, but it ` +
            `has available ${semaphore.available} and waiting ${semaphore.waiting}.`,
          { concept: 'counting permits' },
        );
      }
      await Promise.all(runs);
    },
    {
      numRuns: 40,
      describe: (s, permits, list) =>
        `new Semaphore(${permits}); callers ${list.map((caller, i) => `${i}${caller.aborts ? ' (aborts)' : ''}`).join(', ')}; ` +
        `scheduled as:\n${String(s)}`,
    },
  );
}

/** `available` and `waiting` through acquires, releases (one of them twice) and a run(), on a Semaphore(2). */
export async function checkSemaphoreCounts(api: typeof Api, lab: Lab): Promise<void> {
  const semaphore = new api.Semaphore(2);
  const expectCounts = (available: number, waiting: number, when: string) => {
    demand(
      semaphore.available === available && semaphore.waiting === waiting,
      `${when}, a Semaphore(2) should have available ${available} and waiting ${waiting}, but it has ` +
        `available ${show(semaphore.available)} and waiting ${show(semaphore.waiting)}.`,
      { concept: 'counting permits' },
    );
  };
  expectCounts(2, 0, 'New');
  const first = await lab.run(semaphore.acquire(), { label: 'acquire()' });
  expectCounts(1, 0, 'After one acquire()');
  const second = await lab.run(semaphore.acquire(), { label: 'acquire()' });
  expectCounts(0, 0, 'After two acquire()');
  let granted = 0;
  const third = lab.start(
    semaphore.acquire().then((release) => {
      granted++;
      return release;
    }),
  );
  const fourth = lab.start(
    semaphore.acquire().then((release) => {
      granted++;
      return release;
    }),
  );
  await letItRun(lab);
  expectCounts(0, 2, 'With both permits taken and two more acquire() calls');
  first();
  await letItRun(lab);
  demand(granted === 1, `One release should let exactly one waiter in, but ${granted} got a permit.`);
  expectCounts(0, 1, 'After one release with two callers waiting');
  first();
  await letItRun(lab);
  demand(
    granted === 1,
    'Calling the same release function twice should free one permit only, but the second call let another ' +
      'waiter in.',
    { concept: 'an idempotent release' },
  );
  expectCounts(0, 1, 'After calling the same release function a second time');
  second();
  await letItRun(lab);
  expectCounts(0, 0, 'After the second holder released');
  (await lab.run(third, { label: 'the third acquire()', maxTimers: MAX_TIMERS }))();
  (await lab.run(fourth, { label: 'the fourth acquire()', maxTimers: MAX_TIMERS }))();
  await letItRun(lab);
  expectCounts(2, 0, 'After every holder released');
  first();
  second();
  await letItRun(lab);
  expectCounts(2, 0, 'After release functions were called again once everything was free');

  const seen = await lab.run(
    semaphore.run(() => semaphore.available),
    { label: 'semaphore.run(task)' },
  );
  demand(
    seen === 1,
    `While run()'s task runs it holds a permit, so available should be 1, but it was ${show(seen)}.`,
  );
  expectCounts(2, 0, 'After run() returned');
}

/** run() gives its permit back when the task throws synchronously or rejects, and keeps working after that. */
export async function checkRunReleases(api: typeof Api, lab: Lab): Promise<void> {
  const semaphore = new api.Semaphore(1);
  const boom = new Error('boom');
  const thrown = await lab.settle(
    () =>
      semaphore.run(() => {
        throw boom;
      }),
    { label: 'semaphore.run(task that throws)' },
  );
  demand(
    thrown.status === 'rejected' && thrown.reason === boom,
    () =>
      `semaphore.run(task) with a task that throws should reject with the task's error, but it ` +
      `${thrown.status === 'fulfilled' ? `resolved with ${show(thrown.value)}` : `rejected with ${show(thrown.reason)}`}.`,
  );
  demand(
    semaphore.available === 1,
    `After run()'s task threw, its permit should be free again (available 1), but available is ${show(semaphore.available)}.`,
    { concept: 'release in finally' },
  );
  const rejected = await lab.settle(() => semaphore.run(() => Promise.reject(boom)), {
    label: 'semaphore.run(task that rejects)',
  });
  demand(
    rejected.status === 'rejected' && rejected.reason === boom && semaphore.available === 1,
    `semaphore.run(task) with a task that rejects should reject with that error and free its permit, but it ` +
      `${rejected.status} and available is ${show(semaphore.available)}.`,
    { concept: 'release in finally' },
  );
  const after = await lab.run(
    semaphore.run(() => 'still works'),
    { label: 'semaphore.run(task) after two failures', maxTimers: MAX_TIMERS },
  );
  demand(
    after === 'still works',
    `semaphore.run(() => 'still works') should resolve with it, but gave ${show(after)}.`,
  );
}

/** acquire(signal): an already-aborted signal takes no permit; a waiter that aborts leaves the queue for good. */
export async function checkSemaphoreAbort(
  api: typeof Api,
  lab: Lab,
  already: AbortSignal,
  reason: Error,
): Promise<void> {
  const semaphore = new api.Semaphore(1);
  const refused = await lab.settle(() => semaphore.acquire(already), {
    label: 'acquire(alreadyAborted)',
  });
  demand(
    refused.status === 'rejected' && refused.reason === reason && semaphore.available === 1,
    `acquire(signal) with a signal that is already aborted should reject with signal.reason and take no permit, ` +
      `but it ${refused.status === 'rejected' ? `rejected with ${show(refused.reason)}` : 'resolved'} and ` +
      `available is ${show(semaphore.available)}.`,
    { concept: 'an already-aborted signal' },
  );
  const holder = await lab.run(semaphore.acquire(), { label: 'acquire()' });
  const giveUp = lab.controller();
  const waiter = lab.start(semaphore.acquire(giveUp.signal));
  await letItRun(lab);
  giveUp.abort(reason);
  const gaveUp = await lab.settle(waiter, { label: 'acquire(signal), aborted while waiting' });
  demand(
    gaveUp.status === 'rejected' && gaveUp.reason === reason && semaphore.waiting === 0,
    `A waiter whose signal aborts should reject with signal.reason and leave the queue, but it ` +
      `${gaveUp.status === 'rejected' ? `rejected with ${show(gaveUp.reason)}` : 'resolved'} and waiting is ` +
      `${show(semaphore.waiting)}.`,
    { concept: 'cancelling a waiter' },
  );
  holder();
  await letItRun(lab);
  demand(
    semaphore.available === 1,
    `After the holder released, with the only waiter gone, the permit should be free (available 1), but ` +
      `available is ${show(semaphore.available)}: the release went to the aborted waiter.`,
    { concept: 'an aborted waiter left in the queue' },
  );
}
