import { createRequire } from 'node:module';
import * as timers from 'node:timers';
import * as timersPromises from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { CheckFailure, gantt, Lab, maxOverlap, maxStartsInWindow } from '../lab/index.ts';

const require = createRequire(import.meta.url);

let lab: Lab;

beforeEach(() => {
  lab = Lab.open({ seed: 1, reproduce: 'npm test' });
});

afterEach(() => {
  lab.close();
});

/** What a failing `run`/`settle` says, or '' when it did not fail. */
async function failureOf(work: () => Promise<unknown>): Promise<string> {
  try {
    await work();
    return '';
  } catch (error) {
    expect(error).toBeInstanceOf(CheckFailure);
    return (error as Error).message;
  }
}

describe('virtual clock', () => {
  test('setTimeout, Date.now and performance.now follow virtual time', async () => {
    const wallBefore = Date.now();
    const perfBefore = performance.now();
    await lab.run(() => new Promise((resolve) => setTimeout(resolve, 60_000)));
    expect(lab.now()).toBe(60_000);
    expect(Date.now() - wallBefore).toBe(60_000);
    expect(performance.now() - perfBefore).toBe(60_000);
  });

  test('node:timers/promises is virtual in its ESM and CJS forms', async () => {
    const cjs = require('node:timers/promises') as typeof timersPromises;
    await lab.run(async () => {
      await timersPromises.setTimeout(1000);
      await cjs.setTimeout(500);
      await timersPromises.scheduler.wait(250);
    });
    expect(lab.now()).toBe(1750);
  });

  test('node:timers is virtual too', async () => {
    await lab.run(() => new Promise((resolve) => timers.setTimeout(resolve, 400)));
    expect(lab.now()).toBe(400);
  });

  test("node:timers/promises abort rejects like Node's: AbortError with the reason as cause, timer cleared", async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    const sleeping = lab.start(() =>
      timersPromises.setTimeout(10_000, 'late', { signal: controller.signal }),
    );
    await lab.advance(100);
    controller.abort(reason);
    const settled = await lab.settle(sleeping);
    expect(settled.status).toBe('rejected');
    const error = (settled as { reason: Error & { code?: string } }).reason;
    expect(error.name).toBe('AbortError');
    expect(error.code).toBe('ABORT_ERR');
    expect(error.cause).toBe(reason);
    expect(settled.at).toBe(100);
    expect(lab.clock.pendingStudentTimers()).toEqual([]);
    const early = await lab.settle(() =>
      timersPromises.setTimeout(5, undefined, { signal: controller.signal }),
    );
    expect(early.status).toBe('rejected');
  });

  test('AbortSignal.timeout is virtual, and its timer is the lab’s, not the student’s', async () => {
    const signal = AbortSignal.timeout(2000);
    expect(lab.clock.pendingStudentTimers()).toEqual([]);
    await lab.run(() => new Promise((resolve) => signal.addEventListener('abort', resolve)));
    expect(lab.now()).toBe(2000);
    expect((signal.reason as DOMException).name).toBe('TimeoutError');
  });

  test('a zero-delay timer set inside a timer callback fires at the same virtual ms (no 1 ms drift)', async () => {
    const hops = await lab.run(
      () =>
        new Promise<number[]>((resolve) => {
          const times: number[] = [];
          const hop = () => {
            times.push(lab.now());
            if (times.length < 5) setTimeout(hop, 0);
            else resolve(times);
          };
          setTimeout(hop, 10);
        }),
    );
    expect(hops).toEqual([10, 10, 10, 10, 10]);
  });

  test('a promise that nothing can settle fails with "never finished"', async () => {
    const message = await failureOf(() => lab.run(() => new Promise(() => {}), { label: 'stuck()' }));
    expect(message).toMatch(
      /stuck\(\) never finished: at 0 ms it was still waiting, with no timer scheduled/,
    );
  });

  test('a promise that outlives its budget fails with "did not finish"', async () => {
    const message = await failureOf(() =>
      lab.run(() => new Promise((resolve) => setTimeout(resolve, 10_000)), {
        budgetMs: 5000,
        label: 'slow()',
      }),
    );
    expect(message).toMatch(/slow\(\) did not finish within 5000 ms of virtual time/);
  });

  test('a polling loop is stopped and named', async () => {
    const message = await failureOf(() =>
      lab.run(
        () =>
          new Promise(() => {
            const poll = () => setTimeout(poll, 0);
            poll();
          }),
        { maxTimers: 500 },
      ),
    );
    expect(message).toMatch(/500 timers fired .* polling in a loop/);
  });

  test('an exception thrown in a timer callback fails the run instead of escaping', async () => {
    const message = await failureOf(() =>
      lab.run(
        () =>
          new Promise(() => {
            setTimeout(() => {
              throw new Error('boom');
            }, 5);
          }),
      ),
    );
    expect(message).toMatch(/boom/);
  });

  test('Math.random is seeded per lab: the same seed gives the same sequence', () => {
    const first = [Math.random(), Math.random()];
    lab.close();
    lab = Lab.open({ seed: 1, reproduce: 'npm test' });
    expect([Math.random(), Math.random()]).toEqual(first);
  });

  test('expectNothingPending names timers and listeners the code left behind', async () => {
    const controller = lab.controller();
    controller.signal.addEventListener('abort', () => {});
    setTimeout(() => {}, 700);
    expect(() => lab.expectNothingPending('work()')).toThrow(
      /1 setTimeout timer was still scheduled \(due in 700 ms\).*1 'abort' listener is still attached/s,
    );
  });

  test('listeners that fetch keeps on a signal are not counted as the student’s', async () => {
    const url = lab.http.route('https://lab.test/a', { latency: 10 });
    const controller = lab.controller();
    await lab.run(() => fetch(url, { signal: controller.signal }).then((response) => response.text()));
    expect(lab.listeners.pending()).toBe(0);
  });
});

