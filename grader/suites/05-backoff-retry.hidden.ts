import { defineSuite, demand, show } from '../lab/index.ts';
import { scripted } from './05-backoff-retry/attempts.ts';
import { type Api, outcome, QUICK, shown } from './05-backoff-retry/words.ts';

/** Hidden checks of exercise 05: graded on push, left out of the student template. */
const { check } = defineSuite<typeof Api>('05-backoff-retry');

check('sync-throw-is-a-failure', async ({ api, lab }) => {
  const once = scripted(lab, { succeedOn: 2, throwSync: true, value: 'second time lucky' });
  const settled = await lab.settle(() => api.retry(once.fn, QUICK), { label: `retry(fn${shown(QUICK)})` });
  demand(
    settled.status === 'fulfilled' && settled.value === once.value && once.calls.length === 2,
    () =>
      `fn throws synchronously on attempt 1 and resolves on attempt 2; a throw is a failed attempt like a ` +
      `rejection, so retry should try again and resolve with ${show(once.value)}, but it ${outcome(settled)} ` +
      `after ${once.calls.length} call${once.calls.length === 1 ? '' : 's'}.`,
    { concept: 'a synchronous throw inside an async flow' },
  );
  lab.reset();
  const always = scripted(lab, { throwSync: true });
  const options = { ...QUICK, retries: 2 };
  const given = await lab.settle(() => api.retry(always.fn, options), {
    label: `retry(fn${shown(options)})`,
  });
  demand(
    given.status === 'rejected' && always.calls.length > 1,
    () =>
      `fn always throws synchronously; with \`retries: 2\` retry should try again after each throw and finally ` +
      `reject, but fn was called ${always.calls.length} time${always.calls.length === 1 ? '' : 's'} and retry ${outcome(given)}.`,
    { concept: 'a synchronous throw inside an async flow' },
  );
});
