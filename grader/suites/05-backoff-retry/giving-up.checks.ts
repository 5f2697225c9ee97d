import { defineSuite, demand, fc, show } from '../../lab/index.ts';
import { attemptsPicture, msList, near, scripted, waitsOf } from './attempts.ts';
import { type Api, capOf, expectTypeError, type Options, outcome, QUICK, shown } from './words.ts';

/** retry(): how it gives up: the last error, shouldRetry, aborts, cleanup and bad options. */
const { check } = defineSuite<typeof Api>('05-backoff-retry');

// ─── retry(): how it gives up ───────────────────────────────────────────────────────────────────────────────

check('rejects-with-last-error', async ({ api, lab }) => {
  const cases: Array<{ retries: number; failure: (k: number) => unknown; what: string }> = [
    { retries: 3, failure: (k) => new Error(`attempt ${k} failed`), what: 'a new Error per attempt' },
    { retries: 2, failure: (k) => ({ code: 'E_BUSY', attempt: k }), what: 'a plain object per attempt' },
    { retries: 0, failure: () => new RangeError('only attempt'), what: 'a RangeError' },
  ];
  for (const { retries, failure, what } of cases) {
    lab.reset();
    const { fn, calls } = scripted(lab, { failure });
    const label = `retry(fn${shown({ ...QUICK, retries })})`;
    const settled = await lab.settle(() => api.retry(fn, { ...QUICK, retries }), { label });
    const last = calls.at(-1);
    demand(
      settled.status === 'rejected' && last !== undefined && settled.reason === last.error,
      () =>
        `fn rejects with ${what}; when ${label} gives up it should reject with the very value the last attempt ` +
        `rejected with (${show(last?.error)}), but it ${outcome(settled)}` +
        `${settled.status === 'rejected' && calls.some((call) => call.error === settled.reason) ? ' (an earlier attempt’s error)' : ''}.`,
      { concept: 'rethrowing the original error' },
    );
  }
});