describe('HTTP lab', () => {
  test('routes answer with latency, status, headers and body, and the timeline records them', async () => {
    const url = lab.http.route('https://lab.test/data', {
      latency: 120,
      status: 201,
      headers: { 'x-kind': 'test' },
      body: { hello: 'world' },
    });
    const response = await lab.run(() => fetch(url));
    expect(response.status).toBe(201);
    expect(response.headers.get('x-kind')).toBe('test');
    expect(await lab.run(() => response.json())).toEqual({ hello: 'world' });
    expect(lab.http.timeline).toMatchObject([
      { path: '/data', start: 0, end: 120, status: 201, outcome: 'response' },
    ]);
  });

  test('the server sees an abort, at the virtual time it happens', async () => {
    const url = lab.http.route('https://lab.test/slow', { latency: 1000 });
    const controller = new AbortController();
    const request = lab.start(() => fetch(url, { signal: controller.signal }));
    await lab.advance(250);
    controller.abort();
    expect((await lab.settle(request)).status).toBe('rejected');
    expect(lab.http.timeline[0]).toMatchObject({ outcome: 'aborted', end: 250 });
  });

  test('the order requests were made in is kept for requests made in the same tick', async () => {
    const urls = ['c', 'a', 'b'].map((name) => lab.http.route(`https://lab.test/${name}`, { latency: 5 }));
    await lab.run(() => Promise.all(urls.map((url) => fetch(url))));
    expect(lab.http.timeline.map((record) => record.path)).toEqual(['/c', '/a', '/b']);
    expect(lab.http.timeline.map((record) => record.inFlightAtStart)).toEqual([1, 2, 3]);
  });

  test('`await res.body.cancel()` on a mocked response settles (mswjs/interceptors#799)', async () => {
    const url = lab.http.route('https://lab.test/busy', { status: 429, body: { retry: true } });
    const response = await lab.run(() => fetch(url));
    await lab.run(() => response.body?.cancel());
    expect(response.bodyUsed).toBe(true);
  });

  test('a body that arrives late counts toward the request, and an abort meanwhile errors the body', async () => {
    const url = lab.http.route('https://lab.test/stream', { latency: 100, bodyMs: 400, body: 'late' });
    const controller = new AbortController();
    const response = await lab.run(() => fetch(url, { signal: controller.signal }));
    const reading = lab.start(() => response.text());
    await lab.advance(100);
    controller.abort(new Error('enough'));
    const settled = await lab.settle(reading);
    expect(settled).toMatchObject({ status: 'rejected', at: 200 });
    expect(lab.http.timeline[0]).toMatchObject({ headersAt: 100, end: 200, outcome: 'aborted' });
  });

  test('replies can be a sequence, a network failure, or a function of the attempt', async () => {
    const url = lab.http.route('https://lab.test/flaky', [
      { network: 'error' },
      { status: 503 },
      { body: 'ok' },
    ]);
    const first = await lab.settle(() => fetch(url));
    expect(first.status).toBe('rejected');
    expect((await lab.run(() => fetch(url))).status).toBe(503);
    expect(await lab.run(() => fetch(url).then((response) => response.text()))).toBe('ok');
    const fn = lab.http.route('https://lab.test/fn', (_request, { attempt }) => ({
      body: `attempt ${attempt}`,
    }));
    expect(await lab.run(() => fetch(fn).then((response) => response.text()))).toBe('attempt 1');
    expect(lab.http.hits(url)).toBe(3);
  });

  test('a request no route answers fails and is recorded as unexpected', async () => {
    const settled = await lab.settle(() => fetch('https://nowhere.test/x'));
    expect(settled.status).toBe('rejected');
    expect(lab.http.unexpected).toEqual(['GET https://nowhere.test/x']);
  });
});

