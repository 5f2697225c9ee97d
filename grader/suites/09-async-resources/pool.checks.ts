import { defineSuite, demand, fc, show, TOLERANCE_MS } from '../../lab/index.ts';
import {
  type Api,
  type Client,
  clientsArbitrary,
  describeClients,
  factory,
  mostLive,
  poolPicture,
  type Resource,
  sleep,
  visit,
  visitOutcome,
} from './pool.ts';

/** createPool(): the limit, the line, failures, idle resources, timeouts, aborts, close and double release. */
const { check } = defineSuite<typeof Api>('09-async-resources');

check('pool-never-over-max', async ({ api, lab }) => {
  await lab.property<[Client[], number, number[]]>(
    [
      clientsArbitrary,
      fc.integer({ min: 1, max: 3 }),
      fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 4 }),
    ],
    async (clients, max, latencies) => {
      const { create, destroy, made } = factory(lab, { latencies });
      const pool = api.createPool<Resource>({ create, destroy, max });
      const { visits, done } = visit(lab, pool, clients);
      await lab.run(done, { label: `${clients.length} clients of createPool({ max: ${max} })` });
      const most = mostLive(made);
      demand(
        most.max <= max,
        () =>
          `createPool({ max: ${max} }) should never have more than ${max} resources live (being created, lent or idle), ` +
          `but at ${most.at} ms it had ${most.max}.${poolPicture(made, visits, { at: most.at, note: `${most.max} live` })}`,
        { concept: 'a bounded pool' },
      );
      const unserved = visits.find((v) => v.grantedAt === undefined);
      demand(
        unserved === undefined,
        () =>
          `Every client should get a resource in the end; client ${unserved?.client} ${unserved && visitOutcome(unserved)}.${poolPicture(made, visits)}`,
        { concept: 'a bounded pool' },
      );
      await lab.run(() => pool.close(), { label: 'pool.close()' });
    },
    {
      examples: [
        [
          [
            { arrive: 0, hold: 100 },
            { arrive: 0, hold: 100 },
            { arrive: 10, hold: 50 },
          ],
          2,
          [50],
        ],
      ],
      describe: (clients, max, latencies) =>
        `max ${max}, creates taking ${latencies.join(', ')} ms, ${describeClients(clients)}`,
    },
  );
});

check('pool-fifo', async ({ api, lab }) => {
  await lab.property<[Client[], number]>(
    [clientsArbitrary, fc.integer({ min: 1, max: 3 })],
    async (clients, max) => {
      const { create, destroy, made } = factory(lab);
      const pool = api.createPool<Resource>({ create, destroy, max });
      const { visits, done } = visit(lab, pool, clients);
      await lab.run(done, { label: `${clients.length} clients of createPool({ max: ${max} })` });
      const releases = visits.map((v) => v.releasedAt).filter((t) => t !== undefined);
      for (const v of visits) {
        demand(
          v.grantedAt !== undefined,
          () =>
            `Every client should be served in the end (no waiter starves); client ${v.client} ${visitOutcome(v)}.${poolPicture(made, visits)}`,
          { concept: 'a fair (FIFO) queue of waiters' },
        );
        const waited = v.grantedAt > v.arrive;
        demand(
          !waited || releases.some((t) => Math.abs(t - (v.grantedAt as number)) <= TOLERANCE_MS),
          () =>
            `Client ${v.client} arrived at ${v.arrive} ms and was served at ${v.grantedAt} ms, but no resource was released then: a ` +
            `waiter should get a released resource the moment it comes back.${poolPicture(made, visits)}`,
          { concept: 'a fair (FIFO) queue of waiters' },
        );
        const overtaken = visits.find(
          (other) =>
            waited &&
            other.arrive > v.arrive &&
            other.grantedAt !== undefined &&
            other.grantedAt < (v.grantedAt as number),
        );
        demand(
          overtaken === undefined,
          () =>
            `Waiters are served first in, first out: client ${v.client} waited from ${v.arrive} ms, yet client ` +
            `${overtaken?.client}, who came at ${overtaken?.arrive} ms, was served first (at ${overtaken?.grantedAt} ms, ` +
            `client ${v.client} at ${v.grantedAt} ms).${poolPicture(made, visits)}`,
          { concept: 'a fair (FIFO) queue of waiters' },
        );
      }
      await lab.run(() => pool.close(), { label: 'pool.close()' });
    },
    {
      examples: [
        [
          [
            { arrive: 0, hold: 100 },
            { arrive: 10, hold: 10 },
            { arrive: 20, hold: 10 },
            { arrive: 30, hold: 10 },
          ],
          1,
        ],
      ],
      describe: (clients, max) => `max ${max}, creates taking 0 ms, ${describeClients(clients)}`,
    },
  );
});

