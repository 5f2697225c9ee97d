import * as fc from 'fast-check';
import { type AdvanceOptions, type PendingTimer, type Settled, VirtualClock } from './clock.ts';
import { CheckFailure, show } from './failure.ts';
import { HttpLab } from './http.ts';
import { ListenerTracker } from './listeners.ts';
import type { RequestRecord } from './timeline.ts';

/** Candidates fast-check may try while shrinking a counterexample. */
const MAX_SHRINK_ATTEMPTS = 200;

export interface LabOptions {
  /** Seeds Math.random and every property of the check. */
  seed: number;
  /** The command that reproduces a failure, for messages. */
  reproduce: string;
}

export interface PropertyOptions<Ts extends unknown[]> {
  /** Generated cases to try. @default 25 */
  numRuns?: number;
  /** Cases tried before the generated ones, e.g. the classic edge cases of the rule. */
  examples?: Ts[];
  /** Describes a counterexample in plain words, e.g. `latencies 40, 310, 5 ms`. */
  describe?: (...values: Ts) => string;
}

/**
 * Everything a check needs: a virtual clock, HTTP in virtual time, and ways to run student code on them.
 * `lab.clock` and `lab.http` are replaced by `reset()`, so read them from `lab` each time.
 *
 * @example
 * const urls = lab.http.routes([{ latency: 100 }, { latency: 300 }]);
 * const outcomes = await lab.run(api.fetchAll(urls), { label: 'fetchAll(urls)' });
 * expect(lab.http.timeline).toNeverExceedInFlight(2);
 */
export class Lab {
  clock: VirtualClock;
  http: HttpLab;
  readonly listeners = new ListenerTracker();
  readonly #options: LabOptions;
  static #current: Lab | undefined;
  readonly #realRandom = Math.random;
  /** How promises from `start()` settled, with the virtual time they settled at. */
  readonly #started = new WeakMap<Promise<unknown>, Settled<unknown>>();
  #coveredMs = 0;
  #propertyRuns = 0;

  private constructor(options: LabOptions) {
    this.#options = options;
    HttpLab.listen();
    this.clock = VirtualClock.install();
    this.http = new HttpLab(this.clock);
    this.http.attach();
    Math.random = seededRandom(options.seed);
  }

  /** Opens a lab at virtual time 0. Close it with `close()`. */
  static open(options: LabOptions): Lab {
    // A check that ran out of real time may still be running; its lab must not outlive it into the next check.
    Lab.#current?.close();
    Lab.#current = new Lab(options);
    return Lab.#current;
  }

  /** The lab of the check running now, if any. */
  static get current(): Lab | undefined {
    return Lab.#current;
  }

  /** The seed of this check: properties and Math.random derive from it. */
  get seed(): number {
    return this.#options.seed;
  }

  /** Virtual ms since the check (or property run) started. */
  now(): number {
    return this.clock.now();
  }

  /** Virtual ms this lab has covered, across every reset: what the check simulated. */
  get virtualMs(): number {
    return this.#coveredMs + this.clock.now();
  }

  /** Generated cases run by `property` so far. */
  get propertyRuns(): number {
    return this.#propertyRuns;
  }

