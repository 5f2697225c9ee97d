import { createRequire, syncBuiltinESMExports } from 'node:module';
import { vi } from 'vitest';
import { timersPromises } from '../bridge/timers-promises.ts';
import { CheckFailure, show } from './failure.ts';

const require = createRequire(import.meta.url);
const timersModule: Record<string, unknown> = require('node:timers');
const timersPromisesModule: Record<string, unknown> = require('node:timers/promises');

/** Captured before any clock is faked: the lab's own view of real time. */
const realSetImmediate = globalThis.setImmediate;
const realAbortSignalTimeout = AbortSignal.timeout;

/** Wall-clock instant the virtual clock starts at, so `new Date()` looks like a date. */
export const VIRTUAL_EPOCH = Date.UTC(2026, 0, 1);

const FAKED = [
  'setTimeout',
  'clearTimeout',
  'setInterval',
  'clearInterval',
  'setImmediate',
  'clearImmediate',
  'Date',
  'performance',
] as const;

/** Timers fired at one virtual instant before zero-delay timers take Node's minimum of 1 ms again. */
const SAME_INSTANT_LIMIT = 100;

/** Real macrotask turns to let promises, streams and msw settle before the next timer fires. */
const SETTLE_TURNS = 3;
/** Real turns without any timer before a pending promise is declared stuck. */
const IDLE_TURNS = 12;

interface SinonTimer {
  id: number;
  func: unknown;
  callAt: number;
  interval?: number;
}

/** The parts of @sinonjs/fake-timers 15 (bundled in vitest 5) the lab reads: timers by id, and by due time. */
interface SinonClock {
  now: number;
  timers?: Map<number, SinonTimer>;
  /** Ordered as `next()` fires them: by due time, immediates first, then in the order they were created. */
  timerHeap?: { peek(): SinonTimer | undefined };
  duringTick: boolean;
  next(): number;
  countTimers(): number;
  /** Drops every timer and goes back to the time it was installed at. */
  reset(): void;
}

/** A timer the student's code left behind, as a student would recognise it. */
export interface PendingTimer {
  kind: 'timeout' | 'interval';
  /** Virtual ms (since the check started) at which it would fire. */
  dueAt: number;
}

/** How a promise ended under the virtual clock. */
export type Settled<T> =
  | { status: 'fulfilled'; value: T; at: number }
  | { status: 'rejected'; reason: unknown; at: number };

export interface AdvanceOptions {
  /** Virtual ms the promise may take before the check fails with "did not finish". @default 120_000 */
  budgetMs?: number;
  /** Timers that may fire before the check fails as a runaway loop. @default 20_000 */
  maxTimers?: number;
  /** Names the call in messages, e.g. `fetchAll(urls)`. @default 'your code' */
  label?: string;
}

const oneTurn = () => new Promise<void>((resolve) => realSetImmediate(resolve));

/** Work outside this process that must settle before virtual time moves: a subject's queued promise callbacks. */
const outstanding = new Set<() => boolean>();
/** Extra turns a turn waits for outstanding work: past them, a ping-pong without end is left to the timer budgets. */
const MAX_EXTRA_TURNS = 10_000;

/**
 * Holds virtual time while `busy()` says there is work elsewhere (grader/lab/subject.ts): every turn the lab waits
 * also waits for it. Returns how to stop holding.
 */
export function holdTimeWhile(busy: () => boolean): () => void {
  outstanding.add(busy);
  return () => outstanding.delete(busy);
}

function anyOutstanding(): boolean {
  for (const busy of outstanding) if (busy()) return true;
  return false;
}

/** One real turn of the event loop, and more while outstanding work elsewhere has not settled. */
const turn = async () => {
  await oneTurn();
  for (let extra = 0; extra < MAX_EXTRA_TURNS && anyOutstanding(); extra++) await oneTurn();
};

/**
 * The virtual clock of one check: vitest fake timers, with everything else that tells time made to follow them
 * (`node:timers`, `node:timers/promises`, `AbortSignal.timeout`), and a loop that advances time one timer at a
 * time until a promise settles.
 */
export class VirtualClock {
  readonly #clock: SinonClock;
  readonly #labCallbacks = new WeakSet<object>();
  readonly #restore: Array<() => void> = [];
  #studentTimersFired = 0;
  #firedThisInstant = 0;
  #lastFiredAt = Number.NaN;

  private constructor(clock: SinonClock) {
    this.#clock = clock;
    // sinon schedules a zero-delay timer created while it ticks 1 ms late. The lab fires one timer per step, so
    // correct code that hops through setTimeout(0) keeps exact times. Node itself never fires a timer sooner than
    // 1 ms, though: once many timers have fired at one instant (a setTimeout(0) polling loop), zero-delay timers
    // go back to 1 ms, so time moves on for the poller as it would in Node instead of standing still.
    Object.defineProperty(clock, 'duringTick', {
      get: () => this.#firedThisInstant >= SAME_INSTANT_LIMIT,
      set: () => {},
      configurable: true,
    });
  }

