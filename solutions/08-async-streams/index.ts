/**
 * Exercise 08 · Async streams with back-pressure: the reference solution.
 */

/** Resolves with `value` once `ms` milliseconds have passed. */
export function delay<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(resolve, ms, value));
}