check('pool-reuses-idle', async ({ api, lab }) => {
  const { create, destroy, made } = factory(lab, { latencies: [20] });
  const pool = api.createPool<Resource>({ create, destroy, max: 3 });
  const seen: Resource[] = [];
  await lab.run(
    async () => {
      for (let round = 0; round < 3; round++) {
        await using lease = await pool.acquire();
        seen.push(lease.resource);
        await sleep(lab, 50);
      }
    },
    { label: 'three acquires, one after the other, each in its own `await using` block' },
  );
  demand(
    made.length === 1 && seen.every((resource) => resource === made[0].resource),
    () =>
      `Three acquires one after the other (each released when its \`await using\` block ends) should reuse one resource: ` +
      `create was called ${made.length} times and the leases held ${seen.map((r) => r?.id).join(', ')}. A released ` +
      `resource goes back to the pool (and lease[Symbol.asyncDispose] releases it).${poolPicture(made)}`,
    { concept: 'reusing idle resources' },
  );
  await lab.run(() => pool.close(), { label: 'pool.close()' });
});

check('pool-create-failure', async ({ api, lab }) => {
  const { create, destroy, made, errors } = factory(lab, { latencies: [100], failing: new Set([0]) });
  const pool = api.createPool<Resource>({ create, destroy, max: 1 });
  const clients = [
    { arrive: 0, hold: 50 },
    { arrive: 10, hold: 50 },
  ];
  const { visits, done } = visit(lab, pool, clients);
  await lab.run(done, { label: 'two clients of createPool({ max: 1 }) whose first create fails' });
  const [first, second] = visits;
  demand(
    first.error === errors[0] && first.rejectedAt === 100,
    () =>
      `The first create fails at 100 ms with ${show(errors[0])}: the acquire it was for should reject with that very error ` +
      `right then; client 0 ${visitOutcome(first)}.${poolPicture(made, visits)}`,
    { concept: 'failures that free their slot' },
  );
  demand(
    second.grantedAt === 200 && second.resource === made[1]?.resource,
    () =>
      `The failed create frees its slot: client 1, waiting since 10 ms, should get a new resource of its own (created ` +
      `from 100 ms, ready at 200 ms), not the error; client 1 ${visitOutcome(second)}.${poolPicture(made, visits)}`,
    { concept: 'failures that free their slot' },
  );
  lab.reset();
  const two = factory(lab, { latencies: [100, 40], failing: new Set([0]) });
  const wide = api.createPool<Resource>({ create: two.create, destroy: two.destroy, max: 2 });
  const run = visit(lab, wide, clients);
  await lab.run(run.done, { label: 'two clients of createPool({ max: 2 }) whose first create fails' });
  demand(
    run.visits[0].error === two.errors[0] && run.visits[1].grantedAt === 50,
    () =>
      `With max 2, client 0's create fails at 100 ms and client 1's succeeds at 50 ms: only client 0 should be rejected; ` +
      `client 0 ${visitOutcome(run.visits[0])}, client 1 ${visitOutcome(run.visits[1])}.${poolPicture(two.made, run.visits)}`,
    { concept: 'failures that free their slot' },
  );
  demand(
    two.made.length === 2,
    () =>
      `With max 2, client 0's create fails at 100 ms when nobody waits any more: the pool should create nothing else ` +
      `(nobody asked for it), yet create was called ${two.made.length} times.${poolPicture(two.made, run.visits)}`,
    { concept: 'failures that free their slot' },
  );
  await lab.run(() => wide.close(), { label: 'pool.close()' });
});

