import { defineSuite, demand, fc } from '../lab/index.ts';
import {
  type Api,
  type Client,
  describeClients,
  factory,
  mostLive,
  poolPicture,
  type Resource,
  sleep,
  visit,
  visitOutcome,
} from './09-async-resources/pool.ts';

/** Hidden checks of exercise 09: graded on push, left out of the student template. */
const { check } = defineSuite<typeof Api>('09-async-resources');

check('pool-release-twice', async ({ api, lab }) => {
  const { create, destroy, made } = factory(lab);
  const pool = api.createPool<Resource>({ create, destroy, max: 1 });
  const twice = lab.run(
    async () => {
      const lease = await pool.acquire();
      await sleep(lab, 100);
      await lease.release();
      await lease[Symbol.asyncDispose]();
      await lease.release();
    },
    { label: 'a lease released three times at 100 ms' },
  );
  const { visits, done } = visit(lab, pool, [
    { arrive: 10, hold: 50 },
    { arrive: 120, hold: 50 },
  ]);
  await twice;
  await lab.run(done, { label: 'two clients waiting for it' });
  const [first, second] = visits;
  demand(
    first.grantedAt === 100 && second.grantedAt === 150 && made.length === 1,
    () =>
      `A lease released three times at 100 ms gives its resource back once: client 0 (waiting since 10 ms) should get ` +
      `it at 100 ms, and client 1 (from 120 ms) only when client 0 is done, at 150 ms; client 0 ${visitOutcome(first)}, client 1 ${visitOutcome(second)}.` +
      poolPicture(made, visits),
    { concept: 'a release that is safe to repeat' },
  );
  await lab.run(() => pool.close(), { label: 'pool.close()' });
  demand(
    made.every((m) => m.destroyedAt.length === 1),
    () =>
      `After close() the resource should be destroyed exactly once; it was destroyed ${made[0]?.destroyedAt.length} times.`,
    { concept: 'a release that is safe to repeat' },
  );
});

const workloadClients = fc.array(
  fc.record(
    {
      arrive: fc.integer({ min: 0, max: 400 }),
      hold: fc.integer({ min: 1, max: 300 }),
      abortAfter: fc.integer({ min: 0, max: 300 }),
    },
    { requiredKeys: ['arrive', 'hold'] },
  ),
  { minLength: 1, maxLength: 8 },
);

check('pool-no-leaks', async ({ api, lab }) => {
  await lab.property<[Client[], number, number[], number[], number | undefined]>(
    [
      workloadClients,
      fc.integer({ min: 1, max: 3 }),
      fc.array(fc.integer({ min: 0, max: 150 }), { minLength: 1, maxLength: 4 }),
      fc.array(fc.integer({ min: 0, max: 7 }), { maxLength: 3 }),
      fc.option(fc.integer({ min: 1, max: 300 }), { nil: undefined }),
    ],
    async (clients, max, latencies, failing, acquireTimeoutMs) => {
      const { create, destroy, made } = factory(lab, { latencies, failing: new Set(failing) });
      const pool = api.createPool<Resource>({ create, destroy, max, acquireTimeoutMs, idleMs: 200 });
      const { visits, done } = visit(lab, pool, clients);
      await lab.run(done, { label: `${clients.length} clients of createPool({ max: ${max} })` });
      await lab.run(() => pool.close(), { label: 'pool.close()' });
      const most = mostLive(made);
      demand(
        most.max <= max,
        () =>
          `Never more than ${max} resources live, but at ${most.at} ms there were ${most.max}.${poolPicture(made, visits)}`,
        { concept: 'a pool that leaks nothing' },
      );
      const leaked = made.find((m) => (m.failed ? m.destroyedAt.length > 0 : m.destroyedAt.length !== 1));
      demand(
        leaked === undefined,
        () =>
          `Once every client is done and close() has resolved, every resource create made should have been destroyed ` +
          `exactly once (and a failed create never); ${leaked?.resource.id} was destroyed ${leaked?.destroyedAt.length} times.` +
          poolPicture(made, visits),
        { concept: 'a pool that leaks nothing' },
      );
      lab.expectNothingPending('the clients and pool.close()');
    },
    {
      examples: [
        // The create outlives its waiter: the resource must still be destroyed in the end.
        [[{ arrive: 0, hold: 10 }], 1, [200], [], 50],
        // The waiter in the middle of the line gives up: the ones before and after it keep their places.
        [
          [
            { arrive: 0, hold: 300 },
            { arrive: 10, hold: 50 },
            { arrive: 20, hold: 50, abortAfter: 50 },
            { arrive: 30, hold: 50 },
          ],
          1,
          [0],
          [],
          undefined,
        ],
        // Client 0 gives up while its create runs, then that create fails: client 1, waiting behind it, gets the slot.
        [
          [
            { arrive: 0, hold: 10, abortAfter: 50 },
            { arrive: 10, hold: 10 },
          ],
          1,
          [100],
          [0],
          undefined,
        ],
      ],
      describe: (clients, max, latencies, failing, timeout) =>
        `max ${max}, creates taking ${latencies.join(', ')} ms${failing.length ? `, creates #${failing.join(', #')} failing` : ''}, acquireTimeoutMs ${timeout ?? 'none'}, idleMs 200, ${describeClients(clients)}`,
    },
  );
});

