import { defineSuite, demand, fc, show } from '../../lab/index.ts';
import { attemptsPicture, msList, near, scripted, waitsOf } from './attempts.ts';
import {
  type Api,
  capOf,
  expectDelay,
  expectWaits,
  fields,
  type Options,
  outcome,
  QUICK,
  shown,
} from './words.ts';

/** retry() and backoffDelay(): how many calls, and how long the waits between them are. */
const { check } = defineSuite<typeof Api>('05-backoff-retry');

// ─── retry(): how many calls ────────────────────────────────────────────────────────────────────────────────

check('at-most-retries-plus-one', async ({ api, lab }) => {
  for (const retries of [0, 1, 2, 4]) {
    lab.reset();
    const { fn, calls } = scripted(lab);
    const options = { ...QUICK, retries };
    const settled = await lab.settle(() => api.retry(fn, options), { label: `retry(fn${shown(options)})` });
    demand(
      calls.length === retries + 1,
      () =>
        `With \`retries: ${retries}\` and an fn that always fails, fn should be called ${retries + 1} time` +
        `${retries === 0 ? '' : 's'} (the first attempt plus ${retries} ${retries === 1 ? 'retry' : 'retries'}), ` +
        `but yours called it ${calls.length} time${calls.length === 1 ? '' : 's'} and ${outcome(settled)}.` +
        attemptsPicture(calls),
      { concept: 'retries as the calls after the first' },
    );
    const numbers = calls.map((call) => call.attempt);
    demand(
      numbers.every((attempt, i) => attempt === i + 1),
      `fn receives the attempt number, starting at 1: expected ${numbers.map((_, i) => i + 1).join(', ')}, ` +
        `but yours passed ${numbers.map((attempt) => show(attempt)).join(', ')}.`,
    );
  }
  lab.reset();
  const { fn, calls } = scripted(lab);
  await lab.settle(() => api.retry(fn), { label: 'retry(fn)' });
  demand(
    calls.length === 6,
    () =>
      `Without options \`retries\` is 5, so an fn that always fails is called 6 times, but yours called it ` +
      `${calls.length} time${calls.length === 1 ? '' : 's'}.${attemptsPicture(calls)}`,
    { concept: 'retries as the calls after the first' },
  );
});

check('stops-at-first-success', async ({ api, lab }) => {
  const workload = fc.integer({ min: 1, max: 6 }).chain((retries) =>
    fc.record({
      retries: fc.constant(retries),
      latency: fc.integer({ min: 0, max: 50 }),
      succeedOn: fc.integer({ min: 1, max: retries }),
    }),
  );
  await lab.property(
    [workload],
    async ({ retries, latency, succeedOn }) => {
      const { fn, calls, value } = scripted(lab, { succeedOn, latency, value: { attempt: succeedOn } });
      const options = { ...QUICK, retries };
      const label = `retry(fn${shown(options)})`;
      const settled = await lab.settle(() => api.retry(fn, options), { label });
      demand(
        settled.status === 'fulfilled' && settled.value === value,
        () =>
          `fn succeeds on attempt ${succeedOn}, so ${label} should resolve with what it resolved with ` +
          `(${show(value)}), but it ${outcome(settled)}.${attemptsPicture(calls)}`,
      );
      await lab.advance(60_000);
      demand(
        calls.length === succeedOn,
        () =>
          `fn succeeds on attempt ${succeedOn}, so it should be called exactly ${succeedOn} time` +
          `${succeedOn === 1 ? '' : 's'}, but yours called it ${calls.length} times.${attemptsPicture(calls)}`,
        { concept: 'stopping at the first success' },
      );
    },
    {
      numRuns: 15,
      describe: ({ retries, latency, succeedOn }) =>
        `retries: ${retries}, fn takes ${latency} ms and succeeds on attempt ${succeedOn}`,
    },
  );
});

// ─── retry(): the waits ─────────────────────────────────────────────────────────────────────────────────────