check('should-retry-and-on-retry', async ({ api, lab }) => {
  const asked: Array<{ error: unknown; attempt: unknown }> = [];
  const told: Array<{ error: unknown; attempt: unknown; delayMs: unknown; at: number }> = [];
  const { fn, calls } = scripted(lab, { latency: 20 });
  const options: Options = {
    retries: 2,
    jitter: 'full',
    minDelayMs: 300,
    random: () => 0.3337,
    shouldRetry: (error, attempt) => {
      asked.push({ error, attempt });
      return true;
    },
    onRetry: (info) => told.push({ ...info, at: lab.now() }),
  };
  await lab.settle(() => api.retry(fn, options), {
    label: 'retry(fn, { retries: 2, shouldRetry, onRetry })',
  });
  const retried = calls.slice(0, -1);
  const expectedAttempts = retried.map((_, i) => i + 1).join(', ') || 'none';
  demand(
    asked.length === retried.length &&
      asked.every((entry, i) => entry.attempt === i + 1 && entry.error === calls[i].error),
    () =>
      `shouldRetry(error, attempt) should be asked once per failed attempt that still has a retry left, with that ` +
      `attempt's error and number (attempts ${expectedAttempts}), and not after the last one; yours was asked ` +
      `${asked.length === 0 ? 'never' : asked.map((entry) => `(${show(entry.error)}, ${show(entry.attempt)})`).join(', ')}.`,
    { concept: 'retry hooks' },
  );
  const waits = waitsOf(calls);
  for (const [i, call] of retried.entries()) {
    const info = told[i];
    demand(
      info !== undefined &&
        info.error === call.error &&
        info.attempt === i + 1 &&
        typeof info.delayMs === 'number' &&
        near(info.delayMs, waits[i]) &&
        near(info.at, call.end),
      () =>
        `onRetry should be called when attempt ${i + 1} fails (at ${call.end} ms), before the wait, with ` +
        `{ error, attempt: ${i + 1}, delayMs } where delayMs is the wait that follows (${msList([waits[i]])}); ` +
        `yours ${info ? `got ${show({ ...info, at: undefined })} at ${info.at} ms` : 'was not called'}.` +
        attemptsPicture(calls),
      { concept: 'retry hooks' },
    );
  }
  demand(
    told.length === retried.length,
    `onRetry should be called once per retry (${retried.length}), but it was called ${told.length} times.`,
  );

  for (const answer of [false, Promise.resolve(false)]) {
    lab.reset();
    const stopper = scripted(lab, { latency: 20 });
    let retries = 0;
    const stopping: Options = {
      ...QUICK,
      retries: 5,
      shouldRetry: (_error, attempt) => (attempt < 2 ? true : answer),
      onRetry: () => retries++,
    };
    const what = answer instanceof Promise ? 'a promise of false' : 'false';
    const settled = await lab.settle(() => api.retry(stopper.fn, stopping), {
      label: 'retry(fn, { retries: 5, shouldRetry, onRetry })',
    });
    const second = stopper.calls[1];
    demand(
      stopper.calls.length === 2 &&
        settled.status === 'rejected' &&
        settled.reason === second.error &&
        near(settled.at, second.end) &&
        retries === 1,
      () =>
        `shouldRetry returns ${what} for attempt 2, so retry should stop at once: reject at ${second?.end ?? 40} ms ` +
        `with attempt 2's error, after 2 calls and 1 onRetry. Yours ${outcome(settled)} after ` +
        `${stopper.calls.length} calls and ${retries} onRetry.${attemptsPicture(stopper.calls)}`,
      { concept: 'retry hooks' },
    );
  }
  // shouldRetry's pace varies: it answers at once, or with a promise that takes `paces[i]` ms. The wait starts once it
  // has answered, and onRetry comes then, just before the wait.
  await lab.property(
    [
      fc.array(fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 300 })), { minLength: 1, maxLength: 4 }),
      fc.integer({ min: 0, max: 40 }),
      fc.constantFrom(10, 100),
    ],
    async (paces, latency, minDelayMs) => {
      // It succeeds on the attempt after the last answer, with a retry to spare: the count of retries is not the point.
      const { fn, calls } = scripted(lab, { latency, succeedOn: paces.length + 1 });
      const told: Array<{ attempt: unknown; delayMs: unknown; at: number }> = [];
      const options: Options = {
        retries: paces.length + 1,
        jitter: 'none',
        minDelayMs,
        shouldRetry: (_error, attempt) => {
          const pace = paces[attempt - 1] ?? -1;
          if (pace < 0) return true;
          return new Promise((resolve) => lab.clock.labTimeout(() => resolve(true), pace));
        },
        onRetry: (info) => told.push({ attempt: info.attempt, delayMs: info.delayMs, at: lab.now() }),
      };
      const label = `retry(fn, { retries: ${paces.length + 1}, jitter: 'none', minDelayMs: ${minDelayMs}, shouldRetry, onRetry })`;
      await lab.settle(() => api.retry(fn, options), { label });
      for (let i = 0; i < paces.length; i++) {
        const failed = calls[i];
        const answered = failed.end + Math.max(0, paces[i]);
        const next = calls[i + 1];
        const info = told[i];
        // The wait's length is other checks' business: the one onRetry reports is taken as it is.
        const delay = typeof info?.delayMs === 'number' ? info.delayMs : capOf(i + 1, { minDelayMs });
        demand(
          next !== undefined &&
            Math.abs(next.start - (answered + delay)) < 1 &&
            info !== undefined &&
            info.at === answered,
          () =>
            `shouldRetry ${paces[i] < 0 ? 'answered true at once' : `answered true ${paces[i]} ms after`} attempt ${i + 1} failed at ${failed.end} ms, ` +
            `so onRetry should be called at ${answered} ms, and attempt ${i + 2} start after the ${msList([delay])} wait it ` +
            `reports, at ${msList([answered + delay])}: the wait starts once shouldRetry has answered. Yours ` +
            `${info ? `called onRetry at ${info.at} ms` : 'did not call onRetry'} and ` +
            `${next ? `started attempt ${i + 2} at ${next.start} ms` : `never started attempt ${i + 2}`}.` +
            attemptsPicture(calls),
          { concept: 'awaiting a hook before the wait' },
        );
      }
    },
    {
      numRuns: 15,
      examples: [[[50, -1, 0], 20, 100]],
      describe: (paces, latency, minDelayMs) =>
        `fn failing after ${latency} ms, minDelayMs ${minDelayMs}, shouldRetry answering ` +
        paces.map((pace) => (pace < 0 ? 'at once' : `after ${pace} ms`)).join(', then '),
    },
  );

  // A hook that throws (or a shouldRetry that rejects) ends the retry with that error, at once and for good.
  const hooks: Array<{ what: string; after: number; hook: (error: Error) => Options }> = [
    {
      what: 'shouldRetry throws',
      after: 0,
      hook: (error) => ({
        shouldRetry: () => {
          throw error;
        },
      }),
    },
    {
      what: 'shouldRetry returns a promise that rejects 30 ms later',
      after: 30,
      hook: (error) => ({
        shouldRetry: () => new Promise((_, reject) => lab.clock.labTimeout(() => reject(error), 30)),
      }),
    },
    {
      what: 'onRetry throws',
      after: 0,
      hook: (error) => ({
        onRetry: () => {
          throw error;
        },
      }),
    },
  ];
  for (const { what, after, hook } of hooks) {
    lab.reset();
    const error = new Error(`${what.split(' ')[0]} failed`);
    const { fn, calls } = scripted(lab, { latency: 20 });
    const label = `retry(fn, { retries: 3, jitter: 'none', minDelayMs: 10, ${what.split(' ')[0]} })`;
    const settled = await lab.settle(() => api.retry(fn, { ...QUICK, retries: 3, ...hook(error) }), {
      label,
    });
    await lab.advance(1000);
    demand(
      settled.status === 'rejected' &&
        settled.reason === error &&
        settled.at === 20 + after &&
        calls.length === 1,
      () =>
        `When attempt 1 fails at 20 ms, ${what}: ${label} should reject with that error (${show(error)}) ` +
        `${after > 0 ? `when it rejects, at ${20 + after} ms,` : 'right then, at 20 ms,'} and call fn no more. Yours ` +
        `${outcome(settled)} after ${calls.length} call${calls.length === 1 ? '' : 's'}.${attemptsPicture(calls)}`,
      { concept: 'retry hooks' },
    );
    lab.expectNothingPending(label);
  }
});

