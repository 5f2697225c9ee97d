import type * as Api from '../../exercises/02-rate-limited-client/index.ts';
import {
  CheckFailure,
  defineSuite,
  demand,
  fc,
  includeHiddenChecks,
  type Lab,
  listMs,
  maxOverlap,
  maxStartsInWindow,
  type RequestRecord,
  show,
} from '../lab/index.ts';
import { expectAbortedWaiterGone } from './02-rate-limited-client/aborts.ts';
import { expectExactCounts } from './02-rate-limited-client/counts.ts';
import { findIdleSlot, findLateStart, listScheduleMakespan } from './02-rate-limited-client/model.ts';
import {
  checkRunReleases,
  checkSemaphoreAbort,
  checkSemaphoreCounts,
  checkSemaphoreInterleavings,
} from './02-rate-limited-client/semaphore.ts';
import {
  BASE_URL,
  clientOf,
  describeJobs,
  issue,
  type Job,
  jobs,
  MAX_TIMERS,
  pathOf,
  picture,
  runAll,
  runUnlessStuck,
  spansOf,
} from './02-rate-limited-client/workload.ts';

const { check } = defineSuite<typeof Api>('02-rate-limited-client');

type Client = Api.RateLimitedClient;

const slots = fc.integer({ min: 1, max: 4 });
const burst = jobs({ maxLength: 9, maxLatency: 400, maxGap: 150 });

check('semaphore-counts', async ({ api, lab }) => {
  await checkSemaphoreCounts(api, lab);
});

check('semaphore-interleavings', async ({ api, lab }) => {
  await checkSemaphoreInterleavings(api, lab);
});

check('get-json', async ({ api, lab }) => {
  // A slot for each failing request: whether a failure frees its slot is failures-free-the-slot's business.
  const subject = clientOf(api, { maxConcurrent: 4 });
  lab.http.route(`${BASE_URL}/users/42`, { latency: 30, body: { id: 42, name: 'Ada' } });
  lab.http.route(`${BASE_URL}/search?q=async`, { latency: 10, body: [1, 2, 3] });
  lab.http.route(`${BASE_URL}/missing`, { latency: 20, status: 404, body: { error: 'no such thing' } });
  lab.http.route(`${BASE_URL}/broken`, { latency: 20, status: 503, body: 'try later' });
  // No body at all (response.body is null): still an HttpError.
  lab.http.route(`${BASE_URL}/gone`, { latency: 20, status: 410, body: null });
  const user = await lab.run(subject.get('/users/42'), { label: "get('/users/42')", maxTimers: MAX_TIMERS });
  demand(
    show(user) === show({ id: 42, name: 'Ada' }),
    `get('/users/42') should resolve with the parsed JSON {"id":42,"name":"Ada"}, but it gave ${show(user)}.`,
  );
  const found = await lab.run(subject.get('/search?q=async'), { label: "get('/search?q=async')" });
  demand(
    show(found) === '[1,2,3]',
    `get('/search?q=async') should resolve with [1,2,3], but it gave ${show(found)}.`,
  );
  for (const [path, status] of [
    ['/missing', 404],
    ['/broken', 503],
    ['/gone', 410],
  ] as const) {
    const settled = await lab.settle(subject.get(path), { label: `get('${path}')`, maxTimers: MAX_TIMERS });
    const reason = settled.status === 'rejected' ? settled.reason : undefined;
    demand(
      reason instanceof api.HttpError &&
        reason instanceof Error &&
        reason.status === status &&
        reason.name === 'HttpError',
      () =>
        `get('${path}') answered ${status} should reject with an HttpError (name 'HttpError', status ${status}), ` +
        `but it ${settled.status === 'fulfilled' ? `resolved with ${show(settled.value)}` : `rejected with ${show(reason)}${reason instanceof Error ? ` (name ${show(reason.name)}, status ${show((reason as { status?: unknown }).status)})` : ''}`}.`,
      { concept: 'fetch resolving on HTTP errors' },
    );
  }
  const made = new api.HttpError(418, 'I am a teapot');
  demand(
    made.status === 418 &&
      made.message === 'I am a teapot' &&
      made.name === 'HttpError' &&
      made instanceof Error,
    `new HttpError(418, 'I am a teapot') should be an Error with status 418, that message and name 'HttpError', ` +
      `but it has status ${show(made.status)}, message ${show(made.message)}, name ${show(made.name)}.`,
  );
});

