import { expect } from 'vitest';
import type * as Api from '../../exercises/01-fetch-all/index.ts';
import {
  CheckFailure,
  defineSuite,
  demand,
  fc,
  gantt,
  includeHiddenChecks,
  type Lab,
  listMs,
  requestRows,
  show,
} from '../lab/index.ts';

const { check } = defineSuite<typeof Api>('01-fetch-all');

type Outcome = Api.Outcome;

const latency = fc.integer({ min: 1, max: 1000 });
const latencies = fc.array(latency, { minLength: 1, maxLength: 6 });

/** The outcome for `url`, failing the check if there is none. */
function outcomeFor(outcomes: readonly Outcome[], url: string): Outcome {
  demand(
    Array.isArray(outcomes),
    `fetchAll should resolve with an array of Outcomes, but it gave ${show(outcomes)}.`,
  );
  const found = outcomes.find((outcome) => outcome?.url === url);
  demand(found, `There is no Outcome for ${url}; fetchAll gave ${show(outcomes)}.`);
  return found;
}

function expectFailure(outcome: Outcome, reason: Api.FailureReason, status?: number): void {
  const expected = `{ ok: false, reason: '${reason}'${status ? `, status: ${status}` : ''} }`;
  demand(
    outcome.ok === false && outcome.reason === reason && (status === undefined || outcome.status === status),
    `${outcome.url} should give ${expected}, but it gave ${show(outcome)}.`,
  );
  demand(
    typeof outcome.message === 'string' && outcome.message.length > 0,
    `${outcome.url} failed as expected, but its Outcome needs a non-empty \`message\` saying why.`,
  );
}

function timelinePicture(lab: Lab): string {
  return `\n\n${gantt(requestRows(lab.http.timeline))}`;
}

check('starts-all-at-once', async ({ api, lab }) => {
  const urls = lab.http.routes([120, 40, 300, 80, 200].map((ms) => ({ latency: ms, body: `${ms}` })));
  await lab.run(api.fetchAll(urls), { label: 'fetchAll(5 urls)' });
  demand(
    lab.http.timeline.length === urls.length,
    `fetchAll should request each of the ${urls.length} URLs once, but it made ${lab.http.timeline.length} requests.`,
  );
  expect(lab.http.timeline).toStartEveryRequestBeforeAnyResponse();
});

check('total-is-slowest', async ({ api, lab }) => {
  await lab.property(
    [latencies],
    async (ms) => {
      const urls = lab.http.routes(ms.map((latency) => ({ latency })));
      await lab.run(() => api.fetchAll(urls), { label: `fetchAll(${urls.length} urls)` });
      const slowest = Math.max(...ms);
      const at = lab.now();
      demand(
        at === slowest,
        () =>
          `The ${urls.length} requests should overlap, so fetchAll should be done at ${slowest} ms (the slowest ` +
          `request), but yours resolved at ${at} ms; its requests started at ` +
          `${listMs(lab.http.timeline.map((record) => record.start))}.${timelinePicture(lab)}`,
        { concept: at > slowest ? 'the classic `await` in a loop' : 'resolving before the work is done' },
      );
    },
    { describe: (ms) => `latencies ${listMs(ms)}` },
  );
});