check('pool-idle-destroy', async ({ api, lab }) => {
  await lab.property<[number, number, number]>(
    [fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 800 })],
    async (idleMs, hold, generatedComeBack) => {
      // Coming back exactly when the idle time is up is a tie either answer may win: step past it.
      const comeBack = generatedComeBack === idleMs ? idleMs + 1 : generatedComeBack;
      const { create, destroy, made } = factory(lab);
      const pool = api.createPool<Resource>({ create, destroy, max: 2, idleMs });
      const clients = [
        { arrive: 0, hold },
        { arrive: hold + comeBack, hold },
      ];
      const { visits, done } = visit(lab, pool, clients);
      await lab.run(
        async () => {
          await done;
          await sleep(lab, idleMs + 10);
        },
        { label: `two clients of createPool({ idleMs: ${idleMs} })` },
      );
      const reused = comeBack < idleMs;
      const first = made[0];
      demand(
        first?.destroyedAt[0] === (reused ? 2 * hold + comeBack : hold) + idleMs &&
          made.length === (reused ? 1 : 2),
        () =>
          `With idleMs ${idleMs}, a resource released at ${hold} ms ${reused ? `and borrowed again at ${hold + comeBack} ms (before its idle time was up), then released at ${2 * hold + comeBack} ms,` : ''} ` +
          `should be destroyed ${idleMs} ms after it last became idle, at ${(reused ? 2 * hold + comeBack : hold) + idleMs} ms${reused ? ', and reused rather than created again' : ''}; ` +
          `${first?.resource.id} was destroyed at ${first?.destroyedAt.join(', ') || 'no time'} ms and create was called ${made.length} times.${poolPicture(made, visits)}`,
        { concept: 'destroying idle resources' },
      );
      await lab.run(() => pool.close(), { label: 'pool.close()' });
      lab.expectNothingPending('pool.close()');
    },
    {
      examples: [
        [100, 50, 60],
        [100, 50, 100],
      ],
      describe: (idleMs, hold, comeBack) => `idleMs ${idleMs}, held ${hold} ms, back ${comeBack} ms later`,
    },
  );
});

check('pool-acquire-timeout', async ({ api, lab }) => {
  const { create, destroy, made } = factory(lab);
  const pool = api.createPool<Resource>({ create, destroy, max: 1, acquireTimeoutMs: 200 });
  const clients = [
    { arrive: 0, hold: 500 },
    { arrive: 10, hold: 50 },
    { arrive: 300, hold: 50 },
  ];
  const { visits, done } = visit(lab, pool, clients);
  await lab.run(done, { label: 'three clients of createPool({ max: 1, acquireTimeoutMs: 200 })' });
  const [, late, next] = visits;
  demand(
    late.rejectedAt === 210 && (late.error as Error | undefined)?.name === 'TimeoutError',
    () =>
      `Client 1 waits from 10 ms with acquireTimeoutMs 200: its acquire should reject at 210 ms with an error named ` +
      `'TimeoutError'; it ${visitOutcome(late)}.${poolPicture(made, visits)}`,
    { concept: 'giving up a place in line' },
  );
  demand(
    next.grantedAt === 500 && made.length === 1,
    () =>
      `Client 1 gave up its place: client 2 (waiting since 300 ms) should get the resource client 0 releases at 500 ms; ` +
      `client 2 ${visitOutcome(next)}, and create was called ${made.length} times.${poolPicture(made, visits)}`,
    { concept: 'giving up a place in line' },
  );
  await lab.run(() => pool.close(), { label: 'pool.close()' });
  lab.expectNothingPending('the clients and pool.close()');
});