check('never-exceeds-max-concurrent', async ({ api, lab }) => {
  await lab.property(
    [slots, burst],
    async (maxConcurrent, list) => {
      const { timeline } = await runAll(
        lab,
        clientOf(api, { maxConcurrent }),
        list,
        `${list.length} get() calls with maxConcurrent ${maxConcurrent}`,
      );
      const { max, at } = maxOverlap(timeline);
      demand(
        max <= maxConcurrent,
        () =>
          `At most ${maxConcurrent} request${maxConcurrent === 1 ? '' : 's'} should be in flight at once, but at ${at} ms ` +
          `yours had ${max}.${picture(timeline, { at, note: `${max} in flight (maxConcurrent ${maxConcurrent})` })}`,
        { concept: 'a semaphore', timeline },
      );
    },
    { describe: (maxConcurrent, list) => `maxConcurrent ${maxConcurrent}; ${describeJobs(list)}` },
  );
});

check('work-conserving', async ({ api, lab }) => {
  // One slow request and three quick ones on two slots: the quick ones take turns on the second slot.
  await expectWorkConserving(
    api,
    lab,
    2,
    [300, 100, 100, 100].map((latency) => ({ at: 0, latency })),
  );
  await lab.property(
    [slots, burst],
    (maxConcurrent, list) => expectWorkConserving(api, lab, maxConcurrent, list),
    {
      describe: (maxConcurrent, list) => `maxConcurrent ${maxConcurrent}; ${describeJobs(list)}`,
    },
  );
});

async function expectWorkConserving(
  api: typeof Api,
  lab: Lab,
  maxConcurrent: number,
  list: Job[],
): Promise<void> {
  const { timeline } = await runAll(
    lab,
    clientOf(api, { maxConcurrent }),
    list,
    `${list.length} get() calls with maxConcurrent ${maxConcurrent}`,
  );
  const spans = spansOf(timeline, list.length);
  const idle = findIdleSlot(list, spans, maxConcurrent);
  if (!idle) return;
  const model = listScheduleMakespan(list, maxConcurrent);
  const finished = Math.max(...spans.map((span) => span.end ?? 0));
  throw new CheckFailure(
    `A waiting request should start the moment a slot frees. At ${idle.at} ms only ${idle.inFlight} of ` +
      `${maxConcurrent} slots ${idle.inFlight === 1 ? 'was' : 'were'} busy while ${pathOf(idle.request)} (made at ${list[idle.request].at} ms) ` +
      `was waiting, yet it started only at ${spans[idle.request].start} ms. Keeping every slot busy, the ` +
      `requests would all be done at ${model} ms; yours finished at ${finished} ms.` +
      picture(timeline, { at: idle.at, note: `a free slot while ${pathOf(idle.request)} waits` }),
    { concept: 'work conservation (no batches)', timeline },
  );
}

check('starts-in-request-order', async ({ api, lab }) => {
  await lab.property(
    [fc.integer({ min: 1, max: 3 }), jobs({ minLength: 2, maxLength: 7, maxLatency: 300, maxGap: 60 })],
    async (maxConcurrent, list) => {
      const { timeline } = await runAll(
        lab,
        clientOf(api, { maxConcurrent }),
        list,
        `${list.length} get() calls with maxConcurrent ${maxConcurrent}`,
      );
      const order = timeline.map((record) => record.path);
      const expected = list.map((_, i) => pathOf(i));
      demand(
        order.every((path, i) => path === expected[i]),
        () =>
          `Requests should start in the order get() was called (${expected.join(', ')}), but yours started ` +
          `${order.join(', ')}.${picture(timeline)}`,
        { concept: 'first come, first served', timeline },
      );
    },
    { describe: (maxConcurrent, list) => `maxConcurrent ${maxConcurrent}; ${describeJobs(list)}` },
  );
});

