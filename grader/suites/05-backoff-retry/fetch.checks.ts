import { defineSuite, demand, type Lab, type Settled, show } from '../../lab/index.ts';
import { msList, near } from './attempts.ts';
import {
  type Api,
  type Options,
  outcome,
  QUICK,
  requestsPicture,
  shown,
  watchingFetchErrors,
} from './words.ts';

/** fetchWithRetry(): what is retried, Retry-After, the last response, POST and PATCH, aborts. */
const { check } = defineSuite<typeof Api>('05-backoff-retry');

// ─── fetchWithRetry() ───────────────────────────────────────────────────────────────────────────────────────

const RETRIED = [408, 429, 500, 502, 503, 504];
const FINAL = [400, 401, 403, 404, 409, 410, 422, 501, 505];

check('fetch-status-classes', async ({ api, lab }) => {
  const wrong: string[] = [];
  const asked: unknown[] = [];
  const options: Options = {
    ...QUICK,
    retries: 2,
    shouldRetry: (error) => {
      asked.push(error);
      return true;
    },
  };
  for (const status of [...RETRIED, ...FINAL]) {
    const url = lab.http.route(`https://api.test/status/${status}`, [
      { status, body: 'first' },
      { status: 200, body: 'second' },
    ]);
    const retried = RETRIED.includes(status);
    const settled = await lab.settle(() => api.fetchWithRetry(url, {}, options), {
      label: `fetchWithRetry(url)`,
    });
    const hits = lab.http.hits(url);
    const got = settled.status === 'fulfilled' ? (settled.value as Response)?.status : undefined;
    if (hits !== (retried ? 2 : 1) || got !== (retried ? 200 : status)) {
      wrong.push(
        `${status} should ${retried ? 'be retried (2 requests, then the 200)' : 'not be retried (1 request, that response)'}` +
          `, but yours made ${hits} request${hits === 1 ? '' : 's'} and ${settled.status === 'fulfilled' ? `resolved with status ${got}` : `rejected with ${show(settled.reason)}`}`,
      );
    }
  }
  demand(
    wrong.length === 0,
    () => `fetchWithRetry retries 408, 429, 500, 502, 503 and 504 only:\n  - ${wrong.join('\n  - ')}`,
    { concept: 'which failures are worth retrying' },
  );
  demand(
    asked.length === 0,
    `The status classes are fixed: shouldRetry is asked about network errors only, but yours asked it about ${asked.length} response${asked.length === 1 ? '' : 's'}.`,
  );

  const empty = lab.http.route('https://api.test/empty-503', [{ status: 503, body: null }, { body: 'back' }]);
  const bodiless = await lab.settle(() => api.fetchWithRetry(empty, {}, QUICK), {
    label: 'fetchWithRetry(url)',
  });
  demand(
    bodiless.status === 'fulfilled' && bodiless.value?.status === 200 && lab.http.hits(empty) === 2,
    () =>
      `A 503 with no body at all (\`response.body\` is null) is retried like any other 503, but yours made ` +
      `${lab.http.hits(empty)} request(s) and ${outcome(bodiless)}.${requestsPicture(lab)}`,
    { concept: 'which failures are worth retrying' },
  );

  const flaky = lab.http.route('https://api.test/flaky', [{ network: 'error' }, { body: 'back' }]);
  const settled = await lab.settle(() => api.fetchWithRetry(flaky, {}, QUICK), {
    label: 'fetchWithRetry(url)',
  });
  demand(
    settled.status === 'fulfilled' && lab.http.hits(flaky) === 2,
    () =>
      `A network error should be retried: the first request failed and the second would answer 200, but yours made ` +
      `${lab.http.hits(flaky)} request(s) and ${outcome(settled)}.${requestsPicture(lab)}`,
    { concept: 'which failures are worth retrying' },
  );
  const down = lab.http.route('https://api.test/down', [{ network: 'error' }, { body: 'back' }]);
  const refused = await lab.settle(
    () => api.fetchWithRetry(down, {}, { ...QUICK, shouldRetry: () => false }),
    {
      label: 'fetchWithRetry(url, {}, { shouldRetry: () => false })',
    },
  );
  demand(
    refused.status === 'rejected' && lab.http.hits(down) === 1,
    () =>
      `shouldRetry returning false for a network error should stop at once, but yours made ${lab.http.hits(down)} ` +
      `requests and ${outcome(refused)}.`,
    { concept: 'which failures are worth retrying' },
  );
});

