/**
 * Exercise 05's words: options and outcomes as a student would write them, the README's formula, and the
 * shared expectations the checks build on.
 */
import type * as Api from '../../../exercises/05-backoff-retry/index.ts';
import { demand, gantt, type Lab, requestRows, type Settled, show } from '../../lab/index.ts';
import { attemptsPicture, type Call, msList, scripted, waitsOf } from './attempts.ts';

export type { Api };
export type Options = Api.RetryOptions;

/** Small deterministic waits, for checks about something other than the waits. */
export const QUICK = { jitter: 'none', minDelayMs: 10 } as const;

/** `retries: 2, jitter: 'none'` as a student would write it (functions shown by name). */
export function fields(options: Options): string {
  return Object.entries(options)
    .map(([key, value]) =>
      typeof value === 'function' ? key : `${key}: ${typeof value === 'string' ? `'${value}'` : show(value)}`,
    )
    .join(', ');
}

/** Options as the last argument of a call in a message: `, { retries: 2 }`, or nothing when empty. */
export function shown(options: Options): string {
  const text = fields(options);
  return text === '' ? '' : `, { ${text} }`;
}

export function outcome(settled: Settled<unknown>): string {
  if (settled.status === 'rejected') return `rejected at ${settled.at} ms with ${show(settled.reason)}`;
  const { value } = settled;
  return `resolved at ${settled.at} ms with ${value instanceof Response ? `a ${value.status} response` : show(value)}`;
}

/** The cap before retry n (1-based), as the README defines it. */
export function capOf(
  n: number,
  { minDelayMs = 100, maxDelayMs = 10_000, factor = 2 }: Options = {},
): number {
  return Math.min(maxDelayMs, minDelayMs * factor ** (n - 1));
}

export function requestsPicture(lab: Lab): string {
  return `\n\n${gantt(requestRows(lab.http.timeline))}`;
}

/** Records what fetch rejected with, so a check can tell the last network error from a new one. */
export async function watchingFetchErrors<T>(body: (errors: unknown[]) => Promise<T>): Promise<T> {
  const original = globalThis.fetch;
  const errors: unknown[] = [];
  globalThis.fetch = async (...args: Parameters<typeof fetch>) => {
    try {
      return await original(...args);
    } catch (error) {
      errors.push(error);
      throw error;
    }
  };
  try {
    return await body(errors);
  } finally {
    globalThis.fetch = original;
  }
}

/** Runs `retry` with an fn that always fails and checks each wait with `expect(n, wait)`. */
export async function expectWaits(
  api: typeof Api,
  lab: Lab,
  options: Options,
  latency: number,
  rule: (n: number, wait: number) => string | undefined,
  { concept }: { concept: string },
): Promise<Call[]> {
  const { fn, calls } = scripted(lab, { latency });
  const label = `retry(fn${shown(options)})`;
  const settled = await lab.settle(() => api.retry(fn, options), { label, budgetMs: 600_000 });
  const waits = waitsOf(calls);
  demand(
    calls.length > 0 && calls[0].start <= 1,
    () =>
      `The first attempt should start at once, but ${label} ` +
      `${calls.length === 0 ? `never called fn: it ${outcome(settled)}` : `first called fn at ${calls[0].start} ms`}.`,
    {
      concept: 'no wait before the first attempt',
      cause: settled.status === 'rejected' ? settled.reason : undefined,
    },
  );
  for (const [i, wait] of waits.entries()) {
    const problem = rule(i + 1, wait);
    demand(
      problem === undefined,
      () =>
        `${label}, with an fn that fails after ${latency} ms: ${problem}. Your waits were ${msList(waits)}.` +
        attemptsPicture(calls, { at: calls[i + 1].start, note: `wait ${i + 1} ends here` }),
      { concept },
    );
  }
  return calls;
}

export function expectDelay(api: typeof Api, n: number, options: Options, expected: number): void {
  const actual = api.backoffDelay(n, options);
  const { random, ...rest } = options;
  const call = `backoffDelay(${n}, { ${[fields(rest), random ? `random: () => ${random()}` : ''].filter(Boolean).join(', ')} })`;
  demand(
    typeof actual === 'number' && Math.abs(actual - expected) <= 1e-9 * Math.max(1, expected),
    () =>
      `${call} ` +
      `should be ${expected} (cap = min(maxDelayMs, minDelayMs × factor^${n - 1}) = ${capOf(n, options)}), ` +
      `but it returned ${show(actual)}.`,
    { concept: 'the backoff formula' },
  );
}

export function expectTypeError(settled: Settled<unknown>, call: string, option: string): void {
  const reason = settled.status === 'rejected' ? settled.reason : undefined;
  demand(
    reason instanceof TypeError && reason.message.includes(option),
    () =>
      `${call} should throw (or reject with) a TypeError whose message names \`${option}\`, but it ` +
      `${outcome(settled)}.`,
    { concept: 'validating options at the boundary' },
  );
}