check('waits-grow-exponentially', async ({ api, lab }) => {
  const exponential = (options: Options) => (n: number, wait: number) => {
    const expected = capOf(n, options);
    return near(wait, expected)
      ? undefined
      : `the wait after attempt ${n} should be minDelayMs × factor^${n - 1} = ${msList([expected])}, but it was ${msList([wait])}`;
  };
  const defaults = { jitter: 'none' } as const;
  await expectWaits(api, lab, defaults, 0, exponential(defaults), { concept: 'exponential backoff' });
  const workload = fc.record({
    minDelayMs: fc.integer({ min: 1, max: 300 }),
    factor: fc.oneof(fc.constantFrom(1, 1.5, 2, 3), fc.double({ min: 1, max: 3, noNaN: true })),
    retries: fc.integer({ min: 1, max: 5 }),
    latency: fc.integer({ min: 0, max: 80 }),
  });
  await lab.property(
    [workload],
    async ({ latency, ...rest }) => {
      const options = { ...rest, jitter: 'none', maxDelayMs: 1e9 } as const;
      await expectWaits(api, lab, options, latency, exponential(options), { concept: 'exponential backoff' });
    },
    {
      numRuns: 20,
      describe: ({ latency, ...rest }) => `retry(fn${shown(rest)}), fn fails after ${latency} ms`,
    },
  );
});

check('waits-capped', async ({ api, lab }) => {
  const capped = (options: Options) => (n: number, wait: number) => {
    const { maxDelayMs = 10_000 } = options;
    if (wait > maxDelayMs + 1)
      return `the wait after attempt ${n} was ${msList([wait])}, longer than maxDelayMs`;
    if (capOf(n, { ...options, maxDelayMs: Infinity }) >= maxDelayMs && !near(wait, maxDelayMs)) {
      return `the wait after attempt ${n} should be capped at ${msList([maxDelayMs])}, but it was ${msList([wait])}`;
    }
    return undefined;
  };
  for (const options of [
    { jitter: 'none', minDelayMs: 100, maxDelayMs: 500, retries: 6 },
    { jitter: 'none', minDelayMs: 1000, factor: 3, retries: 4 },
  ] as const) {
    lab.reset();
    await expectWaits(api, lab, options, 0, capped(options), { concept: 'capping the backoff' });
  }
  const workload = fc.record({
    minDelayMs: fc.integer({ min: 1, max: 500 }),
    factor: fc.double({ min: 1.5, max: 4, noNaN: true }),
    maxDelayMs: fc.integer({ min: 500, max: 5000 }),
    retries: fc.integer({ min: 3, max: 7 }),
  });
  await lab.property(
    [workload],
    async (rest) => {
      const options = { ...rest, jitter: 'none' } as const;
      await expectWaits(api, lab, options, 10, capped(options), { concept: 'capping the backoff' });
    },
    { numRuns: 15, describe: (rest) => `retry(fn${shown(rest)})` },
  );
});

check('backoff-delay-formula', async ({ api, lab }) => {
  const fixed: Array<[n: number, options: Options, expected: number]> = [
    [1, { jitter: 'none' }, 100],
    [2, { jitter: 'none' }, 200],
    [5, { jitter: 'none' }, 1600],
    [8, { jitter: 'none' }, 10_000],
    [3, { random: () => 0.25 }, 100],
    [3, { jitter: 'equal', random: () => 0.5 }, 300],
  ];
  for (const [n, options, expected] of fixed) expectDelay(api, n, options, expected);
  for (const n of [0, -1, 1.5, Number.NaN]) {
    let thrown: unknown;
    let returned: unknown;
    try {
      returned = api.backoffDelay(n, { jitter: 'none' });
    } catch (error) {
      thrown = error;
    }
    demand(
      thrown instanceof TypeError && /\bn\b/.test(String(thrown.message)),
      () =>
        `Retries are numbered 1, 2, 3 …, so backoffDelay(${show(n)}, { jitter: 'none' }) should throw a TypeError ` +
        `whose message names \`n\`, but it ${thrown === undefined ? `returned ${show(returned)}` : `threw ${show(thrown)}`}.`,
      { concept: 'validating arguments at the boundary' },
    );
  }
  const workload = fc.record({
    n: fc.integer({ min: 1, max: 12 }),
    minDelayMs: fc.integer({ min: 1, max: 1000 }),
    extra: fc.integer({ min: 0, max: 20_000 }),
    factor: fc.double({ min: 1, max: 4, noNaN: true }),
    jitter: fc.constantFrom('full', 'equal', 'none'),
    r: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  });
  await lab.property(
    [workload],
    async ({ n, minDelayMs, extra, factor, jitter, r }) => {
      const options = { minDelayMs, maxDelayMs: minDelayMs + extra, factor, jitter, random: () => r };
      const cap = capOf(n, options);
      const expected = jitter === 'none' ? cap : jitter === 'full' ? r * cap : cap / 2 + (r * cap) / 2;
      expectDelay(api, n, options, expected);
    },
    {
      numRuns: 60,
      describe: ({ n, extra, r, ...rest }) =>
        `backoffDelay(${n}, { ${fields(rest)}, maxDelayMs: ${rest.minDelayMs + extra}, random: () => ${r} })`,
    },
  );
});

