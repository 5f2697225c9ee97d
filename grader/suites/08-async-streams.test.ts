import type * as Api from '../../exercises/08-async-streams/index.ts';
import { defineSuite, demand, show } from '../lab/index.ts';

/** The checks of exercise 08-async-streams; titles, points and hints live in grader/manifest.ts. See docs/authoring.md. */
const { check } = defineSuite<typeof Api>('08-async-streams');

check('resolves-after-delay', async ({ api, lab }) => {
  // `settle` advances virtual time until the promise settles and says when: no real time passes.
  const settled = await lab.settle(() => api.delay(250, 'done'), { label: "delay(250, 'done')" });
  demand(
    settled.status === 'fulfilled' && settled.value === 'done',
    () =>
      `delay(250, 'done') should resolve with 'done', but it ${settled.status === 'fulfilled' ? `resolved with ${show(settled.value)}` : `rejected with ${show(settled.reason)}`}.`,
  );
  demand(
    Math.abs(settled.at - 250) <= 1,
    `delay(250, 'done') should resolve at 250 ms, but it resolved at ${settled.at} ms.`,
    { concept: 'timers in virtual time' },
  );
});