check('pool-acquire-abort', async ({ api, lab }) => {
  const { create, destroy, made } = factory(lab);
  const pool = api.createPool<Resource>({ create, destroy, max: 1 });
  const clients: Client[] = [
    { arrive: 0, hold: 500 },
    { arrive: 10, hold: 50, abortAfter: 100 },
    { arrive: 300, hold: 50 },
    { arrive: 520, hold: 50, abortAfter: 1000 },
  ];
  const { visits, done } = visit(lab, pool, clients);
  await lab.run(done, { label: 'clients of createPool({ max: 1 }) passing a signal' });
  const early = await lab.settle(() => pool.acquire({ signal: AbortSignal.abort(new Error('never mind')) }), {
    label: 'pool.acquire({ signal: an aborted signal })',
  });
  demand(
    early.status === 'rejected' && String((early.reason as Error | undefined)?.message) === 'never mind',
    () =>
      `pool.acquire({ signal }) with a signal that is already aborted should reject at once with signal.reason; it ${early.status === 'fulfilled' ? 'resolved' : `rejected with ${show(early.reason)}`}.`,
    { concept: 'giving up a place in line' },
  );
  const [, gaveUp, next, patient] = visits;
  demand(
    gaveUp.rejectedAt === 110 &&
      String((gaveUp.error as Error | undefined)?.message).includes('client 1 gave up'),
    () =>
      `Client 1's signal aborts at 110 ms while it waits: its acquire should reject right then with signal.reason; it ${visitOutcome(gaveUp)}.${poolPicture(made, visits)}`,
    { concept: 'giving up a place in line' },
  );
  demand(
    next.grantedAt === 500 && patient.grantedAt === 550,
    () =>
      `Client 1 gave up its place: client 2 should get the resource at 500 ms and client 3 at 550 ms; client 2 ` +
      `${visitOutcome(next)}, client 3 ${visitOutcome(patient)}.${poolPicture(made, visits)}`,
    { concept: 'giving up a place in line' },
  );
  await lab.run(() => pool.close(), { label: 'pool.close()' });
  lab.expectNothingPending('the clients and pool.close()');
  lab.reset();
  const middle = factory(lab);
  const busy = api.createPool<Resource>({ create: middle.create, destroy: middle.destroy, max: 1 });
  const queue = visit(lab, busy, [
    { arrive: 0, hold: 300 },
    { arrive: 10, hold: 50 },
    { arrive: 20, hold: 50, abortAfter: 50 },
    { arrive: 30, hold: 50 },
  ]);
  await lab.run(queue.done, { label: 'three clients in line; the one in the middle aborts at 70 ms' });
  const [, front, quitter, back] = queue.visits;
  const servedAt = [front.grantedAt, back.grantedAt].sort((a, b) => (a ?? Infinity) - (b ?? Infinity));
  demand(
    quitter.rejectedAt === 70 && servedAt[0] === 300 && servedAt[1] === 350,
    () =>
      `Client 2 waits between clients 1 and 3 and aborts at 70 ms: it alone should leave the line, rejected right ` +
      `then, and the two others stay in line, served when client 0 releases at 300 ms and then at 350 ms; client 1 ` +
      `${visitOutcome(front)}, client 2 ${visitOutcome(quitter)}, client 3 ${visitOutcome(back)}.${poolPicture(middle.made, queue.visits)}`,
    { concept: 'giving up a place in line' },
  );
  await lab.run(() => busy.close(), { label: 'pool.close()' });
  lab.expectNothingPending('the clients and pool.close()');
});

