/**
 * Workloads for the 02-rate-limited-client suite: requests made at chosen virtual times through the student's
 * client, and what became of each of them.
 */
import type * as Api from '../../../exercises/02-rate-limited-client/index.ts';
import {
  CheckFailure,
  demand,
  fc,
  gantt,
  type Lab,
  type RequestRecord,
  type RouteSpec,
  requestRows,
  show,
} from '../../lab/index.ts';

type Client = Api.RateLimitedClient;

export const BASE_URL = 'https://api.test';

/**
 * Timers a check may fire before the lab calls it a runaway loop. Correct code fires a few per request at most
 * (window timers); a polling loop hits this quickly, so a check that spins fails fast.
 */
export const MAX_TIMERS = 1000;

/**
 * Lets the code under test react without the check moving on: promises settle, and timers it scheduled (a
 * `setTimeout(0)` or `setImmediate` wake-up) fire. Bounded, so a waiter that polls cannot hang the check.
 */
export async function letItRun(lab: Lab): Promise<void> {
  await lab.clock.runAll({ maxTimers: 50 });
}

/** One request of a workload: made `at` virtual ms, answered `latency` ms after it starts. */
export interface Job {
  at: number;
  latency: number;
}

/** What became of one `client.get()` call. */
export interface Issued {
  path: string;
  /** When `get` was called. */
  at: number;
  status: 'pending' | 'fulfilled' | 'rejected';
  value?: unknown;
  reason?: unknown;
  settledAt?: number;
}

/** Request `i` of a workload lives at `/r<i>`. */
export const pathOf = (i: number) => `/r${i}`;

/** Latencies and arrival gaps: about half the requests arrive together, the rest spread out. */
export function jobs(options: {
  minLength?: number;
  maxLength: number;
  maxLatency: number;
  maxGap: number;
}): fc.Arbitrary<Job[]> {
  const gap = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: options.maxGap }));
  const step = fc.record({ gap, latency: fc.integer({ min: 1, max: options.maxLatency }) });
  return fc.array(step, { minLength: options.minLength ?? 1, maxLength: options.maxLength }).map((steps) => {
    let at = 0;
    return steps.map(({ gap: wait, latency }, i) => {
      if (i > 0) at += wait;
      return { at, latency };
    });
  });
}

/** `/r0 at 0 ms (120 ms), /r1 at 40 ms (300 ms)`: a workload as a student reads it. */
export function describeJobs(list: readonly Job[]): string {
  return list.map((job, i) => `${pathOf(i)} at ${job.at} ms (${job.latency} ms)`).join(', ');
}

/**
 * Routes `/r<i>` for each job, then calls `client.get('/r<i>')` at each job's `at` (in order; the ones at 0 right
 * away). Returns one record per call, filled in as they settle, and a promise for when all have settled.
 */
export function issue(
  lab: Lab,
  client: Api.RateLimitedClient,
  list: readonly Job[],
  options: {
    reply?: (job: Job, i: number) => RouteSpec;
    signals?: ReadonlyArray<AbortSignal | undefined>;
  } = {},
): { issued: Issued[]; done: Promise<void> } {
  const reply = options.reply ?? ((job: Job, i: number) => ({ latency: job.latency, body: { request: i } }));
  list.forEach((job, i) => {
    lab.http.route(`${BASE_URL}${pathOf(i)}`, reply(job, i));
  });
  const issued: Issued[] = list.map((job, i) => ({ path: pathOf(i), at: job.at, status: 'pending' }));
  let left = list.length;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
    if (left === 0) resolve();
  });
  const settle = (record: Issued, outcome: Partial<Issued>) => {
    Object.assign(record, outcome, { settledAt: lab.now() });
    if (--left === 0) finish();
  };
  const call = (i: number) => {
    const record = issued[i];
    const signal = options.signals?.[i];
    let promise: Promise<unknown>;
    try {
      promise = Promise.resolve(client.get(record.path, signal ? { signal } : undefined));
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(
      (value) => settle(record, { status: 'fulfilled', value }),
      (reason: unknown) => settle(record, { status: 'rejected', reason }),
    );
  };
  const times = [...new Set(list.map((job) => job.at))];
  for (const at of times) {
    const due = list.flatMap((job, i) => (job.at === at ? [i] : []));
    if (at === 0) due.forEach(call);
    else lab.clock.labTimeout(() => due.forEach(call), at);
  }
  return { issued, done };
}

/** Start and end of each job's request, by job index (undefined when it was never sent). */
export function spansOf(
  timeline: readonly RequestRecord[],
  count: number,
): Array<{ start?: number; end?: number; record?: RequestRecord }> {
  return Array.from({ length: count }, (_, i) => {
    const record = timeline.find((candidate) => candidate.path === pathOf(i));
    return { start: record?.start, end: record?.end, record };
  });
}

/** `/r0, /r3` */
export function listPaths(indices: readonly number[]): string {
  return indices.map(pathOf).join(', ');
}

/** A text timeline of the requests so far, with an optional caret. */
export function picture(timeline: readonly RequestRecord[], marker?: { at: number; note: string }): string {
  return `\n\n${gantt(requestRows(timeline), { marker })}`;
}

/** Runs a workload to the end and fails unless every request was sent once and resolved. */
export async function runAll(
  lab: Lab,
  client: Client,
  list: readonly Job[],
  label: string,
): Promise<{ issued: Issued[]; timeline: RequestRecord[] }> {
  const { issued, done } = issue(lab, client, list);
  await lab.run(done, { label, maxTimers: MAX_TIMERS });
  const timeline = [...lab.http.timeline];
  const failed = issued.find((record) => record.status === 'rejected');
  demand(
    !failed,
    () => `${failed?.path} should have resolved, but get() rejected with ${show(failed?.reason)}.`,
    { timeline },
  );
  for (const record of issued) {
    const sent = timeline.filter((candidate) => candidate.path === record.path).length;
    demand(sent === 1, `get('${record.path}') should send one request, but it sent ${sent}.`, { timeline });
  }
  return { issued, timeline };
}

/** Runs `done` to the end; false when it got stuck with nothing left that could wake it. */
export async function runUnlessStuck(lab: Lab, done: Promise<void>, label: string): Promise<boolean> {
  try {
    await lab.run(done, { label, maxTimers: MAX_TIMERS });
    return true;
  } catch (error) {
    if (error instanceof CheckFailure && error.concept === 'a promise that never settles') return false;
    throw error;
  }
}

/** The student's client on the lab's origin. */
export function clientOf(
  api: typeof Api,
  options: Partial<Api.ClientOptions> & { maxConcurrent: number },
): Client {
  return api.createClient({ baseUrl: BASE_URL, ...options });
}
