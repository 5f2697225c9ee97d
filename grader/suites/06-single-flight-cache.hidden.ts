import { defineSuite, demand, show } from '../lab/index.ts';
import {
  type Api,
  cacheRows,
  pause,
  picture,
  recordedLoad,
  Sequence,
  times,
  Watched,
} from './06-single-flight-cache/probes.ts';

/** Hidden checks of exercise 06: graded on push, left out of the student template. */
const { check } = defineSuite<typeof Api>('06-single-flight-cache');

check('ttl-exact', async ({ api, lab }) => {
  const sequence = new Sequence();
  const { load, calls } = recordedLoad(lab, sequence, { latency: () => 30 });
  const cache = api.createCache<string, string>({ load, ttlMs: 100 });
  const gets: Watched[] = [];
  const at = async (ms: number) => {
    await lab.advance(ms - lab.now());
    const get = new Watched(`get('a') at ${ms} ms`, lab, sequence, () => cache.get('a'));
    gets.push(get);
    await pause(lab);
    return get;
  };
  await at(0);
  const fresh = await at(129);
  demand(
    fresh.state === 'fulfilled' && fresh.value === 'a#1' && calls.length === 1,
    () =>
      `"a#1" loaded at 30 ms (its load started at 0 ms) with ttlMs: 100 is fresh until 130 ms: a get at 129 ms ` +
      `should resolve at once with it, without a load, but ${fresh.describe()} and load was called ` +
      `${times(calls.length, 'time')}.${picture(cacheRows(calls, gets))}`,
    { concept: 'expiry measured from when the value arrived' },
  );
  const expired = await at(130);
  await pause(lab, 30);
  demand(
    expired.state === 'fulfilled' && expired.value === 'a#2' && expired.at === 160 && calls[1]?.start === 130,
    () =>
      `At 130 ms "a#1" is exactly ttlMs old, so it has expired: the get at 130 ms should start a new load and ` +
      `resolve with "a#2" at 160 ms, but ${expired.describe()}.${picture(cacheRows(calls, gets))}`,
    { concept: 'expiry measured from when the value arrived' },
  );

  lab.reset();
  const staleSequence = new Sequence();
  const stale = recordedLoad(lab, staleSequence, { latency: () => 30 });
  const staleCache = api.createCache<string, string>({ load: stale.load, ttlMs: 100, staleMs: 50 });
  await lab.run(() => staleCache.get('a'), { label: "get('a')" });
  await lab.advance(100);
  const boundary = new Watched("get('a') at 130 ms", lab, staleSequence, () => staleCache.get('a'));
  await pause(lab);
  // Whether that get waits for the refresh is stale-while-revalidate's business; here only the instant counts.
  demand(
    stale.calls[1]?.start === 130,
    () =>
      `With ttlMs: 100 and staleMs: 50, "a#1" loaded at 30 ms is stale from exactly 130 ms: a get then should ` +
      `start a refresh, but ${stale.calls[1] ? `the refresh started at ${stale.calls[1].start} ms` : 'no refresh started'} ` +
      `and ${boundary.describe()}.${picture(cacheRows(stale.calls, [boundary]))}`,
    { concept: 'expiry measured from when the value arrived' },
  );
});

check('rejects-bad-cache-options', async ({ api, lab }) => {
  const load = async (key: string) => key;
  const cases: Array<[string, unknown, string]> = [
    ['{}', {}, 'load'],
    ["{ load: 'x' }", { load: 'x' }, 'load'],
    ['{ load, ttlMs: -1 }', { load, ttlMs: -1 }, 'ttlMs'],
    ["{ load, ttlMs: '5' }", { load, ttlMs: '5' }, 'ttlMs'],
    ['{ load, staleMs: NaN }', { load, staleMs: Number.NaN }, 'staleMs'],
    ["{ load, staleMs: '5' }", { load, staleMs: '5' }, 'staleMs'],
    ['{ load, maxEntries: 0 }', { load, maxEntries: 0 }, 'maxEntries'],
    ['{ load, maxEntries: 1.5 }', { load, maxEntries: 1.5 }, 'maxEntries'],
  ];
  for (const [shown, options, option] of cases) {
    let thrown: unknown;
    try {
      api.createCache(options as Api.CacheOptions<string, string>);
    } catch (error) {
      thrown = error;
    }
    demand(
      thrown instanceof TypeError && thrown.message.includes(option),
      () =>
        `createCache(${shown}) should throw a TypeError whose message names \`${option}\`, but it ` +
        `${thrown === undefined ? 'returned a cache' : `threw ${show(thrown)}`}.`,
      { concept: 'validating options at the boundary' },
    );
  }
  for (const maxEntries of [Infinity, 1]) {
    const cache = api.createCache({ load, maxEntries, ttlMs: 0, staleMs: 0 });
    const value = await lab.run(() => cache.get('k'), { label: `get('k') with maxEntries: ${maxEntries}` });
    demand(
      value === 'k',
      `createCache({ load, maxEntries: ${maxEntries} }) should work, but get('k') gave ${show(value)}.`,
    );
  }
});