/**
 * Registers something wrong inside fn and rejects with what that call threw: a bad registration must be refused when
 * it is made (fn can still react), not when the cleanups run.
 */
async function refusedAtOnce(
  api: typeof Api,
  register: (stack: Api.ResourceStack) => unknown,
): Promise<unknown> {
  let thrown: unknown;
  // A cleanup that fails later (the late refusal) is not what this looks at.
  await api
    .withResources(async (stack) => {
      try {
        register(stack);
      } catch (error) {
        thrown = error;
      }
    })
    .catch(() => {});
  if (thrown === undefined) throw new Error('the call did not throw');
  throw thrown;
}

check('bad-arguments', async ({ api, lab }) => {
  const { create, destroy, made } = factory(lab);
  const cases: Array<{ call: string; name: string; run: () => unknown }> = [
    {
      call: 'createPool({ create: 42, destroy })',
      name: 'create',
      run: () => api.createPool({ create: 42 as never, destroy }),
    },
    {
      call: 'createPool({ create, destroy: null })',
      name: 'destroy',
      run: () => api.createPool({ create, destroy: null as never }),
    },
    {
      call: 'createPool({ create, destroy, max: 0 })',
      name: 'max',
      run: () => api.createPool({ create, destroy, max: 0 }),
    },
    {
      call: 'createPool({ create, destroy, max: 1.5 })',
      name: 'max',
      run: () => api.createPool({ create, destroy, max: 1.5 }),
    },
    {
      call: 'createPool({ create, destroy, idleMs: -1 })',
      name: 'idleMs',
      run: () => api.createPool({ create, destroy, idleMs: -1 }),
    },
    {
      call: 'createPool({ create, destroy, idleMs: NaN })',
      name: 'idleMs',
      run: () => api.createPool({ create, destroy, idleMs: Number.NaN }),
    },
    {
      call: 'createPool({ create, destroy, acquireTimeoutMs: -5 })',
      name: 'acquireTimeoutMs',
      run: () => api.createPool({ create, destroy, acquireTimeoutMs: -5 }),
    },
    { call: "withResources('fn')", name: 'fn', run: () => api.withResources('fn' as never) },
    {
      call: 'stack.use({}) inside fn',
      name: '',
      run: () => refusedAtOnce(api, (stack) => stack.use({} as never)),
    },
    {
      call: 'stack.adopt(value, 42) inside fn',
      name: 'onDispose',
      run: () => refusedAtOnce(api, (stack) => stack.adopt(1, 42 as never)),
    },
    {
      call: 'stack.defer(42) inside fn',
      name: 'onDispose',
      run: () => refusedAtOnce(api, (stack) => stack.defer(42 as never)),
    },
  ];
  for (const { call, name, run } of cases) {
    const settled = await lab.settle(async () => run(), { label: call });
    const error = settled.status === 'rejected' ? (settled.reason as Error) : undefined;
    demand(
      error?.name === 'TypeError' && String(error.message).toLowerCase().includes(name.toLowerCase()),
      () =>
        `${call} should throw a TypeError${name ? ` whose message names \`${name}\`` : ''}; it ` +
        `${settled.status === 'fulfilled' ? 'did not throw' : `threw ${String(settled.reason)}`}.`,
      { concept: 'validating options' },
    );
  }
  demand(
    made.length === 0,
    () => `Bad options should be refused before any work, but create was called ${made.length} times.`,
    {
      concept: 'validating options',
    },
  );
  const fine = await lab.settle(
    async () => api.createPool({ create, destroy, max: 1, idleMs: 0, acquireTimeoutMs: 0 }),
    {
      label: 'createPool({ create, destroy, max: 1, idleMs: 0, acquireTimeoutMs: 0 })',
    },
  );
  demand(
    fine.status === 'fulfilled',
    () =>
      `idleMs: 0 and acquireTimeoutMs: 0 are allowed, but createPool threw ${String(fine.status === 'rejected' ? fine.reason : '')}.`,
    {
      concept: 'validating options',
    },
  );
});
