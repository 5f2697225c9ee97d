import type * as Api from '../../exercises/01-fetch-all/index.ts';
import { defineSuite, demand, show } from '../lab/index.ts';

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
    settled.at <= 31,
    `fetchFirst should reject when the last request fails (30 ms), but it rejected at ${settled.at} ms.`,
  );

  lab.reset();
  const none = await lab.settle(() => api.fetchFirst([]), { label: 'fetchFirst([])' });
  demand(
    none.status === 'rejected' && none.reason instanceof AggregateError,
    'fetchFirst([]) has nothing that could succeed, so it should reject with an AggregateError.',
  );
});
