import type * as Api from '../../exercises/02-rate-limited-client/index.ts';
import { CheckFailure, defineSuite, demand, show } from '../lab/index.ts';
import { BASE_URL } from './02-rate-limited-client/workload.ts';

/** Hidden checks of exercise 02: graded on push, left out of the student template. */
const { check } = defineSuite<typeof Api>('02-rate-limited-client');

check('bad-arguments', async ({ api }) => {
  const expectTypeError = (make: () => unknown, option: string, call: string) => {
    let thrown: unknown;
    try {
      make();
    } catch (error) {
      thrown = error;
    }
    demand(
      thrown instanceof TypeError && thrown.message.includes(option),
      `${call} should throw a TypeError whose message names \`${option}\`, but it ` +
        `${thrown === undefined ? 'did not throw' : `threw ${show(thrown)}`}.`,
      { concept: 'validating options' },
    );
  };
  for (const permits of [0, -1, 1.5, Number.NaN, '2', undefined]) {
    expectTypeError(() => new api.Semaphore(permits as number), 'permits', `new Semaphore(${show(permits)})`);
  }
  for (const maxConcurrent of [0, -2, 2.5, Infinity, '3', undefined]) {
    expectTypeError(
      () => api.createClient({ baseUrl: BASE_URL, maxConcurrent: maxConcurrent as number }),
      'maxConcurrent',
      `createClient({ baseUrl, maxConcurrent: ${show(maxConcurrent)} })`,
    );
  }
  for (const maxPerWindow of [0, -1, 1.5, Number.NaN]) {
    expectTypeError(
      () => api.createClient({ baseUrl: BASE_URL, maxConcurrent: 2, maxPerWindow }),
      'maxPerWindow',
      `createClient({ baseUrl, maxConcurrent: 2, maxPerWindow: ${show(maxPerWindow)} })`,
    );
  }
  for (const windowMs of [0, -100, Infinity, Number.NaN]) {
    expectTypeError(
      () => api.createClient({ baseUrl: BASE_URL, maxConcurrent: 2, maxPerWindow: 3, windowMs }),
      'windowMs',
      `createClient({ baseUrl, maxConcurrent: 2, maxPerWindow: 3, windowMs: ${show(windowMs)} })`,
    );
  }
  for (const [call, make] of [
    ['new Semaphore(3)', () => new api.Semaphore(3)],
    [
      'createClient({ baseUrl, maxConcurrent: 2, maxPerWindow: Infinity })',
      () => api.createClient({ baseUrl: BASE_URL, maxConcurrent: 2, maxPerWindow: Infinity }),
    ],
    [
      'createClient({ baseUrl, maxConcurrent: 1, maxPerWindow: 5, windowMs: 250 })',
      () => api.createClient({ baseUrl: BASE_URL, maxConcurrent: 1, maxPerWindow: 5, windowMs: 250 }),
    ],
  ] as const) {
    try {
      make();
    } catch (error) {
      throw new CheckFailure(`${call} is valid and should not throw, but it threw ${show(error)}.`);
    }
  }
});