// ─── retry(): aborts ────────────────────────────────────────────────────────────────────────────────────────

check('abort-before-start', async ({ api, lab }) => {
  for (const reason of [new Error('user left the page'), undefined]) {
    lab.reset();
    const controller = lab.controller();
    controller.abort(reason);
    const { fn, calls } = scripted(lab);
    const settled = await lab.settle(() => api.retry(fn, { signal: controller.signal }), {
      label: 'retry(fn, { signal: alreadyAborted })',
    });
    demand(
      calls.length === 0 && settled.status === 'rejected' && settled.reason === controller.signal.reason,
      () =>
        `With a signal that is already aborted (reason ${show(controller.signal.reason)}), retry should not call fn ` +
        `and should reject with signal.reason itself, but it called fn ${calls.length} time` +
        `${calls.length === 1 ? '' : 's'} and ${outcome(settled)}.`,
      { concept: 'checking the signal before starting' },
    );
  }

  // An abort while attempt 2 runs: when it fails, the signal is already aborted, so nothing more may start.
  lab.reset();
  const controller = lab.controller();
  const reason = new Error('user left the page');
  let asked = 0;
  let told = 0;
  const { fn, calls } = scripted(lab, { latency: 100 });
  const options: Options = {
    ...QUICK,
    signal: controller.signal,
    shouldRetry: () => {
      asked++;
      return true;
    },
    onRetry: () => told++,
  };
  const label = "retry(fn, { jitter: 'none', minDelayMs: 10, signal, shouldRetry, onRetry })";
  const running = lab.start(() => api.retry(fn, options));
  await lab.advance(150);
  controller.abort(reason);
  const settled = await lab.settle(running, { label });
  await lab.advance(10_000);
  const second = calls[1];
  demand(
    settled.status === 'rejected' &&
      settled.reason === reason &&
      second !== undefined &&
      near(settled.at, second.end) &&
      calls.length === 2 &&
      asked === 1 &&
      told === 1,
    () =>
      `The signal aborted at 150 ms, while attempt 2 (${second ? `${second.start}–${second.end}` : '110–210'} ms) ` +
      `was running. When that attempt fails the signal is already aborted, so ${label} should reject right then ` +
      `(${second?.end ?? 210} ms) with signal.reason ` +
      `(${show(reason)}), without asking shouldRetry, calling onRetry or calling fn again. Yours ` +
      `${outcome(settled)} after ${calls.length} calls, with shouldRetry asked ${asked} and onRetry called ` +
      `${told} time${told === 1 ? '' : 's'} in all (1 each is right: for attempt 1).` +
      attemptsPicture(calls, { at: 150, note: 'abort at 150 ms' }),
    { concept: 'checking the signal before starting' },
  );
  // An abort while shouldRetry decides (its answer takes 100 ms) takes effect when the answer comes, whatever it is:
  // shouldRetry gets no signal either, so like an attempt it is let finish, and the abort wins over its answer.
  for (const answer of [true, false]) {
    lab.reset();
    const deciding = lab.controller();
    const stop = new Error('user left the page');
    let toldAfter = 0;
    const failing = scripted(lab, { latency: 20 });
    const hooked: Options = {
      ...QUICK,
      signal: deciding.signal,
      shouldRetry: () => new Promise((resolve) => lab.clock.labTimeout(() => resolve(answer), 100)),
      onRetry: () => toldAfter++,
    };
    const call = `retry(fn, { jitter: 'none', minDelayMs: 10, signal, shouldRetry, onRetry })`;
    const pending = lab.start(() => api.retry(failing.fn, hooked));
    await lab.advance(70);
    deciding.abort(stop);
    const result = await lab.settle(pending, { label: call });
    await lab.advance(10_000);
    demand(
      result.status === 'rejected' &&
        result.reason === stop &&
        result.at === 120 &&
        failing.calls.length === 1 &&
        toldAfter === 0,
      () =>
        `Attempt 1 failed at 20 ms and shouldRetry answers ${answer} at 120 ms; the signal aborted at 70 ms, while ` +
        `it was deciding. The abort takes effect when the answer comes, whatever it is: ${call} should reject at ` +
        `120 ms with signal.reason (${show(stop)}), without calling onRetry or fn again. Yours ${outcome(result)} ` +
        `after ${failing.calls.length} call${failing.calls.length === 1 ? '' : 's'}, with onRetry called ` +
        `${toldAfter} time${toldAfter === 1 ? '' : 's'}.` +
        attemptsPicture(failing.calls, { at: 70, note: 'abort at 70 ms' }),
      { concept: 'checking the signal before starting' },
    );
    lab.expectNothingPending(call);
  }
});