check('outcomes-in-input-order', async ({ api, lab }) => {
  const entry = fc.record({ latency, slot: fc.nat({ max: 5 }) });
  await lab.property(
    [fc.array(entry, { minLength: 1, maxLength: 6 })],
    async (entries) => {
      // `slot` picks the route, so the same URL may appear twice in one list.
      const slots = [...new Set(entries.map((entry) => entry.slot))];
      const bySlot = new Map(
        slots.map((slot) => {
          const latency = entries.find((entry) => entry.slot === slot)?.latency ?? 1;
          return [slot, lab.http.route(`https://lab.test/page/${slot}`, { latency, body: `page ${slot}` })];
        }),
      );
      const urls = entries.map((entry) => bySlot.get(entry.slot) ?? '');
      const outcomes = await lab.run(api.fetchAll(urls), { label: `fetchAll(${urls.length} urls)` });
      demand(
        Array.isArray(outcomes) && outcomes.length === urls.length,
        `fetchAll should resolve with one Outcome per URL (${urls.length}), but it gave ${show(outcomes)}.`,
      );
      const got = outcomes.map((outcome) => outcome?.url);
      demand(
        urls.every((url, i) => got[i] === url),
        `Outcomes should come in the order of the input, whatever order the responses arrive in.\n` +
          `  input:    ${urls.map((url) => new URL(url).pathname).join(', ')}\n` +
          `  yours:    ${got.map((url) => (typeof url === 'string' ? new URL(url).pathname : show(url))).join(', ')}`,
        { concept: 'results collected in completion order' },
      );
      for (const [i, outcome] of outcomes.entries()) {
        const slot = entries[i].slot;
        demand(
          outcome.ok && outcome.body === `page ${slot}` && outcome.status === 200,
          `Outcome ${i} should be { ok: true, status: 200, body: 'page ${slot}' }, but it is ${show(outcome)}.`,
        );
      }
    },
    {
      describe: (entries) =>
        `URLs ${entries.map((entry) => `/page/${entry.slot} (${entry.latency} ms)`).join(', ')}`,
    },
  );
});

check('failures-become-outcomes', async ({ api, lab }) => {
  const [fine, missing, broken, unreachable, alsoFine] = lab.http.routes([
    { latency: 60, body: 'fine' },
    { latency: 20, status: 404, body: 'not here' },
    { latency: 40, status: 500, body: 'oops' },
    { latency: 30, network: 'error' },
    { latency: 90, body: 'also fine' },
  ]);
  const settled = await lab.settle(() => api.fetchAll([fine, missing, broken, unreachable, alsoFine]), {
    label: 'fetchAll(urls)',
  });
  demand(
    settled.status === 'fulfilled',
    () =>
      `fetchAll should never reject, but when one of five requests failed it rejected with ` +
      `${show((settled as { reason?: unknown }).reason)} and the other outcomes were lost.`,
    { concept: 'a bare Promise.all, where one failure loses every result' },
  );
  const outcomes = settled.value;
  const first = outcomeFor(outcomes, fine);
  demand(
    first.ok && first.status === 200 && first.body === 'fine',
    `${fine} should give { ok: true, status: 200, body: 'fine' }, but it gave ${show(first)}.`,
  );
  expectFailure(outcomeFor(outcomes, missing), 'http', 404);
  expectFailure(outcomeFor(outcomes, broken), 'http', 500);
  expectFailure(outcomeFor(outcomes, unreachable), 'network');
  const last = outcomeFor(outcomes, alsoFine);
  demand(last.ok && last.body === 'also fine', `${alsoFine} should succeed, but it gave ${show(last)}.`);
});

check('timeout-per-request', async ({ api, lab }) => {
  const [quick, stuck, slowBody] = lab.http.routes([
    { latency: 200, body: 'quick' },
    { latency: 5000, body: 'too late' },
    { latency: 800, bodyMs: 400, body: 'headers in time, body too late' },
  ]);
  const outcomes = await lab.run(api.fetchAll([quick, stuck, slowBody], { timeoutMs: 1000 }), {
    label: 'fetchAll(urls, { timeoutMs: 1000 })',
  });
  const fast = outcomeFor(outcomes, quick);
  demand(
    fast.ok && fast.body === 'quick',
    `A request that answers in 200 ms is well within timeoutMs: 1000 and should succeed, but it gave ${show(fast)}. ` +
      'A timeout must only affect the request that is too slow.',
    { concept: 'one timeout shared by every request' },
  );
  expectFailure(outcomeFor(outcomes, stuck), 'timeout');
  expectFailure(outcomeFor(outcomes, slowBody), 'timeout');
  for (const url of [stuck, slowBody]) {
    const record = lab.http.timeline.find((candidate) => candidate.url === url);
    demand(
      record?.outcome === 'aborted' && record.end !== undefined && record.end - record.start === 1000,
      () =>
        `The request to ${new URL(url).pathname} should be aborted when its 1000 ms are up, but the server ` +
        `${record?.outcome === 'aborted' ? `saw the abort at ${record.end} ms` : 'never saw an abort'}: ` +
        `racing a timer reports a timeout but leaves the request running.${timelinePicture(lab)}`,
      { concept: 'a timeout that does not cancel the request' },
    );
  }

  lab.reset();
  const [glacial] = lab.http.routes([{ latency: 6000 }]);
  const defaults = await lab.run(api.fetchAll([glacial]), { label: 'fetchAll([url])' });
  const outcome = outcomeFor(defaults, glacial);
  expectFailure(outcome, 'timeout');
  const record = lab.http.timeline[0];
  demand(
    record?.end === 5000,
    `Without timeoutMs the limit is 5000 ms, but the request that never answered ended at ${record?.end} ms.`,
  );
});