/** The reason a settled call rejected with (fails the test if it fulfilled). */
function reasonOf(settled: { status: string; reason?: unknown }): unknown {
  expect(settled.status).toBe('rejected');
  return settled.reason;
}

describe('HTTP lab fetch (answered by the lab’s resolver directly, with fetch’s semantics)', () => {
  test('fetch() - a response carries the request’s url, its status text, and is not redirected', async () => {
    const url = lab.http.route('https://lab.test/data?page=2', { status: 404 });
    const response = await lab.run(() => fetch(url));
    expect(response).toMatchObject({
      url,
      status: 404,
      statusText: 'Not Found',
      redirected: false,
      ok: false,
    });
  });

  test('fetch() - a network error rejects with TypeError `Failed to fetch`, caused by the error response', async () => {
    const url = lab.http.route('https://lab.test/down', { latency: 30, network: 'error' });
    const settled = await lab.settle(() => fetch(url));
    const error = reasonOf(settled) as TypeError;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toBe('Failed to fetch');
    expect(error.cause).toBeInstanceOf(Response);
    expect((error.cause as Response).type).toBe('error');
    expect(settled.at).toBe(30);
    expect(lab.http.timeline[0]).toMatchObject({ outcome: 'network-error', end: 30 });
  });

  test('fetch() - an already aborted signal rejects with its reason and no request starts', async () => {
    const url = lab.http.route('https://lab.test/a');
    const reason = new Error('never mind');
    const error = reasonOf(await lab.settle(() => fetch(url, { signal: AbortSignal.abort(reason) })));
    expect(error).toBe(reason);
    expect(lab.http.timeline).toEqual([]);
  });

  test('fetch() - an abort while the server waits rejects at once with the signal’s own reason', async () => {
    const url = lab.http.route('https://lab.test/slow', { latency: 1000 });
    const controller = new AbortController();
    const reason = new Error('stop');
    const request = lab.start(() => fetch(url, { signal: controller.signal }));
    await lab.advance(250);
    controller.abort(reason);
    const settled = await lab.settle(request);
    expect(reasonOf(settled)).toBe(reason);
    expect(settled.at).toBe(250);
    expect(lab.http.timeline[0]).toMatchObject({ outcome: 'aborted', end: 250 });
  });

  test('fetch() - cancelling a body that is still arriving settles and records the request as aborted', async () => {
    const url = lab.http.route('https://lab.test/stream', { latency: 10, bodyMs: 400, body: 'late' });
    const response = await lab.run(() => fetch(url));
    await lab.advance(50);
    await lab.run(() => response.body?.cancel());
    expect(lab.http.timeline[0]).toMatchObject({ headersAt: 10, end: 60, outcome: 'aborted' });
  });

  test('fetch() - a reply function that throws answers 500 `Unhandled Exception` with the error as JSON', async () => {
    const url = lab.http.route('https://lab.test/bug', () => {
      throw new RangeError('suite bug');
    });
    const response = await lab.run(() => fetch(url));
    expect(response).toMatchObject({ status: 500, statusText: 'Unhandled Exception', url });
    expect(await lab.run(() => response.json())).toMatchObject({ name: 'RangeError', message: 'suite bug' });
  });

  test('fetch() - a redirect is followed, refused or returned, as the request’s `redirect` says', async () => {
    const from = lab.http.route('https://lab.test/old', { status: 302, headers: { location: '/new' } });
    const to = lab.http.route('https://lab.test/new', { body: 'moved here' });
    const followed = await lab.run(() => fetch(from));
    expect(followed).toMatchObject({ status: 200, url: to, redirected: true });
    expect(await lab.run(() => followed.text())).toBe('moved here');
    expect(lab.http.timeline.map((record) => record.path)).toEqual(['/old', '/new']);
    expect(await lab.run(() => fetch(from, { redirect: 'manual' }))).toMatchObject({
      status: 302,
      url: from,
    });
    const refused = reasonOf(await lab.settle(() => fetch(from, { redirect: 'error' })));
    expect(refused).toMatchObject({
      name: 'TypeError',
      message: 'Failed to fetch',
      cause: 'unexpected redirect',
    });
  });

  test('fetch() - a redirect loop fails after 20 redirects, as fetch does', async () => {
    const loop = lab.http.route('https://lab.test/loop', { status: 307, headers: { location: '/loop' } });
    const error = reasonOf(await lab.settle(() => fetch(loop)));
    expect(error).toMatchObject({ message: 'Failed to fetch', cause: 'redirect count exceeded' });
    expect(lab.http.hits(loop)).toBe(21);
  });

  test('fetch() - with no lab attached a request rejects and never reaches the network', async () => {
    lab.close();
    const error = await fetch('https://lab.test/after').catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(TypeError);
    expect(String((error as TypeError).cause)).toMatch(/no HTTP lab is attached/);
  });
});