interface Windowed {
  maxConcurrent: number;
  perWindow: number;
  windowMs: number;
  list: Job[];
}

/** Workloads under a sliding window, with `maxConcurrent` drawn from `concurrency`. */
function windowed(concurrency: fc.Arbitrary<number>): fc.Arbitrary<Windowed> {
  return fc
    .record({
      maxConcurrent: concurrency,
      perWindow: fc.integer({ min: 1, max: 3 }),
      windowMs: fc.integer({ min: 50, max: 1000 }),
    })
    .chain((limits) =>
      jobs({ maxLength: 8, maxLatency: 300, maxGap: limits.windowMs }).map((list) => ({ ...limits, list })),
    );
}

function describeWindowed({ maxConcurrent, perWindow, windowMs, list }: Windowed): string {
  return `maxConcurrent ${maxConcurrent}, maxPerWindow ${perWindow}, windowMs ${windowMs}; ${describeJobs(list)}`;
}

async function runWindowed(
  api: typeof Api,
  lab: Lab,
  { maxConcurrent, perWindow, windowMs, list }: Windowed,
) {
  return runAll(
    lab,
    clientOf(api, { maxConcurrent, maxPerWindow: perWindow, windowMs }),
    list,
    `${list.length} get() calls with maxConcurrent ${maxConcurrent}, maxPerWindow ${perWindow}, windowMs ${windowMs}`,
  );
}

check('window-limit', async ({ api, lab }) => {
  // With one slot, /r1 and /r2 wait for it: the window must count when they really start, not when they queued.
  const scarce: Windowed = {
    maxConcurrent: 1,
    perWindow: 1,
    windowMs: 100,
    list: [150, 10, 10].map((latency) => ({ at: 0, latency })),
  };
  expectWithinWindow(scarce, (await runWindowed(api, lab, scarce)).timeline);
  // Two requests late in one 100 ms stretch and two early in the next: four starts within 20 ms.
  lab.reset();
  const boundary: Windowed = {
    maxConcurrent: 5,
    perWindow: 2,
    windowMs: 100,
    list: [80, 80, 100, 100].map((at) => ({ at, latency: 10 })),
  };
  expectWithinWindow(boundary, (await runWindowed(api, lab, boundary)).timeline);
  // Small maxConcurrent too: a request that takes its place in the window and then waits for a slot starts later
  // than the window counted, which can put more than maxPerWindow real starts in one window.
  await lab.property(
    [windowed(fc.integer({ min: 1, max: 3 }))],
    async (workload) => expectWithinWindow(workload, (await runWindowed(api, lab, workload)).timeline),
    { describe: describeWindowed },
  );
});

function expectWithinWindow(
  { maxConcurrent, perWindow, windowMs }: Windowed,
  timeline: RequestRecord[],
): void {
  const starts = timeline.map((record) => record.start);
  const { max, from } = maxStartsInWindow(starts, windowMs);
  demand(
    max <= perWindow,
    () =>
      `With maxConcurrent ${maxConcurrent}, at most ${perWindow} request${perWindow === 1 ? '' : 's'} may start in any ` +
      `${windowMs} ms, but ${max} of yours started in [${from}, ${from + windowMs}) ms (starts at ${listMs(starts)}). ` +
      'The window slides over the real starts: count a start when the request is sent, not on a schedule and not ' +
      'before it has its slot.' +
      picture(timeline, { at: from, note: `${max} starts from here within ${windowMs} ms` }),
    { concept: 'a sliding window', timeline },
  );
}