check('abort-signal', async ({ api, lab }) => {
  const urls = lab.http.routes([{ latency: 100 }, { latency: 500 }, { latency: 900 }]);
  const controller = lab.controller();
  const reason = new Error('user cancelled');
  const running = lab.start(() => api.fetchAll(urls, { signal: controller.signal }));
  await lab.advance(300);
  controller.abort(reason);
  const settled = await lab.settle(running, { label: 'fetchAll(urls, { signal })' });
  demand(
    settled.status === 'fulfilled',
    () =>
      `Aborting should settle the running requests as 'aborted', but fetchAll rejected with ${show((settled as { reason?: unknown }).reason)}.`,
  );
  demand(
    settled.at === 300,
    `Two requests were still running when the signal aborted at 300 ms, so fetchAll should resolve right then, ` +
      `but it resolved at ${settled.at} ms.${timelinePicture(lab)}`,
  );
  const done = outcomeFor(settled.value, urls[0]);
  demand(
    done.ok,
    `The request that finished at 100 ms, before the abort, should keep its success, but gave ${show(done)}.`,
  );
  for (const url of urls.slice(1)) expectFailure(outcomeFor(settled.value, url), 'aborted');
  const stillRunning = lab.http.timeline.filter(
    (record) => record.outcome !== 'aborted' && record.outcome !== 'response',
  );
  demand(
    stillRunning.length === 0,
    () =>
      `The requests still running at 300 ms should be aborted, but the server never saw an abort for ${stillRunning.map((record) => record.path).join(', ')}.${timelinePicture(lab)}`,
  );

  lab.reset();
  const more = lab.http.routes([{ latency: 50 }, { latency: 60 }]);
  const aborted = lab.controller();
  aborted.abort(reason);
  const early = await lab.run(() => api.fetchAll(more, { signal: aborted.signal }), {
    label: 'fetchAll(urls, { signal: alreadyAborted })',
  });
  for (const url of more) expectFailure(outcomeFor(early, url), 'aborted');
  demand(
    lab.http.timeline.length === 0,
    `With a signal that is already aborted nothing should be sent, but ${lab.http.timeline.length} request(s) went out.`,
  );
});

check('leaves-nothing-pending', async ({ api, lab }) => {
  const empty = await lab.run(() => api.fetchAll([]), { label: 'fetchAll([])' });
  demand(
    Array.isArray(empty) && empty.length === 0,
    `fetchAll([]) should resolve with [], but gave ${show(empty)}.`,
  );

  const urls = lab.http.routes([
    { latency: 30 },
    { latency: 70, status: 503 },
    { latency: 50, network: 'error' },
  ]);
  const controller = lab.controller();
  await lab.run(() => api.fetchAll(urls, { signal: controller.signal, timeoutMs: 4000 }), {
    label: 'fetchAll(urls, { signal, timeoutMs: 4000 })',
  });
  lab.expectNothingPending('fetchAll(urls, { signal, timeoutMs: 4000 })');
});

