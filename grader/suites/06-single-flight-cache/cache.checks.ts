/** createCache(): single flight, failures, aborts, stale values and eviction. */
import { defineSuite, demand, show } from '../../lab/index.ts';
import { type Api, cacheRows, pause, picture, recordedLoad, Sequence, times, Watched } from './probes.ts';
import {
  describeStampede,
  expectOneLoadAtATime,
  expectTheirLoad,
  runStampede,
  STAMPEDE_EXAMPLES,
  stampede,
} from './stampede.ts';

const { check } = defineSuite<typeof Api>('06-single-flight-cache');

check('one-load-per-stampede', async ({ api, lab }) => {
  await lab.property(
    [stampede],
    async (scenario) => expectOneLoadAtATime(await runStampede(api, lab, scenario)),
    {
      examples: STAMPEDE_EXAMPLES,
      describe: describeStampede,
    },
  );
});

check('waiters-get-their-load', async ({ api, lab }) => {
  await lab.property([stampede], async (scenario) => expectTheirLoad(await runStampede(api, lab, scenario)), {
    examples: STAMPEDE_EXAMPLES,
    describe: describeStampede,
  });
});

check('failed-load-not-cached', async ({ api, lab }) => {
  const sequence = new Sequence();
  const boom = new Error('database unavailable');
  const { load, calls } = recordedLoad(lab, sequence, { failure: (_key, n) => (n === 1 ? boom : undefined) });
  const cache = api.createCache<string, string>({ load, ttlMs: 10_000 });
  const gets: Watched[] = [];
  const ask = () => gets.push(new Watched("get('a')", lab, sequence, () => cache.get('a')));
  ask();
  ask();
  await pause(lab, 50);
  ask();
  await pause(lab, 60);
  const failed = gets.filter((get) => get.state === 'rejected' && get.reason === boom && get.at === 100);
  demand(
    failed.length === 3,
    () =>
      `load('a') rejects at 100 ms with ${show(boom)}; the 3 gets waiting for it should all reject then with that ` +
      `very error, but ${gets.map((get) => get.describe()).join(', ')}.${picture(cacheRows(calls, gets))}`,
    { concept: 'sharing a failure between callers' },
  );
  await pause(lab, 40);
  ask();
  await pause(lab, 150);
  const retry = gets[3];
  demand(
    calls.length === 2 && calls[1].start === 150 && retry.state === 'fulfilled' && retry.value === 'a#2',
    () =>
      `A failed load must not be cached: the get('a') at 150 ms should call load('a') again and resolve with ` +
      `"a#2" at 250 ms, but load was called ${times(calls.length, 'time')} in all and ${retry.describe()}.` +
      picture(cacheRows(calls, gets), { at: 150, note: "get('a') after the failure" }),
    { concept: 'a failure is not a value' },
  );
});