describe('timeline analysis', () => {
  test('overlap is half-open: a request ending at t does not overlap one starting at t', () => {
    expect(
      maxOverlap([
        { start: 0, end: 100 },
        { start: 100, end: 200 },
      ]).max,
    ).toBe(1);
    expect(
      maxOverlap([
        { start: 0, end: 101 },
        { start: 100, end: 200 },
      ]),
    ).toEqual({ max: 2, at: 100 });
  });

  test('the sliding window is half-open: a start exactly windowMs later is allowed', () => {
    expect(maxStartsInWindow([0, 0, 1000, 1000], 1000).max).toBe(2);
    expect(maxStartsInWindow([0, 0, 999], 1000)).toEqual({ max: 3, from: 0 });
  });

  test('matchers explain a broken limit with a picture of the timeline', () => {
    const timeline = [0, 10, 20].map((start, index) => ({
      index,
      method: 'GET',
      url: `https://lab.test/r${index}`,
      origin: 'https://lab.test',
      path: `/r${index}`,
      headers: {},
      start,
      end: start + 100,
      outcome: 'response' as const,
      inFlightAtStart: index + 1,
    }));
    expect(() => expect(timeline).toNeverExceedInFlight(2)).toThrow(
      /at 20 ms yours had 3[\s\S]*\/r2[\s\S]*▲ 3 in flight/,
    );
    expect(() => expect(timeline).toStartAtMostPerWindow(1, 1000)).toThrow(/started 3 between 0 and 1000 ms/);
  });

  test('gantt draws one row per span on one axis', () => {
    const picture = gantt([
      { label: '/a', start: 0, end: 50, mark: '✓' },
      { label: '/b', start: 50, end: 100, mark: '×' },
    ]);
    expect(picture.split('\n')).toHaveLength(3);
    expect(picture).toMatch(/\/a +│█+✓ +│ 0–50 ms/);
    expect(picture).toMatch(/└0 ms ─+ 100 ms┘/);
  });
});