check('first-success-wins', async ({ api, lab }) => {
  const entry = fc.record({ latency, ok: fc.boolean() });
  await lab.property(
    [fc.array(entry, { minLength: 1, maxLength: 6 }).filter((entries) => entries.some((e) => e.ok))],
    async (entries) => {
      const urls = lab.http.routes(
        entries.map((entry, i) =>
          entry.ok ? { latency: entry.latency, body: `body ${i}` } : { latency: entry.latency, status: 500 },
        ),
      );
      const settled = await lab.settle(() => api.fetchFirst(urls), {
        label: `fetchFirst(${urls.length} urls)`,
      });
      const firstWin = Math.min(...entries.filter((entry) => entry.ok).map((entry) => entry.latency));
      const winners = urls.filter((_, i) => entries[i].ok && entries[i].latency === firstWin);
      demand(
        settled.status === 'fulfilled',
        () =>
          `fetchFirst should resolve with the success at ${firstWin} ms, but it rejected with ${show((settled as { reason?: unknown }).reason)} at ${settled.at} ms.`,
        { concept: 'Promise.race, where a fast failure wins' },
      );
      const winner = settled.value;
      demand(
        winner?.ok === true && winners.includes(winner.url) && settled.at === firstWin,
        `fetchFirst should resolve at ${firstWin} ms with the first success (${winners.map((url) => new URL(url).pathname).join(' or ')}), ` +
          `but it resolved at ${settled.at} ms with ${show(winner)}.`,
        { concept: 'Promise.race, where a fast failure wins' },
      );
    },
    {
      describe: (entries) =>
        `requests ${entries.map((entry, i) => `/r${i} ${entry.ok ? 'ok' : '500'} at ${entry.latency} ms`).join(', ')}`,
    },
  );
});

check('first-aborts-losers', async ({ api, lab }) => {
  // Once without a signal, once with a caller's signal that never aborts: the losers are aborted either way.
  for (const withSignal of [false, true]) {
    lab.reset();
    const urls = lab.http.routes([{ latency: 400 }, { latency: 200, body: 'winner' }, { latency: 900 }]);
    const options = withSignal ? { signal: lab.controller().signal } : undefined;
    const call = withSignal ? 'fetchFirst(urls, { signal })' : 'fetchFirst(urls)';
    const winner = await lab.run(() => api.fetchFirst(urls, options), { label: call });
    demand(winner?.url === urls[1], `${call} should resolve with ${urls[1]}, but gave ${show(winner)}.`);
    const losers = lab.http.timeline.filter((record) => record.url !== urls[1]);
    const notAborted = losers.filter((record) => record.outcome !== 'aborted' || (record.end ?? 0) > 200);
    demand(
      losers.length === 2 && notAborted.length === 0,
      () =>
        `Once the winner of ${call} arrived at 200 ms the other requests should be aborted, but ` +
        `${notAborted.map((record) => `${record.path} ${record.outcome === 'aborted' ? `was aborted only at ${record.end} ms` : 'kept running'}`).join(' and ')}.` +
        (withSignal
          ? ' Passing the caller’s signal must not replace your own way of stopping the losers.'
          : '') +
        timelinePicture(lab),
      { concept: 'losers left running after a race' },
    );
  }
});