check('fetch-last-response', async ({ api, lab }) => {
  const url = lab.http.route('https://api.test/busy', (_request, { attempt }) => ({
    status: 503,
    body: `try ${attempt}`,
  }));
  const options = { ...QUICK, retries: 2 };
  const settled = await lab.settle(() => api.fetchWithRetry(url, {}, options), {
    label: 'fetchWithRetry(url, {}, { retries: 2 })',
  });
  const body =
    settled.status === 'fulfilled' ? await lab.run(() => (settled.value as Response).text()) : undefined;
  demand(
    settled.status === 'fulfilled' &&
      settled.value.status === 503 &&
      body === 'try 3' &&
      lab.http.hits(url) === 3,
    () =>
      `Every attempt answered 503; once retries run out fetchWithRetry should resolve with the last response ` +
      `(the 3rd, body 'try 3'), but yours made ${lab.http.hits(url)} requests and ` +
      `${settled.status === 'fulfilled' ? `resolved with status ${settled.value?.status} and body ${show(body)}` : `rejected at ${settled.at} ms with ${show(settled.reason)}`}.` +
      requestsPicture(lab),
    { concept: 'keeping the last response' },
  );

  const scenarios = [
    { name: 'down', replies: [{ network: 'error' as const }], expect: 'the last network error' },
    {
      name: 'dies',
      replies: [{ status: 503 }, { network: 'error' as const }],
      expect: 'the network error of attempt 2 (the 503 before it is not the last outcome)',
    },
  ];
  for (const { name, replies, expect } of scenarios) {
    const target = lab.http.route(`https://api.test/${name}`, replies);
    const retries = { ...QUICK, retries: 1 };
    await watchingFetchErrors(async (errors) => {
      const failed = await lab.settle(() => api.fetchWithRetry(target, {}, retries), {
        label: 'fetchWithRetry(url, {}, { retries: 1 })',
      });
      const last = errors.at(-1);
      demand(
        failed.status === 'rejected' && last !== undefined && failed.reason === last,
        () =>
          `The last attempt got no response, so fetchWithRetry should reject with ${expect} (${show(last)}), ` +
          `but yours ${outcome(failed)}.`,
        { concept: 'rethrowing the original error' },
      );
    });
  }
  const recovers = lab.http.route('https://api.test/recovers', [{ network: 'error' }, { status: 503 }]);
  const last = await lab.settle(() => api.fetchWithRetry(recovers, {}, { ...QUICK, retries: 1 }), {
    label: 'fetchWithRetry(url, {}, { retries: 1 })',
  });
  demand(
    last.status === 'fulfilled' && last.value?.status === 503,
    () =>
      `Attempt 1 failed on the network and attempt 2, the last, answered 503: fetchWithRetry should resolve with ` +
      `that 503 response, but it ${outcome(last)}.`,
    { concept: 'keeping the last response' },
  );
});

/** Runs fetchWithRetry on `url` and returns the gap between the first response and the second request. */
async function gapAfterFirstResponse(
  api: typeof Api,
  lab: Lab,
  url: string,
  options: Options,
  label: string,
): Promise<{ gap: number | undefined; settled: Settled<Response> }> {
  const settled = await lab.settle(() => api.fetchWithRetry(url, {}, options), { label, budgetMs: 600_000 });
  const records = lab.http.timeline.filter((record) => record.url === url);
  demand(
    records[0]?.headersAt !== undefined,
    () =>
      `${label} should request ${url} and get a first response, but it made no request and ${outcome(settled)}.`,
    { cause: settled.status === 'rejected' ? settled.reason : undefined },
  );
  const first = records[0]?.headersAt;
  const gap = first === undefined || records[1] === undefined ? undefined : records[1].start - first;
  return { gap, settled };
}

function expectGap(lab: Lab, gap: number | undefined, expected: number, situation: string): void {
  demand(
    gap !== undefined && near(gap, expected),
    () =>
      `${situation}, so the retry should start ${msList([expected])} after that response, but yours ` +
      `${gap === undefined ? 'never retried' : `started it ${msList([gap])} after`}.${requestsPicture(lab)}`,
    { concept: 'honouring Retry-After' },
  );
}

