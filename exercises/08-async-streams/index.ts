/**
 * Exercise 08 · Async streams with back-pressure.
 *
 * Read README.md next to this file first. Run `npm run grade -- 08` to see how you are doing.
 */

/**
 * Resolves with `value` once `ms` milliseconds have passed.
 *
 * @example
 * const word = await delay(250, 'done'); // 'done', 250 ms later
 */
export async function delay<T>(ms: number, value: T): Promise<T> {
  // TODO: start a timer for `ms` and resolve with `value` when it fires.
  void ms;
  void value;
  throw new Error('delay: not implemented yet');
}