check('as-completed-order', async ({ api, lab }) => {
  // The consumer's pace varies too: after the i-th Outcome it may stay busy for `pauses[i]` ms before asking for the
  // next, so several requests can finish while it is busy. They must still come in the order they completed.
  const pauses = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1000 })), { maxLength: 6 });
  await lab.property(
    [latencies, pauses],
    async (ms, busy) => {
      const urls = lab.http.routes(ms.map((latency, i) => ({ latency, body: `body ${i}` })));
      const seen: Array<{ url: string; at: number }> = [];
      await lab.run(
        async () => {
          for await (const outcome of api.fetchAsCompleted(urls)) {
            seen.push({ url: outcome?.url, at: lab.now() });
            const pause = busy[seen.length - 1] ?? 0;
            if (pause > 0)
              await new Promise((resolve) => lab.clock.labTimeout(() => resolve(undefined), pause));
          }
        },
        { label: `for await (… of fetchAsCompleted(${urls.length} urls))` },
      );
      demand(
        seen.length === urls.length,
        `fetchAsCompleted should yield one Outcome per URL (${urls.length}), but it yielded ${seen.length}.`,
      );
      // Completion order, each Outcome as soon as it is done and the consumer asks for it.
      const expected: Array<{ url: string; done: number; at: number }> = [];
      for (const { url, done } of urls
        .map((url, i) => ({ url, done: ms[i] }))
        .sort((a, b) => a.done - b.done)) {
        const previous = expected.at(-1);
        const asked = previous ? previous.at + (busy[expected.length - 1] ?? 0) : 0;
        expected.push({ url, done, at: Math.max(done, asked) });
      }
      for (const [i, yielded] of seen.entries()) {
        const doneAt = ms[urls.indexOf(yielded.url)];
        demand(
          doneAt === expected[i].done && yielded.at === expected[i].at,
          () =>
            `Outcomes should come in the order the requests completed (${expected.map((e) => `${new URL(e.url).pathname} at ${e.done} ms`).join(', ')}), ` +
            `each as soon as it is done and the loop asks for it (${expected.map((e) => `${e.at} ms`).join(', ')}), ` +
            `but yours came ${seen.map((s) => `${new URL(s.url).pathname} at ${s.at} ms`).join(', ')}.` +
            (busy.some((pause) => pause > 0) ? ` The loop was ${describePauses(busy, urls.length)}.` : '') +
            timelinePicture(lab),
          { concept: 'yielding in completion order, as asyncio.as_completed does' },
        );
      }
    },
    {
      examples: [[[300, 100, 200], [500]]],
      describe: (ms, busy) => `latencies ${listMs(ms)}; a loop ${describePauses(busy, ms.length)}`,
    },
  );
});

/** `busy for 500 ms after the 1st Outcome and 20 ms after the 2nd`, or `never busy`. */
function describePauses(busy: readonly number[], count: number): string {
  const waits = busy
    .slice(0, Math.max(0, count - 1))
    .map((pause, i) => (pause > 0 ? `${pause} ms after the ${ordinal(i + 1)} Outcome` : ''))
    .filter(Boolean);
  if (waits.length === 0) return 'never busy';
  const last = waits.pop();
  return `busy for ${waits.length > 0 ? `${waits.join(', ')} and ${last}` : last}`;
}

function ordinal(n: number): string {
  return `${n}${n === 1 ? 'st' : n === 2 ? 'nd' : n === 3 ? 'rd' : 'th'}`;
}

check('as-completed-break-aborts', async ({ api, lab }) => {
  // Once without a signal, once with a caller's signal that never aborts: stopping early aborts the rest either way.
  for (const withSignal of [false, true]) {
    lab.reset();
    const urls = lab.http.routes([{ latency: 300 }, { latency: 100, body: 'first' }, { latency: 500 }]);
    const options = withSignal ? { signal: lab.controller().signal } : undefined;
    const call = withSignal ? 'fetchAsCompleted(urls, { signal })' : 'fetchAsCompleted(urls)';
    let first: Outcome | undefined;
    await lab.run(
      async () => {
        for await (const outcome of api.fetchAsCompleted(urls, options)) {
          first = outcome;
          break;
        }
      },
      { label: `a for await loop over ${call} that breaks after the first Outcome` },
    );
    demand(
      first?.url === urls[1],
      `The first Outcome of ${call} should be ${urls[1]} (100 ms), but it was ${show(first)}.`,
    );
    const rest = lab.http.timeline.filter((record) => record.url !== urls[1]);
    const leftRunning = rest.filter(
      (record) => record.outcome !== 'aborted' || (record.end ?? Infinity) > 100,
    );
    if (rest.length !== 2 || leftRunning.length > 0) {
      throw new CheckFailure(
        `After the loop over ${call} stopped at 100 ms the other requests should be aborted, but ` +
          `${leftRunning.length || 2 - rest.length} kept running.` +
          (withSignal
            ? ' Passing the caller’s signal must not replace your own way of stopping the rest.'
            : '') +
          timelinePicture(lab),
        { concept: 'cleaning up in an async generator’s finally' },
      );
    }
  }
});