check('abort-leaves-others', async ({ api, lab }) => {
  const sequence = new Sequence();
  const { load, calls } = recordedLoad(lab, sequence);
  const cache = api.createCache<string, string>({ load });
  const first = lab.controller();
  const reason = new Error('user went away');
  const gets = [
    new Watched("get('a', { signal })", lab, sequence, () => cache.get('a', { signal: first.signal })),
    new Watched("get('a')", lab, sequence, () => cache.get('a')),
  ];
  await pause(lab, 10);
  gets.push(
    new Watched("get('a', { signal }) #2", lab, sequence, () =>
      cache.get('a', { signal: lab.controller().signal }),
    ),
  );
  await pause(lab, 30);
  first.abort(reason);
  await pause(lab);
  const [aborted, ...others] = gets;
  demand(
    aborted.state === 'rejected' && aborted.reason === reason && aborted.at === 40,
    () =>
      `The first get('a', { signal }) aborted at 40 ms should reject right then with signal.reason ` +
      `(${show(reason)}), but ${aborted.describe()}.${picture(cacheRows(calls, gets), { at: 40, note: 'abort' })}`,
    { concept: 'a caller that gives up without cancelling shared work' },
  );
  await pause(lab, 100);
  demand(
    calls.length === 1 &&
      calls[0].outcome === 'resolved' &&
      others.every((get) => get.state === 'fulfilled' && get.value === 'a#1' && get.at === 100),
    () =>
      `Two other callers still waited for load('a') when the first one aborted at 40 ms, so the load should run ` +
      `on (its signal not aborted) and both should resolve with "a#1" at 100 ms, but load('a') ` +
      `${calls[0]?.outcome === 'aborted' ? `saw its signal abort at ${calls[0].end} ms` : `was called ${times(calls.length, 'time')}`}, ` +
      `${others.map((get) => get.describe()).join(' and ')}.${picture(cacheRows(calls, gets), { at: 40, note: 'abort' })}`,
    { concept: 'a caller that gives up without cancelling shared work' },
  );

  const gone = lab.controller();
  gone.abort(reason);
  const early = await lab.settle(() => cache.get('b', { signal: gone.signal }), {
    label: "get('b', { signal: alreadyAborted })",
  });
  const loadsOfB = calls.filter((call) => call.key === 'b');
  demand(
    early.status === 'rejected' && early.reason === reason && early.at === 140 && loadsOfB.length === 0,
    () =>
      `get('b', { signal }) with a signal that is already aborted should reject at once with signal.reason and ` +
      `never call load('b'), but it ${early.status === 'rejected' ? `rejected with ${show(early.reason)}` : `resolved with ${show(early.value)}`} ` +
      `at ${early.at} ms and load('b') was called ${times(loadsOfB.length, 'time')}.`,
    { concept: 'checking the signal before starting' },
  );
});

check('last-abort-cancels-load', async ({ api, lab }) => {
  const sequence = new Sequence();
  // The first load ignores its signal and resolves anyway at 100 ms: an aborted load is forgotten all the same.
  const { load, calls } = recordedLoad(lab, sequence, { ignoresAbort: (_key, n) => n === 1 });
  const cache = api.createCache<string, string>({ load });
  const controllers = [lab.controller(), lab.controller()];
  const reasons = [new Error('first caller left'), new Error('second caller left')];
  const gets = controllers.map(
    ({ signal }, i) =>
      new Watched(`get('a', { signal }) #${i + 1}`, lab, sequence, () => cache.get('a', { signal })),
  );
  await pause(lab, 30);
  controllers[0].abort(reasons[0]);
  await pause(lab, 30);
  controllers[1].abort(reasons[1]);
  await pause(lab);
  const [first] = calls;
  demand(
    calls.length === 1 && first.abortedAt === 60,
    () =>
      `Both callers of get('a') aborted, the second at 60 ms; nobody waits for load('a') any more, so its signal ` +
      `should abort right then, but ${
        calls.length !== 1
          ? `load('a') was called ${times(calls.length, 'time')}`
          : first.abortedAt !== undefined
            ? `it aborted at ${first.abortedAt} ms`
            : 'it was never aborted'
      }.${picture(cacheRows(calls, gets), { at: 60, note: 'last abort' })}`,
    { concept: 'cancelling shared work when nobody waits for it' },
  );
  await pause(lab, 10);
  const next = new Watched("get('a') at 70 ms", lab, sequence, () => cache.get('a'));
  gets.push(next);
  await pause(lab, 50);
  const joining = new Watched("get('a') at 120 ms", lab, sequence, () => cache.get('a'));
  gets.push(joining);
  await pause(lab, 100);
  demand(
    (calls.length as number) === 2 &&
      calls[1].start === 70 &&
      [next, joining].every((get) => get.state === 'fulfilled' && get.value === 'a#2'),
    () =>
      `After the cancelled load, a new get('a') at 70 ms should start a fresh load('a') #2, and a get('a') at ` +
      `120 ms should join it: both resolve with "a#2" at 170 ms. The cancelled load #1 is forgotten, even though ` +
      `it ignored its signal and resolved at 100 ms. But ${next.describe()}, ${joining.describe()} and ` +
      `load('a') was called ${times(calls.length, 'time')}.${picture(cacheRows(calls, gets))}`,
    { concept: 'cancelling shared work when nobody waits for it' },
  );
});