check('pool-close', async ({ api, lab }) => {
  const { create, destroy, made } = factory(lab);
  const pool = api.createPool<Resource>({ create, destroy, max: 2 });
  const clients = [
    { arrive: 0, hold: 400 },
    { arrive: 0, hold: 50 },
    { arrive: 100, hold: 10 },
    { arrive: 200, hold: 10 },
  ];
  const { visits, done } = visit(lab, pool, clients);
  lab.clock.labTimeout(() => {
    late = pool.acquire().then(
      () => 'resolved',
      () => 'rejected',
    );
  }, 300);
  let late: Promise<string> | undefined;
  const closed = await lab.settle(
    async () => {
      await sleep(lab, 250);
      let closedAt: number | undefined;
      const closing = pool.close().then(() => {
        closedAt = lab.now();
      });
      await done;
      await closing;
      return closedAt;
    },
    { label: 'pool.close() at 250 ms while client 0 holds a lease until 400 ms' },
  );
  demand(
    closed.status === 'fulfilled' && closed.value === 400,
    () =>
      `pool.close() is called at 250 ms while client 0 holds a lease until 400 ms: it should wait for it and resolve at ` +
      `400 ms, once every resource is destroyed; it ${closed.status === 'fulfilled' ? `resolved at ${closed.value} ms` : `rejected with ${show(closed.reason)}`}.${poolPicture(made, visits)}`,
    { concept: 'closing a pool' },
  );
  const wrong = made.find((m) => !m.failed && m.destroyedAt.length !== 1);
  demand(
    wrong === undefined,
    () =>
      `After close() every resource should be destroyed exactly once; ${wrong?.resource.id} was destroyed ${wrong?.destroyedAt.length} times.${poolPicture(made, visits)}`,
    { concept: 'closing a pool' },
  );
  const idleOne = made.find((m) => m.resource !== visits[0].resource);
  demand(
    idleOne?.destroyedAt[0] === 250,
    () =>
      `The idle resource should be destroyed as soon as close() is called (250 ms); ${idleOne?.resource.id} was destroyed at ${idleOne?.destroyedAt.join(', ') || 'no time'} ms.${poolPicture(made, visits)}`,
    { concept: 'closing a pool' },
  );
  const after = await lab.run(() => late ?? Promise.resolve('never called'), {
    label: 'pool.acquire() after close()',
  });
  demand(after === 'rejected', () => `pool.acquire() after close() should reject; it ${after}.`, {
    concept: 'closing a pool',
  });
  lab.expectNothingPending('pool.close()');
  lab.reset();
  const second = factory(lab);
  const small = api.createPool<Resource>({ create: second.create, destroy: second.destroy, max: 1 });
  const line = visit(lab, small, [
    { arrive: 0, hold: 100 },
    { arrive: 10, hold: 10 },
  ]);
  lab.clock.labTimeout(() => void small.close(), 50);
  await lab.run(line.done, { label: 'close() at 50 ms while client 1 waits in line' });
  demand(
    line.visits[1].rejectedAt === 50,
    () =>
      `Client 1 waits in line from 10 ms: close() at 50 ms should reject it right then; it ${visitOutcome(line.visits[1])}.${poolPicture(second.made, line.visits)}`,
    { concept: 'closing a pool' },
  );
  const aborted = await lab.settle(
    () => small.acquire({ signal: AbortSignal.abort(new Error('too late')) }),
    {
      label: 'acquire({ signal: an aborted signal })',
    },
  );
  demand(
    aborted.status === 'rejected',
    () => 'An acquire after close() (or with an aborted signal) should reject; it resolved.',
    {
      concept: 'closing a pool',
    },
  );
  lab.reset();
  const slow = factory(lab, { latencies: [300] });
  const busy = api.createPool<Resource>({ create: slow.create, destroy: slow.destroy, max: 1 });
  const creating = visit(lab, busy, [{ arrive: 0, hold: 10 }]);
  await lab.run(
    async () => {
      await sleep(lab, 100);
      await busy.close();
      await creating.done;
    },
    { label: 'close() at 100 ms while the create started at 0 ms runs until 300 ms' },
  );
  const pending = slow.made[0];
  demand(
    pending?.abortedAt === 100,
    () =>
      `close() at 100 ms: the pool no longer needs the resource being created (from 0 ms until 300 ms), so the signal ` +
      `create received should fire right then; ${!pending ? 'create was never called' : !pending.hadSignal ? 'create received no signal' : pending.abortedAt === undefined ? 'it never fired' : `it fired at ${pending.abortedAt} ms`}.${poolPicture(slow.made, creating.visits)}`,
    { concept: 'closing a pool' },
  );
});