check('signal-first-and-as-completed', async ({ api, lab }) => {
  const reason = new Error('user cancelled');
  const urls = lab.http.routes([{ latency: 500 }, { latency: 900 }]);
  const controller = lab.controller();
  const running = lab.start(() => api.fetchFirst(urls, { signal: controller.signal }));
  await lab.advance(300);
  controller.abort(reason);
  const first = await lab.settle(running, { label: 'fetchFirst(urls, { signal })' });
  demand(
    first.status === 'rejected' && first.reason === reason && first.at === 300,
    () =>
      `Aborting the signal at 300 ms should make fetchFirst reject right then with \`signal.reason\` ` +
      `(${show(reason)}), but it ${first.status === 'fulfilled' ? `resolved with ${show(first.value)}` : `rejected with ${show(first.reason)}`} at ${first.at} ms.${timelinePicture(lab)}`,
  );
  expectAbortedAt(lab, urls, 300, 'fetchFirst(urls, { signal })');

  lab.reset();
  const more = lab.http.routes([{ latency: 50 }, { latency: 60 }]);
  const aborted = lab.controller();
  aborted.abort(reason);
  const early = await lab.settle(() => api.fetchFirst(more, { signal: aborted.signal }), {
    label: 'fetchFirst(urls, { signal: alreadyAborted })',
  });
  demand(
    early.status === 'rejected' && early.reason === reason,
    () =>
      `With a signal that is already aborted fetchFirst should reject with \`signal.reason\` (${show(reason)}), but it ` +
      `${early.status === 'fulfilled' ? `resolved with ${show(early.value)}` : `rejected with ${show(early.reason)}`}.`,
  );

  lab.reset();
  const streamed = lab.http.routes([{ latency: 100 }, { latency: 500 }, { latency: 900 }]);
  const stop = lab.controller();
  const seen: Outcome[] = [];
  const loop = lab.start(async () => {
    for await (const outcome of api.fetchAsCompleted(streamed, { signal: stop.signal })) seen.push(outcome);
  });
  await lab.advance(300);
  stop.abort(reason);
  // Yielding 'aborted' Outcomes or throwing the abort are both fine, as long as the loop ends at once.
  const ended = await lab.settle(loop, { label: 'for await (… of fetchAsCompleted(urls, { signal }))' });
  demand(
    ended.at === 300,
    `Aborting the signal at 300 ms should end the loop over fetchAsCompleted right then, but it ended at ${ended.at} ms.${timelinePicture(lab)}`,
  );
  demand(
    ended.status === 'fulfilled' || ended.reason === reason,
    () =>
      `A loop over fetchAsCompleted that ends because of the abort may throw, but then with \`signal.reason\` ` +
      `(${show(reason)}), not ${show((ended as { reason?: unknown }).reason)}.`,
  );
  for (const outcome of seen.filter((outcome) => outcome?.url !== streamed[0])) {
    expectFailure(outcome, 'aborted');
  }
  expectAbortedAt(lab, streamed.slice(1), 300, 'fetchAsCompleted(urls, { signal })');
});

/** Fails unless the server saw each of `urls` aborted by `at` ms. */
function expectAbortedAt(lab: Lab, urls: readonly string[], at: number, call: string): void {
  const records = lab.http.timeline.filter((record) => urls.includes(record.url));
  const late = records.filter((record) => record.outcome !== 'aborted' || (record.end ?? Infinity) > at);
  demand(
    records.length === urls.length && late.length === 0,
    () =>
      `The requests of ${call} still running when the signal aborted at ${at} ms should be aborted then, but ` +
      `${late.map((record) => `${record.path} ${record.outcome === 'aborted' ? `was aborted only at ${record.end} ms` : 'kept running'}`).join(' and ') || 'some were never sent'}.` +
      timelinePicture(lab),
    { concept: 'passing the caller’s signal on to every request' },
  );
}

// The hidden checks (grader/suites/01-fetch-all.hidden.ts, left out of the student template) run in this file too.
await includeHiddenChecks('01-fetch-all');