  /** A fresh clock at 0, no routes, an empty timeline: the start of every property run. */
  reset(): void {
    if (Lab.#current !== this)
      throw new Error('awaitlings lab: this check already ended (it ran out of real time)');
    this.#coveredMs += this.clock.now();
    this.http.detach();
    this.clock = this.clock.restart();
    this.http = new HttpLab(this.clock);
    this.http.attach();
    this.listeners.reset();
  }

  /**
   * Advances virtual time until the student's call settles; returns its value.
   * A rejection (or a synchronous throw) fails the check, saying what was thrown.
   */
  async run<T>(work: Promise<T> | (() => Promise<T> | T), options: AdvanceOptions = {}): Promise<T> {
    const settled = await this.settle(work, options);
    if (settled.status === 'fulfilled') return settled.value;
    const label = options.label ?? 'your code';
    throw new CheckFailure(`${label} rejected at ${settled.at} ms with ${show(settled.reason)}.`, {
      cause: settled.reason,
    });
  }

  /** Like `run`, but reports a rejection instead of failing: for checks that expect one. */
  async settle<T>(
    work: Promise<T> | (() => Promise<T> | T),
    options: AdvanceOptions = {},
  ): Promise<Settled<T>> {
    const early = typeof work === 'function' ? undefined : this.#started.get(work);
    if (early) return early as Settled<T>;
    return this.clock.settle(toPromise(work), options);
  }

  /**
   * Starts the student's call without advancing time, with its rejection already handled, so the check can move
   * time (`advance`) and act (abort) before it `settle`s or `run`s the returned promise.
   */
  start<T>(work: Promise<T> | (() => Promise<T> | T)): Promise<T> {
    const promise = toPromise(work);
    promise.then(
      (value) => this.#started.set(promise, { status: 'fulfilled', value, at: this.now() }),
      (reason: unknown) => this.#started.set(promise, { status: 'rejected', reason, at: this.now() }),
    );
    return promise;
  }

  /** Advances virtual time by `ms` (for example to abort something halfway). */
  async advance(ms: number): Promise<void> {
    await this.clock.advanceBy(ms);
  }

  /** A signal the lab controls; listeners the student's code leaves on it are counted. */
  controller(): AbortController {
    const controller = new AbortController();
    this.listeners.watch(controller.signal);
    return controller;
  }

  /** Fails unless the student's code left no timer scheduled, no request in flight and no listener on a lab signal. */
  expectNothingPending(after: string): void {
    const timers = this.clock.pendingStudentTimers();
    const listeners = this.listeners.pending();
    const requests = this.http.inFlight();
    if (timers.length === 0 && listeners === 0 && requests.length === 0) return;
    const parts: string[] = [];
    if (requests.length > 0) {
      parts.push(
        `${requests.length} request${requests.length === 1 ? ' was' : 's were'} still in flight (${requests
          .map((record) => record.path)
          .join(', ')})`,
      );
    }
    if (timers.length > 0) parts.push(describeTimers(timers, this.now()));
    if (listeners > 0) {
      parts.push(
        `${listeners} 'abort' listener${listeners === 1 ? ' is' : 's are'} still attached to the caller's signal`,
      );
    }
    throw new CheckFailure(
      `After ${after} settled at ${this.now()} ms, ${parts.join(', and ')}. Code that is finished should leave ` +
        'nothing behind: clear your timers and remove your listeners once the work is over.',
      { concept: 'cleaning up timers and listeners' },
    );
  }

  /**
   * Checks a property over generated inputs, each run on a fresh clock and fresh routes.
   * A failure reports the shrunk counterexample in plain words and how to reproduce it.
   */
  async property<Ts extends [unknown, ...unknown[]]>(
    arbitraries: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
    body: (...values: Ts) => Promise<void>,
    options: PropertyOptions<Ts> = {},
  ): Promise<void> {
    const { numRuns = 25, describe = (...values: Ts) => values.map((value) => show(value)).join(', ') } =
      options;
    // The timeline of the last failing run: after shrinking, that run is the counterexample (the lab's timeline
    // itself belongs to whichever run came last, often a shrink attempt that passed).
    let failedTimeline: RequestRecord[] | undefined;
    // Shrinking stops after a fixed number of attempts (counted, never timed, so the result is the same on any
    // machine): later candidates count as passing, and the smallest failure found so far is the counterexample.
    let shrinkAttempts: number | undefined;
    const property = fc.asyncProperty(
      ...(arbitraries as unknown as [fc.Arbitrary<unknown>]),
      async (...values) => {
        if (shrinkAttempts !== undefined && ++shrinkAttempts > MAX_SHRINK_ATTEMPTS) return;
        this.reset();
        this.#propertyRuns++;
        try {
          await body(...(values as unknown as Ts));
        } catch (error) {
          failedTimeline = structuredClone([...this.http.timeline]);
          shrinkAttempts ??= 0;
          throw error;
        }
      },
    );
    const details = await fc.check(property as fc.IAsyncProperty<unknown[]>, {
      seed: this.#options.seed,
      numRuns,
      examples: options.examples as unknown[][] | undefined,
    });
    if (!details.failed) return;
    const counterexample = details.counterexample as Ts | null;
    const cause = details.errorInstance;
    const what = counterexample ? describe(...counterexample) : 'a generated case';
    const message = cause instanceof Error ? cause.message : show(cause);
    throw new CheckFailure(
      `${message}\n\nFound with: ${what} (after ${details.numRuns} generated case${details.numRuns === 1 ? '' : 's'}, ` +
        `shrunk ${details.numShrinks} time${details.numShrinks === 1 ? '' : 's'}).\nReproduce: ${this.#options.reproduce}`,
      {
        concept: cause instanceof CheckFailure ? cause.concept : undefined,
        timeline: (cause instanceof CheckFailure && cause.timeline) || failedTimeline,
        spans: cause instanceof CheckFailure ? cause.spans : undefined,
        marker: cause instanceof CheckFailure ? cause.marker : undefined,
        expected: cause instanceof CheckFailure ? cause.expected : undefined,
        cause,
      },
    );
  }

  /** Restores real time, Math.random and the network. */
  close(): void {
    if (Lab.#current !== this) return;
    Lab.#current = undefined;
    this.http.detach();
    this.clock.uninstall();
    Math.random = this.#realRandom;
  }
}

function toPromise<T>(work: Promise<T> | (() => Promise<T> | T)): Promise<T> {
  if (typeof work !== 'function') return Promise.resolve(work);
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error);
  }
}

function describeTimers(timers: readonly PendingTimer[], now: number): string {
  const intervals = timers.filter((timer) => timer.kind === 'interval').length;
  const timeouts = timers.length - intervals;
  const parts: string[] = [];
  if (timeouts > 0) {
    const due = timers.filter((timer) => timer.kind === 'timeout').map((timer) => timer.dueAt - now);
    parts.push(
      `${timeouts} setTimeout timer${timeouts === 1 ? ' was' : 's were'} still scheduled (due in ${due.join(', ')} ms)`,
    );
  }
  if (intervals > 0)
    parts.push(`${intervals} setInterval timer${intervals === 1 ? ' was' : 's were'} still running`);
  return parts.join(' and ');
}

/** mulberry32: small, fast, and the same sequence for the same seed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