  /** Fakes the clock at virtual time 0 and makes every timing API follow it. */
  static install(): VirtualClock {
    vi.useFakeTimers({ now: VIRTUAL_EPOCH, toFake: [...FAKED] });
    const sinon = (globalThis.setTimeout as unknown as { clock?: SinonClock }).clock;
    if (!sinon) throw new Error('awaitlings lab: vitest fake timers did not install a clock');
    routeTimersModules();
    return VirtualClock.#follow(sinon);
  }

  /** Makes `sinon` the installed clock, behind a fresh `VirtualClock`. */
  static #follow(sinon: SinonClock): VirtualClock {
    const clock = new VirtualClock(sinon);
    installed = clock;
    clock.#patchAbortSignalTimeout();
    return clock;
  }

  /**
   * A fresh clock at virtual time 0, no timer scheduled: the start of a property run. The fake timers stay installed
   * and are reset (installing them again costs more than a property run of some checks), unless something replaced
   * them, in which case they are installed afresh.
   */
  restart(): VirtualClock {
    if (installed !== this || !this.isIntact()) {
      this.uninstall();
      return VirtualClock.install();
    }
    this.#undoPatches();
    this.#clock.reset();
    return VirtualClock.#follow(this.#clock);
  }

  /** Virtual ms since the check (or property run) started. */
  now(): number {
    return this.#clock.now - VIRTUAL_EPOCH;
  }

  /** Timers fired so far whose callbacks the student's code scheduled. */
  get studentTimersFired(): number {
    return this.#studentTimersFired;
  }

  /** False once something replaced the fake timers (vi.useRealTimers, a patched global). */
  isIntact(): boolean {
    const current = (globalThis.setTimeout as unknown as { clock?: SinonClock }).clock;
    return vi.isFakeTimers() && current === this.#clock;
  }

  /** A virtual timer owned by the lab: never counted as one the student left pending. */
  labTimeout(callback: () => void, ms: number): ReturnType<typeof setTimeout> {
    this.#labCallbacks.add(callback);
    return setTimeout(callback, ms);
  }

  /** Timers still scheduled that the student's code created. */
  pendingStudentTimers(): PendingTimer[] {
    return [...(this.#clock.timers?.values() ?? [])]
      .filter((timer) => !this.#isLabTimer(timer))
      .map((timer) => ({
        kind: timer.interval ? ('interval' as const) : ('timeout' as const),
        dueAt: timer.callAt - VIRTUAL_EPOCH,
      }));
  }

  /** Lets promises, streams and msw run for a few real turns without moving virtual time. */
  async flush(turns = SETTLE_TURNS): Promise<void> {
    for (let i = 0; i < turns; i++) await turn();
  }

  /** Moves virtual time forward by `ms`, firing every timer due on the way, one at a time. */
  async advanceBy(ms: number, { maxTimers = 20_000 } = {}): Promise<void> {
    const target = this.#clock.now + ms;
    await this.flush();
    for (let fired = 0; ; fired++) {
      const next = this.#nextTimer();
      if (!next || next.callAt > target) break;
      if (fired >= maxTimers) throw runaway(maxTimers, this.now(), 'your code');
      this.#fire(next);
      await this.flush();
    }
    this.#clock.now = target;
    await this.flush();
  }

  /** Runs the clock until nothing is scheduled (or `maxTimers` fired). */
  async runAll({ maxTimers = 20_000 } = {}): Promise<void> {
    await this.flush();
    for (let fired = 0; fired < maxTimers; fired++) {
      const next = this.#nextTimer();
      if (!next) return;
      this.#fire(next);
      await this.flush();
    }
  }

  /**
   * Advances virtual time until `promise` settles and reports how it ended.
   * Throws a CheckFailure when it does not settle within the budget, when nothing is left that could settle it,
   * or when timers keep firing without end.
   */
  async settle<T>(promise: Promise<T>, options: AdvanceOptions = {}): Promise<Settled<T>> {
    const { budgetMs = 120_000, maxTimers = 20_000, label = 'your code' } = options;
    let outcome: Settled<T> | undefined;
    promise.then(
      (value) => {
        outcome = { status: 'fulfilled', value, at: this.now() };
      },
      (reason: unknown) => {
        outcome = { status: 'rejected', reason, at: this.now() };
      },
    );
    const deadline = this.#clock.now + budgetMs;
    let fired = 0;
    let idle = 0;
    for (;;) {
      await turn();
      if (outcome) return outcome;
      const next = this.#nextTimer();
      if (!next) {
        if (++idle < IDLE_TURNS) continue;
        throw new CheckFailure(
          `${label} never finished: at ${this.now()} ms it was still waiting, with no timer scheduled and no ` +
            'request in flight, so nothing could ever wake it up.',
          { concept: 'a promise that never settles' },
        );
      }
      idle = 0;
      if (next.callAt > deadline) {
        throw new CheckFailure(
          `${label} did not finish within ${budgetMs} ms of virtual time (still running at ${this.now()} ms).`,
          { concept: 'a promise that never settles' },
        );
      }
      if (++fired > maxTimers) throw runaway(maxTimers, this.now(), label);
      if (outcome) return outcome;
      for (let i = 1; i < SETTLE_TURNS; i++) await turn();
      if (outcome) return outcome;
      this.#fire(next);
    }
  }

  /** Puts real time back: fake timers off, patched modules restored. */
  uninstall(): void {
    this.#undoPatches();
    if (installed === this) installed = undefined;
    vi.useRealTimers();
  }

  /** Puts back what this clock patched beside the fake timers (`AbortSignal.timeout`). */
  #undoPatches(): void {
    for (const undo of this.#restore.splice(0).reverse()) undo();
  }

  /** The timer `next()` fires next. */
  #nextTimer(): SinonTimer | undefined {
    return this.#clock.timerHeap?.peek() ?? undefined;
  }

  #fire(timer: SinonTimer): void {
    if (!this.#isLabTimer(timer)) this.#studentTimersFired++;
    this.#firedThisInstant = timer.callAt === this.#lastFiredAt ? this.#firedThisInstant + 1 : 0;
    this.#lastFiredAt = timer.callAt;
    try {
      this.#clock.next();
    } catch (error) {
      throw new CheckFailure(
        `A timer callback threw ${show(error)} at ${this.now()} ms; nothing caught it.`,
        {
          concept: 'an exception inside a timer callback',
          cause: error,
        },
      );
    }
  }

  #isLabTimer(timer: SinonTimer): boolean {
    return typeof timer.func === 'function' && this.#labCallbacks.has(timer.func as object);
  }

  #patchAbortSignalTimeout(): void {
    const virtualTimeout = (ms: number): AbortSignal => {
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return realAbortSignalTimeout(ms);
      const controller = new AbortController();
      this.labTimeout(() => {
        controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
      }, ms);
      return controller.signal;
    };
    AbortSignal.timeout = virtualTimeout;
    this.#restore.push(() => {
      AbortSignal.timeout = realAbortSignalTimeout;
    });
  }
}