check('window-earliest', async ({ api, lab }) => {
  // Two requests at once, one place per 100 ms: the second may start at 100 ms, whenever the first finished.
  await expectEarliestStarts(api, lab, {
    maxConcurrent: 50,
    perWindow: 1,
    windowMs: 100,
    list: [
      { at: 0, latency: 60 },
      { at: 0, latency: 10 },
    ],
  });
  // maxConcurrent 50 is never the reason to wait: only the window decides when a request may start.
  await lab.property([windowed(fc.constant(50))], (workload) => expectEarliestStarts(api, lab, workload), {
    describe: describeWindowed,
  });
});

async function expectEarliestStarts(api: typeof Api, lab: Lab, workload: Windowed): Promise<void> {
  const { perWindow, windowMs, list } = workload;
  const { timeline } = await runWindowed(api, lab, workload);
  const late = findLateStart(list, spansOf(timeline, list.length), perWindow, windowMs);
  if (!late) return;
  const started = timeline.find((record) => record.path === pathOf(late.request))?.start;
  throw new CheckFailure(
    `Each request should start as soon as the window allows, no later. ${pathOf(late.request)} could start at ` +
      `${late.allowedAt} ms (${late.because}), but yours started it at ${started} ms.` +
      picture(timeline, { at: late.allowedAt, note: `${pathOf(late.request)} was allowed here` }),
    { concept: 'a sliding window that counts starts', timeline },
  );
}

check('failures-free-the-slot', async ({ api, lab }) => {
  const subject = clientOf(api, { maxConcurrent: 2 });
  const list: Job[] = Array.from({ length: 8 }, (_, i) => ({ at: 0, latency: i < 6 ? 50 : 30 }));
  const { issued, done } = issue(lab, subject, list, {
    reply: (job, i) =>
      i >= 6
        ? { latency: job.latency, body: { request: i } }
        : i % 2 === 0
          ? { latency: job.latency, status: 500, body: 'oops' }
          : { latency: job.latency, network: 'error' },
  });
  const finished = await runUnlessStuck(
    lab,
    done,
    '6 failing get() calls, then 2 good ones, maxConcurrent 2',
  );
  const timeline = [...lab.http.timeline];
  demand(
    finished,
    () =>
      `After ${timeline.length} failed request${timeline.length === 1 ? '' : 's'} nothing else ever started: at ` +
      `${lab.now()} ms ${issued.filter((record) => record.status === 'pending').length} get() calls were still ` +
      'waiting for a slot that no request held any more. A failure must give its slot back (release in a finally).' +
      picture(timeline),
    { concept: 'release in finally', timeline },
  );
  for (const [i, record] of issued.entries()) {
    if (i < 6) {
      const httpFailure = i % 2 === 0;
      demand(
        record.status === 'rejected' &&
          (!httpFailure ||
            (record.reason instanceof api.HttpError && (record.reason as Api.HttpError).status === 500)),
        () =>
          `${record.path} failed (${httpFailure ? 'HTTP 500' : 'a network error'}), so its own get() should reject` +
          `${httpFailure ? ' with an HttpError of status 500' : ''}, but it ${record.status === 'fulfilled' ? `resolved with ${show(record.value)}` : `rejected with ${show(record.reason)}`}.`,
        { timeline },
      );
    } else {
      demand(
        record.status === 'fulfilled' && show(record.value) === show({ request: i }),
        () =>
          `After 6 failures the client should still work: ${record.path} should resolve with {"request":${i}}, but it ` +
          `${record.status === 'fulfilled' ? `resolved with ${show(record.value)}` : `rejected with ${show(record.reason)}`}.`,
        { concept: 'release in finally', timeline },
      );
    }
  }
  const idle = findIdleSlot(list, spansOf(timeline, list.length), 2);
  demand(
    !idle,
    () =>
      `Each failure should free its slot the moment it fails, but at ${idle?.at} ms only ${idle?.inFlight} of 2 slots ` +
      `${idle?.inFlight === 1 ? 'was' : 'were'} busy while ${pathOf(idle?.request ?? 0)} was waiting.` +
      picture(timeline, { at: idle?.at ?? 0, note: 'a slot still held by a failed request' }),
    { concept: 'release in finally', timeline },
  );

  lab.reset();
  await checkRunReleases(api, lab);
});

