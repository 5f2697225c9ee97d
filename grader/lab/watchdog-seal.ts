/**
 * Seals: the worker signs each check that ran to completion and passed, with a key the grading process made for this
 * run, and the grading process counts a pass only with a valid seal. Student code shares the worker with vitest and
 * can reach its internals (`__vitest_worker__.rpc`, task results), so "vitest says passed" alone proves nothing.
 *
 * The key arrives in the environment and is removed before any student code runs; it lives on only as a KeyObject
 * (outside the JavaScript heap). Everything used to sign is captured here, at worker start, so later monkey-patching
 * cannot intercept it.
 */
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { sealPayload } from './watchdog-protocol.ts';

// Named imports of builtins are live bindings (`syncBuiltinESMExports` rewires them): keep the values.
const makeHmac = createHmac;
const hmacPrototype = Object.getPrototypeOf(makeHmac('sha256', 'probe')) as {
  update: (data: string) => unknown;
  digest: (encoding: 'hex') => string;
};
const { update, digest } = hmacPrototype;
const { apply } = Reflect;

/** Signs passing checks for this worker. */
export class Sealer {
  readonly #key: KeyObject;

  /** Takes the hex key; the caller must drop every other copy of it. */
  constructor(hexKey: string) {
    const bytes = Buffer.from(hexKey, 'hex');
    this.#key = createSecretKey(bytes);
    bytes.fill(0);
  }

  /** The seal of a passing `check` of `exercise`. */
  seal(exercise: string, check: string): string {
    const hmac = makeHmac('sha256', this.#key);
    apply(update, hmac, [sealPayload(exercise, check)]);
    return apply(digest, hmac, ['hex']) as string;
  }
}
