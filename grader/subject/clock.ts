/**
 * The subject's clock. Student timers are registrations only: each one is announced to the checks' side, which
 * mirrors it on the one virtual clock and asks for it to fire when its time comes. `Date`, `performance.now()`,
 * `node:timers`, `node:timers/promises` and `AbortSignal.timeout` all follow the time the checks' side sends with
 * every message. Runs in the subject, before any student code.
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { timersPromises } from '../bridge/timers-promises.ts';
import { listenLocally } from './listeners.ts';

const require = createRequire(import.meta.url);

/** Must equal the checks' side: grader/lab/clock.ts. */
const VIRTUAL_EPOCH = Date.UTC(2026, 0, 1);

export type TimerKind = 'timeout' | 'interval' | 'immediate';

interface Entry {
  callback: (...args: unknown[]) => void;
  args: unknown[];
  kind: TimerKind;
}

/** How the clock tells the checks' side about timers. */
export type Announce = (op: 'timer' | 'clear' | 'refresh', fields: Record<string, unknown>) => void;

/** What `setTimeout` returns, as Node's Timeout: `ref`, `unref`, `hasRef`, `refresh`, `close`, a primitive id. */
class Timeout {
  readonly #id: number;
  readonly #clock: SubjectClock;
  constructor(id: number, clock: SubjectClock) {
    this.#id = id;
    this.#clock = clock;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  hasRef(): boolean {
    return true;
  }
  refresh(): this {
    this.#clock.refresh(this.#id);
    return this;
  }
  close(): this {
    this.#clock.clear(this.#id);
    return this;
  }
  [Symbol.toPrimitive](): number {
    return this.#id;
  }
}

export class SubjectClock {
  /** Epoch ms, as the checks' side last said. */
  now = VIRTUAL_EPOCH;
  readonly #timers = new Map<number, Entry>();
  readonly #announce: Announce;
  #nextId = 1;

  constructor(announce: Announce) {
    this.#announce = announce;
  }

  /** Registers a timer and announces it; `lab` timers belong to the runtime (never counted as left behind). */
  set(kind: TimerKind, callback: unknown, ms: unknown, args: unknown[], lab = false): number {
    if (typeof callback !== 'function') {
      const error = new TypeError(
        `The "callback" argument must be of type function. Received ${typeof callback}`,
      );
      (error as { code?: string }).code = 'ERR_INVALID_ARG_TYPE';
      throw error;
    }
    const id = this.#nextId++;
    this.#timers.set(id, { callback: callback as Entry['callback'], args, kind });
    const delay = kind === 'immediate' ? 0 : Number(ms);
    this.#announce('timer', { id, kind, ms: Number.isNaN(delay) ? 0 : delay, lab });
    return id;
  }

  clear(handle: unknown): void {
    const id = idOf(handle);
    if (id === undefined || !this.#timers.delete(id)) return;
    this.#announce('clear', { id });
  }

  refresh(id: number): void {
    if (this.#timers.has(id)) this.#announce('refresh', { id });
  }

  /** Runs the timer `id` now (the checks' side says its time has come). */
  fire(id: number): void {
    const entry = this.#timers.get(id);
    if (!entry) return;
    if (entry.kind !== 'interval') this.#timers.delete(id);
    Reflect.apply(entry.callback, undefined, entry.args);
  }

  /** Makes every timing API of this process follow this clock. */
  install(): void {
    const timeout = (callback: unknown, ms?: unknown, ...args: unknown[]) =>
      new Timeout(this.set('timeout', callback, ms, args), this);
    const interval = (callback: unknown, ms?: unknown, ...args: unknown[]) =>
      new Timeout(this.set('interval', callback, ms, args), this);
    const immediate = (callback: unknown, ...args: unknown[]) =>
      new Timeout(this.set('immediate', callback, 0, args), this);
    const clear = (handle?: unknown) => this.clear(handle);
    const globals = {
      setTimeout: timeout,
      setInterval: interval,
      setImmediate: immediate,
      clearTimeout: clear,
      clearInterval: clear,
      clearImmediate: clear,
    };
    Object.assign(globalThis, globals);
    Object.assign(require('node:timers'), globals);
    const promises = subjectTimersPromises(this);
    Object.assign(require('node:timers/promises'), promises);
    Object.assign(require('node:timers/promises').scheduler, {
      wait: (ms: number, options?: { signal?: AbortSignal }) => promises.setTimeout(ms, undefined, options),
      yield: () => promises.setImmediate(),
    });
    syncBuiltinESMExports();
    globalThis.Date = fakeDate(this);
    Object.defineProperty(performance, 'now', { value: () => this.now - VIRTUAL_EPOCH, configurable: true });
    AbortSignal.timeout = (ms: number): AbortSignal => {
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
        throw new RangeError(`The value of "delay" is out of range. Received ${String(ms)}`);
      }
      const controller = new AbortController();
      this.set(
        'timeout',
        () => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
        ms,
        [],
        true,
      );
      return controller.signal;
    };
  }
}

function idOf(handle: unknown): number | undefined {
  if (handle instanceof Timeout) return handle[Symbol.toPrimitive]();
  const id = Number(handle);
  return Number.isSafeInteger(id) ? id : undefined;
}

function fakeDate(clock: SubjectClock): DateConstructor {
  const RealDate = Date;
  function VirtualDate(this: unknown, ...args: unknown[]) {
    if (!new.target) return new RealDate(clock.now).toString();
    if (args.length === 0) return new RealDate(clock.now);
    return Reflect.construct(RealDate, args, new.target === VirtualDate ? RealDate : new.target);
  }
  VirtualDate.prototype = RealDate.prototype;
  VirtualDate.now = () => clock.now;
  VirtualDate.parse = RealDate.parse;
  VirtualDate.UTC = RealDate.UTC;
  return VirtualDate as unknown as DateConstructor;
}

/** `node:timers/promises` on the subject's timers; the runtime's listeners are never forwarded nor counted. */
function subjectTimersPromises(clock: SubjectClock) {
  return timersPromises({
    setTimeout: (callback, ms) => clock.set('timeout', callback, ms, []),
    setImmediate: (callback) => clock.set('immediate', callback, 0, []),
    setInterval: (callback, ms) => clock.set('interval', callback, ms, []),
    clear: (handle) => clock.clear(handle),
    listen: (signal, listener) => listenLocally(signal, 'abort', listener),
  });
}