check('fetch-retry-after-seconds', async ({ api, lab }) => {
  const cases: Array<{ status: number; header: string; options: Options; expected: number; why: string }> = [
    { status: 503, header: '2', options: {}, expected: 2000, why: 'Retry-After: 2 means 2000 ms' },
    {
      status: 429,
      header: '0',
      options: { jitter: 'none', minDelayMs: 1000 },
      expected: 0,
      why: 'Retry-After: 0 means retry at once, instead of the 1000 ms backoff',
    },
    {
      status: 503,
      header: '120',
      options: { jitter: 'none', maxDelayMs: 3000 },
      expected: 3000,
      why: 'Retry-After: 120 asks for 120 s, capped at maxDelayMs: 3000',
    },
  ];
  for (const [i, { status, header, options, expected, why }] of cases.entries()) {
    const url = lab.http.route(`https://api.test/seconds/${i}`, [
      { latency: 30, status, headers: { 'Retry-After': header } },
      { latency: 30, body: 'ok' },
    ]);
    const label = `fetchWithRetry(url, {}${shown(options)})`;
    const { gap } = await gapAfterFirstResponse(api, lab, url, options, label);
    expectGap(
      lab,
      gap,
      expected,
      `${label}: the first response was ${status} with Retry-After: ${header}; ${why}`,
    );
  }
});

check('fetch-retry-after-date', async ({ api, lab }) => {
  const epoch = Date.now() - lab.now();
  const cases: Array<{ status: number; ahead: number; latency: number; options: Options; why: string }> = [
    { status: 503, ahead: 3000, latency: 250, options: {}, why: 'wait until that date' },
    {
      status: 429,
      ahead: -60_000,
      latency: 40,
      options: { jitter: 'none', minDelayMs: 1000 },
      why: 'the date has passed, which means 0 ms, not the 1000 ms backoff',
    },
    {
      status: 503,
      ahead: 3_600_000,
      latency: 10,
      options: { jitter: 'none', maxDelayMs: 4000 },
      why: 'the date is an hour away, capped at maxDelayMs: 4000',
    },
  ];
  for (const [i, { status, ahead, latency, options, why }] of cases.entries()) {
    let header = '';
    const url = lab.http.route(`https://api.test/date/${i}`, (_request, { attempt }) => {
      if (attempt > 1) return { latency: 10, body: 'ok' };
      header = new Date(Date.now() + ahead).toUTCString();
      return { latency, status, headers: { 'Retry-After': header } };
    });
    const label = `fetchWithRetry(url, {}${shown(options)})`;
    const { gap } = await gapAfterFirstResponse(api, lab, url, options, label);
    const arrived = lab.http.timeline.find((record) => record.url === url)?.headersAt ?? 0;
    const until = Date.parse(header) - epoch - arrived;
    const expected = Math.min(options.maxDelayMs ?? 10_000, Math.max(0, until));
    expectGap(
      lab,
      gap,
      expected,
      `${label}: the response at ${arrived} ms was ${status} with Retry-After: ${header} ` +
        `(${until >= 0 ? `${until} ms later` : `${-until} ms earlier`}); ${why}`,
    );
  }
});

check('fetch-never-retries-post', async ({ api, lab }) => {
  for (const method of ['POST', 'PATCH']) {
    const url = lab.http.route(`https://api.test/orders/${method.toLowerCase()}`, [
      { status: 503, body: 'busy' },
      { status: 201, body: 'created' },
    ]);
    const init = { method, body: '{"item":42}' };
    const label = `fetchWithRetry(url, { method: '${method}' }, { retries: 3 })`;
    const settled = await lab.settle(() => api.fetchWithRetry(url, init, { ...QUICK, retries: 3 }), {
      label,
    });
    demand(
      lab.http.hits(url) === 1 && settled.status === 'fulfilled' && settled.value?.status === 503,
      () =>
        `A ${method} is never retried (it may have taken effect before the failure): ${label} should make one ` +
        `request and resolve with its 503, but yours made ${lab.http.hits(url)} and ${outcome(settled)}.` +
        requestsPicture(lab),
      { concept: 'idempotency' },
    );
  }
  const url = lab.http.route('https://api.test/orders/lost', [{ network: 'error' }, { status: 201 }]);
  const label = "fetchWithRetry(url, { method: 'POST' }, { retries: 3 })";
  const settled = await lab.settle(
    () => api.fetchWithRetry(url, { method: 'POST', body: 'x' }, { ...QUICK, retries: 3 }),
    { label },
  );
  demand(
    lab.http.hits(url) === 1 && settled.status === 'rejected',
    () =>
      `A POST that fails on the network is not retried either: ${label} should make one request and reject, ` +
      `but yours made ${lab.http.hits(url)} and ${outcome(settled)}.${requestsPicture(lab)}`,
    { concept: 'idempotency' },
  );
});