check('abort-during-wait', async ({ api, lab }) => {
  for (const { abortAt, during } of [
    { abortAt: 400, during: 1 },
    { abortAt: 2500, during: 2 },
  ]) {
    lab.reset();
    const controller = lab.controller();
    const reason = new Error('shutting down');
    const { fn, calls } = scripted(lab);
    const options = { jitter: 'none', minDelayMs: 1000, signal: controller.signal } as const;
    const running = lab.start(() => api.retry(fn, options));
    await lab.advance(abortAt);
    controller.abort(reason);
    const settled = await lab.settle(running, {
      label: `retry(fn, { jitter: 'none', minDelayMs: 1000, signal })`,
    });
    const timers = lab.clock.pendingStudentTimers();
    const picture = () =>
      attemptsPicture(
        calls,
        { at: abortAt, note: `abort at ${abortAt} ms` },
        { until: settled.at, mark: '×' },
      );
    demand(
      settled.status === 'rejected' && settled.reason === reason && near(settled.at, abortAt),
      () =>
        `The signal aborted at ${abortAt} ms, during wait ${during}; retry should reject right then with ` +
        `signal.reason (${show(reason)}), but it ${outcome(settled)}.${picture()}`,
      { concept: 'an abortable sleep' },
    );
    demand(
      timers.length === 0,
      () =>
        `retry rejected at ${settled.at} ms, but its sleep timer was still scheduled (due at ` +
        `${timers.map((timer) => timer.dueAt).join(', ')} ms): clear the timer when the signal aborts.${picture()}`,
      { concept: 'an abortable sleep' },
    );
    const before = calls.length;
    await lab.advance(10_000);
    demand(
      calls.length === before && before === during,
      () =>
        `After the abort at ${abortAt} ms no attempt should follow, but fn was called ${calls.length} times in all.` +
        picture(),
      { concept: 'an abortable sleep' },
    );
  }

  // An abort from inside onRetry comes just before the wait: the sleep must notice a signal already aborted.
  lab.reset();
  const controller = lab.controller();
  const reason = new Error('stop from onRetry');
  const { fn, calls } = scripted(lab, { latency: 50 });
  const options: Options = {
    jitter: 'none',
    minDelayMs: 1000,
    signal: controller.signal,
    onRetry: () => controller.abort(reason),
  };
  const label = "retry(fn, { jitter: 'none', minDelayMs: 1000, signal, onRetry: () => controller.abort() })";
  const running = lab.start(() => api.retry(fn, options));
  const settled = await lab.settle(running, { label, budgetMs: 20_000 });
  await lab.advance(10_000);
  demand(
    settled.status === 'rejected' && settled.reason === reason && near(settled.at, 50) && calls.length === 1,
    () =>
      `onRetry aborts the signal when attempt 1 fails at 50 ms, just before the 1000 ms wait: ${label} should ` +
      `reject right then with signal.reason (${show(reason)}) and call fn no more, but it ${outcome(settled)} ` +
      `after ${calls.length} call${calls.length === 1 ? '' : 's'}. A sleep must check \`signal.aborted\` ` +
      `before it waits: an 'abort' listener added to a signal that already aborted never fires.` +
      attemptsPicture(calls, { at: 50, note: 'abort at 50 ms' }, { until: settled.at, mark: '×' }),
    { concept: 'an abortable sleep' },
  );
});

