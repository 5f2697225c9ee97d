import type * as Api from '../../exercises/01-fetch-all/index.ts';
import { CheckFailure, defineSuite, demand, show } from '../lab/index.ts';

/** Hidden checks of exercise 01: graded on push, left out of the student template. */
const { check } = defineSuite<typeof Api>('01-fetch-all');

type Outcome = Api.Outcome;

check('first-all-fail', async ({ api, lab }) => {
  const urls = lab.http.routes([
    { latency: 30, status: 404 },
    { latency: 10, network: 'error' },
    { latency: 20, status: 500 },
  ]);
  const settled = await lab.settle(() => api.fetchFirst(urls), { label: 'fetchFirst(urls)' });
  demand(
    settled.status === 'rejected' && settled.reason instanceof AggregateError,
    () =>
      `When every request fails fetchFirst should reject with an AggregateError, but it ${settled.status === 'fulfilled' ? `resolved with ${show(settled.value)}` : `rejected with ${show(settled.reason)}`}.`,
  );
  const { errors } = settled.reason;
  demand(
    Array.isArray(errors) && errors.length === urls.length && errors.every((error) => error instanceof Error),
    `The AggregateError should hold one Error per URL (${urls.length}), but its errors are ${show(errors)}.`,
  );
  errors.forEach((error: Error, i: number) => {
    const mentioned = urls.findIndex(
      (url) => error.message.includes(url) || (error.cause as Outcome | undefined)?.url === url,
    );
    demand(
      mentioned === -1 || mentioned === i,
      `The AggregateError's errors should follow the input order, but error ${i} is about ${urls[mentioned]}.`,
    );
  });
  demand(
    settled.at <= 30,
    `fetchFirst should reject when the last request fails (30 ms), but it rejected at ${settled.at} ms.`,
  );

  lab.reset();
  const none = await lab.settle(() => api.fetchFirst([]), { label: 'fetchFirst([])' });
  demand(
    none.status === 'rejected' && none.reason instanceof AggregateError,
    'fetchFirst([]) has nothing that could succeed, so it should reject with an AggregateError.',
  );
  demand(
    Array.isArray(none.reason.errors) && none.reason.errors.length === 0,
    `fetchFirst([]) sent no request, so its AggregateError should hold no errors, but its errors are ${show(none.reason.errors)}.`,
  );
});

check('bad-arguments', async ({ api, lab }) => {
  const [url] = lab.http.routes([{ latency: 10 }]);
  // fetchAsCompleted is an async generator: the call itself only creates it, and the TypeError comes from the
  // first next() (as the README says), so a `for await` loop is where a caller sees it.
  const calls: Record<string, (urls: unknown, options?: unknown) => Promise<unknown>> = {
    fetchAll: (urls, options) => api.fetchAll(urls as string[], options as Api.FetchOptions),
    fetchFirst: (urls, options) => api.fetchFirst(urls as string[], options as Api.FetchOptions),
    fetchAsCompleted: async (urls, options) => {
      let generator: AsyncGenerator<Outcome>;
      try {
        generator = api.fetchAsCompleted(urls as string[], options as Api.FetchOptions);
      } catch (error) {
        throw new CheckFailure(
          `fetchAsCompleted(${show(urls)}${options ? ', options' : ''}) threw ${show(error)} at the call. It is an ` +
            '`async function*`: the call only creates the generator, and a bad argument should reject its first ' +
            'next(), where the `for await` loop sees it.',
          { concept: 'an async generator that runs only when iterated' },
        );
      }
      const first = await generator.next();
      const seen: Outcome[] = first.done ? [] : [first.value];
      for await (const outcome of generator) seen.push(outcome);
      return seen;
    },
  };
  const bad: Array<[option: string, urls: unknown, options?: { timeoutMs: unknown }]> = [
    ['urls', null],
    ['urls', url],
    ['timeoutMs', [url], { timeoutMs: 0 }],
    ['timeoutMs', [url], { timeoutMs: -1 }],
    ['timeoutMs', [url], { timeoutMs: Number.NaN }],
    ['timeoutMs', [url], { timeoutMs: '1000' }],
  ];
  for (const [name, call] of Object.entries(calls)) {
    for (const [option, urls, options] of bad) {
      const shown = `${name}(${show(urls)}${options ? `, { timeoutMs: ${show(options.timeoutMs)} }` : ''})`;
      const settled = await lab.settle(() => call(urls, options), { label: shown });
      const reason = settled.status === 'rejected' ? settled.reason : undefined;
      if (reason instanceof CheckFailure) throw reason;
      const expected =
        name === 'fetchAsCompleted'
          ? 'reject its first next() with a TypeError'
          : 'throw (or reject with) a TypeError';
      demand(
        reason instanceof TypeError && String(reason.message).includes(option),
        () =>
          `${shown} should ${expected} whose message names \`${option}\`, but it ` +
          `${settled.status === 'fulfilled' ? `resolved with ${show(settled.value)}` : `rejected with ${show(reason)}`}.`,
        { concept: 'validating options' },
      );
    }
  }
  const fine = await lab.settle(() => api.fetchAll([url], { timeoutMs: 20 }), {
    label: 'fetchAll([url], { timeoutMs: 20 })',
  });
  demand(
    fine.status === 'fulfilled',
    () =>
      `timeoutMs: 20 is a positive number, so fetchAll([url], { timeoutMs: 20 }) should resolve, but it rejected with ${show((fine as { reason?: unknown }).reason)}.`,
  );
});
