/** Mutex and Event, and what every call leaves behind. */
import { defineSuite, demand, show } from '../../lab/index.ts';
import {
  abortedContention,
  contention,
  describeHolders,
  expectAbortsGiveUpTheirPlace,
  expectFifoExclusion,
  type Holder,
  runHolders,
} from './mutex.ts';
import { type Api, pause, recordedLoad, Sequence, Watched } from './probes.ts';

const { check } = defineSuite<typeof Api>('06-single-flight-cache');

const lock = (at: number, hold: number, again = false): Holder => ({ at, hold, style: 'lock', again });

check('mutex-exclusive-fifo', async ({ api, lab }) => {
  await lab.property(
    [contention],
    async (holders) => expectFifoExclusion(await runHolders(api, lab, holders)),
    {
      numRuns: 40,
      examples: [
        // Three waiters behind a holder: a second call of a release function must not let the next two in at once.
        [[lock(0, 10), lock(0, 10), lock(0, 10), lock(0, 10)]],
        // A caller that locks again the moment it releases goes to the back of the line.
        [[lock(0, 50, true), lock(10, 50)]],
      ],
      describe: describeHolders,
    },
  );
});

check('mutex-abort', async ({ api, lab }) => {
  const gone = lab.controller();
  const reason = new Error('gave up');
  gone.abort(reason);
  const mutex = new api.Mutex();
  const refused = await lab.settle(() => mutex.lock({ signal: gone.signal }), {
    label: 'lock({ signal: alreadyAborted })',
  });
  const next = await lab.settle(() => mutex.lock(), { label: 'lock() after it' });
  demand(
    refused.status === 'rejected' &&
      refused.reason === reason &&
      next.status === 'fulfilled' &&
      next.at === 0,
    () =>
      `lock({ signal }) with a signal that is already aborted should reject with signal.reason and leave the ` +
      `mutex free for the next lock(), but it ${refused.status === 'rejected' ? `rejected with ${show(refused.reason)}` : 'took the lock'} ` +
      `and the next lock() ${next.status === 'fulfilled' ? `got it at ${next.at} ms` : `rejected with ${show(next.reason)}`}.`,
    { concept: 'checking the signal before starting' },
  );
  await lab.property(
    [abortedContention],
    async (holders) => expectAbortsGiveUpTheirPlace(await runHolders(api, lab, holders)),
    {
      numRuns: 40,
      examples: [[[lock(0, 100), lock(10, 10), { ...lock(20, 10), abortAt: 50 }, lock(30, 10)]]],
      describe: describeHolders,
    },
  );
});

check('event-wait-set-clear', async ({ api, lab }) => {
  const sequence = new Sequence();
  const event = new api.Event();
  /** Read through a call, so that TypeScript does not narrow it between two reads. */
  const isSet = (): unknown => event.isSet;
  demand(isSet() === false, `A new Event should not be set (isSet false), but isSet was ${show(isSet())}.`);
  const quitter = lab.controller();
  const reason = new Error('stopped waiting');
  const waits = [
    new Watched('wait() #1', lab, sequence, () => event.wait()),
    new Watched('wait({ signal }) #2', lab, sequence, () => event.wait({ signal: quitter.signal })),
    new Watched('wait() #3', lab, sequence, () => event.wait()),
  ];
  await pause(lab, 20);
  quitter.abort(reason);
  await pause(lab);
  demand(
    waits[1].state === 'rejected' &&
      waits[1].reason === reason &&
      waits[1].at === 20 &&
      waits[0].state === 'pending',
    () =>
      `wait({ signal }) aborted at 20 ms should reject right then with signal.reason, and only that one: ` +
      `${waits.map((wait) => wait.describe()).join(', ')}.`,
    { concept: 'cancelling a waiter' },
  );
  await pause(lab, 30);
  event.set();
  event.clear();
  await pause(lab);
  demand(
    [waits[0], waits[2]].every((wait) => wait.state === 'fulfilled' && wait.at === 50),
    () =>
      'set() at 50 ms (then clear() in the same tick) should wake every waiter that was waiting then, but ' +
      `${waits.map((wait) => wait.describe()).join(', ')}. A waiter woken by set() resolves even if clear() follows.`,
    { concept: 'waking every waiter' },
  );
  demand(isSet() === false, `After clear(), isSet should be false, but it was ${show(isSet())}.`);
  const later = new Watched('wait() at 50 ms, after clear()', lab, sequence, () => event.wait());
  await pause(lab, 50);
  demand(
    later.state === 'pending',
    () => `After clear(), a new wait() should wait for the next set(), but ${later.describe()}.`,
    { concept: 'an event that can be cleared' },
  );
  event.set();
  const atOnce = new Watched('wait() on a set event', lab, sequence, () => event.wait());
  await pause(lab);
  demand(
    isSet() === true && later.at === 100 && atOnce.state === 'fulfilled' && atOnce.at === 100,
    () =>
      `After set() at 100 ms isSet should be true, the waiting wait() should resolve and a wait() on the set ` +
      `event should resolve at once, but isSet was ${show(isSet())}, ${later.describe()} and ${atOnce.describe()}.`,
    { concept: 'waking every waiter' },
  );
});

check('leaves-nothing-pending', async ({ api, lab }) => {
  const sequence = new Sequence();
  const { load } = recordedLoad(lab, sequence, {
    failure: (key) => (key === 'down' ? new Error('down') : undefined),
  });
  const cache = api.createCache<string, string>({ load });
  const signal = lab.controller().signal;
  const calls: Watched<unknown>[] = [
    new Watched("get('a', { signal })", lab, sequence, () => cache.get('a', { signal })),
    new Watched("get('a', { signal }) joining it", lab, sequence, () => cache.get('a', { signal })),
  ];
  const failing = new Watched("get('down', { signal }) whose load fails", lab, sequence, () =>
    cache.get('down', { signal }),
  );
  await pause(lab, 100);
  calls.push(
    new Watched("get('a', { signal }) of the cached value", lab, sequence, () => cache.get('a', { signal })),
  );
  const mutex = new api.Mutex();
  const release = await lab.run(() => mutex.lock({ signal }), { label: 'lock({ signal })' });
  calls.push(new Watched('lock({ signal }) that waits', lab, sequence, () => mutex.lock({ signal })));
  await pause(lab, 10);
  release();
  const event = new api.Event();
  calls.push(new Watched('wait({ signal })', lab, sequence, () => event.wait({ signal })));
  await pause(lab, 10);
  event.set();
  await pause(lab);
  const unserved = calls.find((call) => call.state !== 'fulfilled');
  demand(
    unserved === undefined && failing.state === 'rejected',
    () =>
      `Every call here should be served, and get('down') rejected, but ${(unserved ?? failing).describe()}.`,
  );
  lab.expectNothingPending('get(), lock() and wait() with a signal that never aborted');
});