check('leaves-nothing-pending', async ({ api, lab }) => {
  const scenarios: Array<{ label: string; succeedOn?: number; shouldRetry?: () => boolean }> = [
    { label: 'retry(fn, { signal }) that succeeds on attempt 3', succeedOn: 3 },
    { label: 'retry(fn, { retries: 2, signal }) that runs out of retries' },
    { label: 'retry(fn, { signal, shouldRetry }) stopped by shouldRetry', shouldRetry: () => false },
  ];
  for (const { label, succeedOn, shouldRetry } of scenarios) {
    lab.reset();
    const controller = lab.controller();
    const { fn } = scripted(lab, { succeedOn, latency: 5 });
    const options: Options = { ...QUICK, retries: 2, signal: controller.signal };
    if (shouldRetry) options.shouldRetry = shouldRetry;
    await lab.settle(() => api.retry(fn, options), { label });
    lab.expectNothingPending(label);
  }
  lab.reset();
  const url = lab.http.route('https://api.test/flaky', [{ status: 503 }, { status: 503 }, { body: 'ok' }]);
  const caller = lab.controller();
  const request = lab.controller();
  const label = 'fetchWithRetry(url, { signal }, { signal })';
  await lab.run(
    () => api.fetchWithRetry(url, { signal: request.signal }, { ...QUICK, signal: caller.signal }),
    {
      label,
    },
  );
  lab.expectNothingPending(label);
});

