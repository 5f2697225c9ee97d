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
    { concept: 'idempotent release' },
  );
  await lab.run(() => pool.close(), { label: 'pool.close()' });
  demand(
    made.every((m) => m.destroyedAt.length === 1),
    () =>
      `After close() the resource should be destroyed exactly once; it was destroyed ${made[0]?.destroyedAt.length} times.`,
    { concept: 'idempotent release' },
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
      describe: (clients, max, latencies, failing, timeout) =>
        `max ${max}, creates taking ${latencies.join(', ')} ms${failing.length ? `, creates #${failing.join(', #')} failing` : ''}, acquireTimeoutMs ${timeout ?? 'none'}, idleMs 200, ${describeClients(clients)}`,
    },
  );
});