check('abort-queued', async ({ api, lab }) => {
  const reason = new Error('changed my mind');
  await expectAbortedWaiterGone(lab, reason, {
    make: () => clientOf(api, { maxConcurrent: 1 }),
    abortAt: 200,
    setting: 'maxConcurrent 1',
    waitingFor: 'a slot',
  });
  lab.reset();
  await expectAbortedWaiterGone(lab, reason, {
    make: () => clientOf(api, { maxConcurrent: 5, maxPerWindow: 1, windowMs: 1000 }),
    abortAt: 300,
    setting: 'maxPerWindow 1, windowMs 1000',
    waitingFor: 'the window',
  });

  lab.reset();
  const already = lab.controller();
  already.abort(reason);
  const idleClient = clientOf(api, { maxConcurrent: 2 });
  lab.http.route(`${BASE_URL}/never`, { latency: 10 });
  const early = await lab.settle(() => idleClient.get('/never', { signal: already.signal }), {
    label: 'get(path, { signal: alreadyAborted })',
  });
  demand(
    early.status === 'rejected' && early.reason === reason && lab.http.timeline.length === 0,
    `get() with a signal that is already aborted should reject with signal.reason and send nothing, but it ` +
      `${early.status === 'rejected' ? `rejected with ${show(early.reason)}` : 'resolved'} and sent ` +
      `${lab.http.timeline.length} request(s).`,
    { concept: 'an already-aborted signal' },
  );

  await checkSemaphoreAbort(api, lab, already.signal, reason);
});

check('abort-in-flight', async ({ api, lab }) => {
  const reason = new Error('user navigated away');
  const controller = lab.controller();
  const subject = clientOf(api, { maxConcurrent: 2 });
  lab.clock.labTimeout(() => controller.abort(reason), 300);
  const { issued, done } = issue(
    lab,
    subject,
    [
      { at: 0, latency: 1000 },
      { at: 0, latency: 600 },
    ],
    { signals: [controller.signal] },
  );
  await lab.run(done, { label: 'get() of a slow request aborted at 300 ms', maxTimers: MAX_TIMERS });
  const timeline = [...lab.http.timeline];
  const record = timeline.find((candidate) => candidate.path === '/r0');
  demand(
    issued[0].status === 'rejected' && issued[0].reason === reason && issued[0].settledAt === 300,
    () =>
      `/r0 was in flight when its signal aborted at 300 ms, so its get() should reject right then with ` +
      `signal.reason, but it ${issued[0].status === 'fulfilled' ? 'resolved' : `rejected with ${show(issued[0].reason)}`} ` +
      `at ${issued[0].settledAt} ms.`,
    { concept: 'cancelling a request in flight', timeline },
  );
  demand(
    record?.outcome === 'aborted' && record.end === 300,
    () =>
      `The server should see /r0 aborted at 300 ms, but ${record?.outcome === 'aborted' ? `it saw the abort at ${record.end} ms` : 'it never saw an abort'}: ` +
      `pass the signal to fetch.${picture(timeline)}`,
    { concept: 'cancelling a request in flight', timeline },
  );
  demand(
    issued[1].status === 'fulfilled',
    `/r1 had its own request and no signal: it should resolve, but it rejected with ${show(issued[1].reason)}.`,
    { timeline },
  );
});