check('fetch-abort', async ({ api, lab }) => {
  for (const where of ['options.signal', 'init.signal'] as const) {
    lab.reset();
    const controller = lab.controller();
    const reason = new Error(`cancelled through ${where}`);
    const url = lab.http.route('https://api.test/busy', { latency: 10, status: 503 });
    const init = where === 'init.signal' ? { signal: controller.signal } : {};
    const options: Options = {
      jitter: 'none',
      minDelayMs: 1000,
      ...(where === 'options.signal' ? { signal: controller.signal } : {}),
    };
    const running = lab.start(() => api.fetchWithRetry(url, init, options));
    await lab.advance(500);
    controller.abort(reason);
    const settled = await lab.settle(running, { label: `fetchWithRetry(url) with ${where}` });
    await lab.advance(10_000);
    demand(
      settled.status === 'rejected' &&
        settled.reason === reason &&
        near(settled.at, 500) &&
        lab.http.hits(url) === 1,
      () =>
        `${where} aborted at 500 ms, during the 1000 ms wait after the first 503: fetchWithRetry should reject ` +
        `right then with signal.reason and send nothing more, but it ${outcome(settled)} and made ` +
        `${lab.http.hits(url)} request(s).${requestsPicture(lab)}`,
      { concept: 'an abortable sleep' },
    );

    lab.reset();
    const midway = lab.controller();
    const slow = lab.http.route('https://api.test/slow', { latency: 300, body: 'too late' });
    const midInit = where === 'init.signal' ? { signal: midway.signal } : {};
    const midOptions = where === 'options.signal' ? { signal: midway.signal } : {};
    const request = lab.start(() => api.fetchWithRetry(slow, midInit, midOptions));
    await lab.advance(100);
    midway.abort(reason);
    const stopped = await lab.settle(request, { label: `fetchWithRetry(url) with ${where}` });
    await lab.advance(10_000);
    const record = lab.http.timeline[0];
    demand(
      stopped.status === 'rejected' &&
        stopped.reason === reason &&
        near(stopped.at, 100) &&
        record?.outcome === 'aborted' &&
        lab.http.hits(slow) === 1,
      () =>
        `${where} aborted at 100 ms, while the first request (300 ms) was in flight: the request should be ` +
        `aborted and fetchWithRetry should reject right then with signal.reason, without retrying, but it ` +
        `${outcome(stopped)} and made ${lab.http.hits(slow)} request(s)` +
        `${record?.outcome === 'aborted' ? '' : ' (the server never saw the abort)'}.${requestsPicture(lab)}`,
      { concept: 'passing the signal down' },
    );

    lab.reset();
    const early = lab.controller();
    early.abort(reason);
    const never = lab.http.route('https://api.test/never', { body: 'unreachable' });
    const signalled =
      where === 'init.signal' ? [{ signal: early.signal }, {}] : [{}, { signal: early.signal }];
    const refused = await lab.settle(() => api.fetchWithRetry(never, signalled[0], signalled[1]), {
      label: `fetchWithRetry(url) with an aborted ${where}`,
    });
    demand(
      refused.status === 'rejected' && refused.reason === reason && lab.http.hits(never) === 0,
      () =>
        `With ${where} already aborted nothing should be sent and fetchWithRetry should reject with signal.reason, ` +
        `but it made ${lab.http.hits(never)} request(s) and ${outcome(refused)}.`,
      { concept: 'checking the signal before starting' },
    );

    lab.reset();
    const mine = lab.controller();
    const other = lab.controller();
    const both = lab.http.route('https://api.test/both', { latency: 10, status: 503 });
    const [bothInit, bothOptions] =
      where === 'init.signal'
        ? [{ signal: mine.signal }, { ...QUICK, minDelayMs: 1000, signal: other.signal }]
        : [{ signal: other.signal }, { ...QUICK, minDelayMs: 1000, signal: mine.signal }];
    const withBoth = lab.start(() => api.fetchWithRetry(both, bothInit, bothOptions));
    await lab.advance(500);
    mine.abort(reason);
    const ended = await lab.settle(withBoth, { label: 'fetchWithRetry(url, { signal }, { signal })' });
    await lab.advance(10_000);
    demand(
      ended.status === 'rejected' &&
        ended.reason === reason &&
        near(ended.at, 500) &&
        lab.http.hits(both) === 1,
      () =>
        `Both init.signal and options.signal were given, and ${where} aborted at 500 ms, during the 1000 ms ` +
        `wait after the first 503: fetchWithRetry should follow both signals and reject right then with that ` +
        `signal's reason, but it ${outcome(ended)} and made ${lab.http.hits(both)} request(s).${requestsPicture(lab)}`,
      { concept: 'combining signals' },
    );
  }
});