check('jitter-within-bounds', async ({ api, lab }) => {
  const bounds = (options: Options) => (n: number, wait: number) => {
    const cap = capOf(n, options);
    const low = options.jitter === 'equal' ? cap / 2 : 0;
    return wait >= low - 1 && wait <= cap + 1
      ? undefined
      : `with jitter '${options.jitter}' the wait after attempt ${n} must lie in [${msList([low, cap]).replace(' ms', '')}] ms, but it was ${msList([wait])}`;
  };
  for (const options of [
    { jitter: 'full', minDelayMs: 1000, factor: 1, retries: 3, random: () => 0 },
    { jitter: 'equal', minDelayMs: 1000, factor: 1, retries: 3, random: () => 0.998 },
  ] as const) {
    lab.reset();
    await expectWaits(
      api,
      lab,
      options,
      0,
      (n, wait) => {
        const expected = options.jitter === 'full' ? 0 : 1000 * (0.5 + 0.998 / 2);
        return near(wait, expected)
          ? undefined
          : `random() always returns ${options.random()}, so the wait after attempt ${n} should be ${msList([expected])}, but it was ${msList([wait])}`;
      },
      { concept: 'jitter' },
    );
  }
  const workload = fc.record({
    minDelayMs: fc.integer({ min: 10, max: 3000 }),
    extra: fc.integer({ min: 0, max: 3000 }),
    jitter: fc.constantFrom('full', 'equal'),
    randoms: fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
      minLength: 1,
      maxLength: 6,
    }),
    retries: fc.integer({ min: 1, max: 5 }),
    latency: fc.integer({ min: 0, max: 50 }),
  });
  await lab.property(
    [workload],
    async ({ minDelayMs, extra, jitter, randoms, retries, latency }) => {
      let next = 0;
      const random = () => randoms[next++ % randoms.length];
      const options = { minDelayMs, maxDelayMs: minDelayMs + extra, factor: 1, jitter, retries, random };
      await expectWaits(api, lab, options, latency, bounds(options), { concept: 'jitter' });
    },
    {
      numRuns: 20,
      describe: ({ randoms, latency, ...rest }) =>
        `retry(fn, { ${fields(rest)}, factor: 1, random }) where random() returns ${randoms.join(', ')} in turn`,
    },
  );

  lab.reset();
  const options = { minDelayMs: 1000, maxDelayMs: 1000, factor: 1 };
  const calls = await expectWaits(api, lab, options, 0, bounds({ ...options, jitter: 'full' }), {
    concept: 'jitter',
  });
  const waits = waitsOf(calls);
  demand(
    waits.length > 1 && Math.max(...waits) - Math.min(...waits) > 1,
    () =>
      `By default the jitter is 'full' with Math.random, so with every cap at 1000 ms the waits of ` +
      `retry(fn${shown(options)}) should vary, but yours were ${msList(waits)}.${attemptsPicture(calls)}`,
    { concept: 'jitter' },
  );
});