check('no-spinning', async ({ api, lab }) => {
  const spin = async (make: () => Client, list: Job[], allowed: number, situation: string): Promise<void> => {
    const { done } = issue(lab, make(), list);
    const settled = await lab
      .settle(
        done.then(() => 'done'),
        { label: situation, maxTimers: allowed + 50 },
      )
      .catch((error: unknown) => {
        if (error instanceof CheckFailure && error.concept === 'busy waiting') return undefined;
        throw error;
      });
    const fired = lab.clock.studentTimersFired;
    demand(
      settled !== undefined && fired <= allowed,
      () =>
        `${situation}, your code fired ${fired} timers${settled === undefined ? ` by ${lab.now()} ms of virtual time and was still going` : ''}; ` +
        `waiting should fire none (or, for the window, about one per request). A waiter should ` +
        'be a promise that a release resolves, not a loop that checks again on a timer.',
      { concept: 'busy waiting' },
    );
  };
  await spin(
    () => clientOf(api, { maxConcurrent: 1 }),
    [{ at: 0, latency: 5000 }, ...Array.from({ length: 5 }, () => ({ at: 0, latency: 10 }))],
    6,
    'While 5 requests waited 5000 ms for the only slot (maxConcurrent 1)',
  );
  lab.reset();
  await spin(
    () => clientOf(api, { maxConcurrent: 6, maxPerWindow: 1, windowMs: 2000 }),
    Array.from({ length: 5 }, () => ({ at: 0, latency: 10 })),
    12,
    'While 4 requests waited up to 8000 ms for the window (maxPerWindow 1, windowMs 2000)',
  );
});

check('active-pending-idle', async ({ api, lab }) => {
  const subject = clientOf(api, { maxConcurrent: 2 });
  const empty = await lab.settle(() => subject.onIdle(), { label: 'onIdle() with nothing to do' });
  demand(
    empty.status === 'fulfilled' && empty.at === 0,
    `onIdle() on a client with nothing to do should resolve at once, but it ${empty.status === 'fulfilled' ? `resolved at ${empty.at} ms` : 'rejected'}.`,
  );
  demand(
    subject.active === 0 && subject.pending === 0,
    `A new client should have active 0 and pending 0, but has active ${show(subject.active)} and pending ${show(subject.pending)}.`,
  );
  await expectExactCounts(
    lab,
    subject,
    [100, 300, 200, 400, 50].map((latency) => ({ at: 0, latency })),
    [10, 150, 250, 320, 500, 650],
    'maxConcurrent 2',
  );
  lab.reset();
  await expectExactCounts(
    lab,
    clientOf(api, { maxConcurrent: 3, maxPerWindow: 1, windowMs: 500 }),
    [100, 100, 100].map((latency) => ({ at: 0, latency })),
    [50, 200, 550, 700, 1050],
    'maxConcurrent 3, maxPerWindow 1, windowMs 500',
  );
  // A request aborted while it waits for a slot leaves `pending`; onIdle() called while one request runs (and none
  // waits) waits for it.
  lab.reset();
  await expectExactCounts(
    lab,
    clientOf(api, { maxConcurrent: 1 }),
    [300, 100].map((latency) => ({ at: 0, latency })),
    [50, 150, 350],
    'maxConcurrent 1, /r1 aborted at 100 ms while it waited for the slot',
    { aborts: { 1: 100 }, idleFrom: 150 },
  );
  // The last request to settle is one aborted while it waits for the window: onIdle() resolves right then.
  lab.reset();
  await expectExactCounts(
    lab,
    clientOf(api, { maxConcurrent: 2, maxPerWindow: 1, windowMs: 500 }),
    [100, 100].map((latency) => ({ at: 0, latency })),
    [50, 150, 250],
    'maxConcurrent 2, maxPerWindow 1, windowMs 500, /r1 aborted at 200 ms while it waited for the window',
    { aborts: { 1: 200 } },
  );
});

// The hidden checks (grader/suites/02-rate-limited-client.hidden.ts, left out of the student template) run in this file too.
await includeHiddenChecks('02-rate-limited-client');