check('rejects-bad-options', async ({ api, lab }) => {
  const bad: Array<[option: string, options: Options]> = [
    ['retries', { retries: -1 }],
    ['retries', { retries: 1.5 }],
    ['retries', { retries: Number.NaN }],
    ['jitter', { jitter: 'half' as 'full' }],
    ['minDelayMs', { minDelayMs: -100 }],
    ['maxDelayMs', { maxDelayMs: -1 }],
    ['factor', { factor: 0.5 }],
    ['random', { random: 0.5 as unknown as () => number }],
    ['shouldRetry', { shouldRetry: true as unknown as () => boolean }],
    ['onRetry', { onRetry: 'log' as unknown as () => void }],
  ];
  for (const [option, options] of bad) {
    const { fn, calls } = scripted(lab);
    const settled = await lab.settle(() => api.retry(fn, options), { label: `retry(fn${shown(options)})` });
    expectTypeError(settled, `retry(fn${shown(options)})`, option);
    demand(
      calls.length === 0,
      `retry(fn${shown(options)}) should refuse before calling fn, but it called fn.`,
    );
  }
  {
    const { fn, calls } = scripted(lab);
    const call = "retry(fn, 'fast')";
    const settled = await lab.settle(() => api.retry(fn, 'fast' as Options), { label: call });
    expectTypeError(settled, call, 'options');
    demand(calls.length === 0, `${call} should refuse before calling fn, but it called fn.`);
  }
  for (const notFn of ['fetchData', null]) {
    const call = `retry(${show(notFn)}${shown(QUICK)})`;
    const settled = await lab.settle(
      () => api.retry(notFn as unknown as (attempt: number) => Promise<unknown>, QUICK),
      { label: call },
    );
    expectTypeError(settled, call, 'fn');
    demand(
      settled.at === 0,
      `${call} should refuse at once, before any attempt or wait, but it settled at ${settled.at} ms.`,
      { concept: 'validating options at the boundary' },
    );
  }
  {
    lab.reset();
    const { fn, calls } = scripted(lab, { succeedOn: 3, value: 'third' });
    const zero = { minDelayMs: 0, maxDelayMs: 0 };
    const settledZero = await lab.settle(() => api.retry(fn, zero), { label: `retry(fn${shown(zero)})` });
    demand(
      settledZero.status === 'fulfilled' && settledZero.value === 'third' && calls.length === 3,
      () =>
        `\`minDelayMs: 0\` and \`maxDelayMs: 0\` are allowed (retry at once): retry(fn${shown(zero)}) with an fn ` +
        `that succeeds on attempt 3 should resolve with 'third', but it ${outcome(settledZero)}.`,
    );
  }
  const url = lab.http.route('https://api.test/never', { body: 'unreachable' });
  const settled = await lab.settle(() => api.fetchWithRetry(url, {}, { retries: -1 }), {
    label: 'fetchWithRetry(url, {}, { retries: -1 })',
  });
  expectTypeError(settled, 'fetchWithRetry(url, {}, { retries: -1 })', 'retries');
  demand(
    lab.http.timeline.length === 0,
    'fetchWithRetry with bad options should refuse before sending anything, but a request went out.',
  );
  const { fn, calls } = scripted(lab, { succeedOn: 3, value: 'third' });
  const infinite = { ...QUICK, retries: Infinity };
  const settledInfinite = await lab.settle(() => api.retry(fn, infinite), {
    label: 'retry(fn, { retries: Infinity })',
  });
  demand(
    settledInfinite.status === 'fulfilled' && settledInfinite.value === 'third' && calls.length === 3,
    () =>
      `\`retries: Infinity\` is allowed (retry until success): retry(fn, { retries: Infinity }) with an fn that ` +
      `succeeds on attempt 3 should resolve with 'third', but it ${outcome(settledInfinite)}. ` +
      '(`Number.isInteger(Infinity)` is false.)',
  );
});