/** The clock installed now, if any: `node:timers` and `node:timers/promises` follow it while it is. */
let installed: VirtualClock | undefined;
let routed = false;

/**
 * Points `node:timers` and `node:timers/promises` (named imports included) at the installed virtual clock, and at
 * the real ones while none is: once per process, instead of patching, syncing and restoring Node's built-in modules
 * at every property run.
 */
function routeTimersModules(): void {
  if (routed) return;
  routed = true;
  const forward = {
    setTimeout: (...args: Parameters<typeof setTimeout>) => globalThis.setTimeout(...args),
    clearTimeout: (id?: Parameters<typeof clearTimeout>[0]) => globalThis.clearTimeout(id),
    setInterval: (...args: Parameters<typeof setInterval>) => globalThis.setInterval(...args),
    clearInterval: (id?: Parameters<typeof clearInterval>[0]) => globalThis.clearInterval(id),
    setImmediate: (...args: Parameters<typeof setImmediate>) => globalThis.setImmediate(...args),
    clearImmediate: (id?: Parameters<typeof clearImmediate>[0]) => globalThis.clearImmediate(id),
  };
  const virtual = virtualTimersPromises();
  const real = { ...timersPromisesModule } as typeof virtual;
  const scheduler = timersPromisesModule.scheduler as Record<string, (...args: never[]) => unknown>;
  const realScheduler = { wait: scheduler.wait.bind(scheduler), yield: scheduler.yield.bind(scheduler) };
  const promises = {
    setTimeout: ((...args: Parameters<typeof virtual.setTimeout>) =>
      (installed ? virtual : real).setTimeout(...args)) as typeof virtual.setTimeout,
    setImmediate: ((...args: Parameters<typeof virtual.setImmediate>) =>
      (installed ? virtual : real).setImmediate(...args)) as typeof virtual.setImmediate,
    setInterval: ((...args: Parameters<typeof virtual.setInterval>) =>
      (installed ? virtual : real).setInterval(...args)) as typeof virtual.setInterval,
  };
  Object.assign(timersModule, forward);
  Object.assign(timersPromisesModule, promises);
  Object.assign(scheduler, {
    wait: (ms: number, options?: { signal?: AbortSignal }) =>
      installed
        ? virtual.setTimeout(ms, undefined, options)
        : realScheduler.wait(ms as never, options as never),
    yield: () => (installed ? virtual.setImmediate() : realScheduler.yield()),
  });
  syncBuiltinESMExports();
}

/** `node:timers/promises` on the (faked) global timers; its listeners are the lab's, never counted. */
function virtualTimersPromises() {
  return timersPromises({
    setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
    setImmediate: (callback) => globalThis.setImmediate(callback),
    setInterval: (callback, ms) => globalThis.setInterval(callback, ms),
    clear: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
    listen: (signal, listener) => {
      signal.addEventListener('abort', listener, { once: true });
      return () => signal.removeEventListener('abort', listener);
    },
  });
}

function runaway(maxTimers: number, now: number, label: string): CheckFailure {
  return new CheckFailure(
    `${label} did not finish: ${maxTimers} timers fired by ${now} ms of virtual time and it was still ` +
      'scheduling more. Is something polling in a loop?',
    { concept: 'busy waiting' },
  );
}