check('stale-while-revalidate', async ({ api, lab }) => {
  const sequence = new Sequence();
  const { load, calls } = recordedLoad(lab, sequence, { latency: () => 30 });
  const cache = api.createCache<string, string>({ load, ttlMs: 100, staleMs: 50 });
  const gets: Watched[] = [];
  const at = async (ms: number) => {
    await lab.advance(ms - lab.now());
    const get = new Watched(`get('a') at ${ms} ms`, lab, sequence, () => cache.get('a'));
    gets.push(get);
    await pause(lab);
    return get;
  };
  const story = () => picture(cacheRows(calls, gets));
  await at(0);
  const stale = [await at(135), await at(140)];
  demand(
    stale.every((get) => get.state === 'fulfilled' && get.value === 'a#1' && get.at === get.start),
    () =>
      `"a#1" loaded at 30 ms with ttlMs: 100 and staleMs: 50 is stale from 130 to 180 ms: gets at 135 and 140 ms ` +
      `should resolve at once with "a#1", but ${stale.map((get) => get.describe()).join(' and ')}.${story()}`,
    { concept: 'stale-while-revalidate' },
  );
  demand(
    calls.length === 2 && calls[1].start === 135,
    () =>
      `The first stale get (135 ms) should start one background load('a'), and the second should not start ` +
      `another while it runs, but load('a') was called ${times(calls.length, 'time')}` +
      `${calls.length > 1 ? `, at ${calls.map((call) => `${call.start}`).join(', ')} ms` : ''}.${story()}`,
    { concept: 'stale-while-revalidate' },
  );
  const fresh = await at(170);
  demand(
    fresh.state === 'fulfilled' && fresh.value === 'a#2' && calls.length === 2,
    () =>
      `The refresh resolved "a#2" at 165 ms, so a get at 170 ms should resolve at once with "a#2" without a load, ` +
      `but ${fresh.describe()} and load('a') was called ${times(calls.length, 'time')}.${story()}`,
    { concept: 'stale-while-revalidate' },
  );
  const expired = await at(315);
  await pause(lab, 30);
  demand(
    expired.state === 'fulfilled' &&
      expired.value === 'a#3' &&
      expired.at === 345 &&
      (calls.length as number) === 3,
    () =>
      `"a#2" loaded at 165 ms is stale until 315 ms (165 + 100 + 50) and gone from then on: a get at 315 ms ` +
      `should wait for a new load and resolve with "a#3" at 345 ms, but ${expired.describe()}.${story()}`,
    { concept: 'stale-while-revalidate' },
  );
});

check('lru-eviction', async ({ api, lab }) => {
  const sequence = new Sequence();
  const { load, calls } = recordedLoad(lab, sequence, { latency: () => 10 });
  const cache = api.createCache<string, string>({ load, maxEntries: 2 });
  const gets: Watched[] = [];
  for (const key of ['a', 'b', 'a', 'c', 'a', 'b']) {
    gets.push(new Watched(`get('${key}')`, lab, sequence, () => cache.get(key)));
    await pause(lab, 20);
  }
  const loaded = calls.map((call) => `${call.key}#${call.n}`).join(', ');
  demand(
    loaded === 'a#1, b#1, c#1, b#2' && gets.every((get) => get.state === 'fulfilled'),
    () =>
      `With maxEntries: 2, the gets a, b, a, c, a, b should load a, b, c (evicting b, the least recently used: ` +
      `a was used after it), then find a cached and load b again: loads a#1, b#1, c#1, b#2. Yours loaded ` +
      `${loaded || 'nothing'}${gets.some((get) => get.state !== 'fulfilled') ? `, and ${gets.find((get) => get.state !== 'fulfilled')?.describe()}` : ''}.` +
      picture(cacheRows(calls, gets)),
    { concept: 'least recently used eviction' },
  );
});
