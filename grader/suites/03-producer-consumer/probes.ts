/**
 * Probes for the 03-producer-consumer suite: calls whose outcome a check looks at later, and sleeps that are the
 * lab's own timers (never counted as the student's).
 */
import type * as Api from '../../../exercises/03-producer-consumer/index.ts';
import { CheckFailure, type fc, type Lab, type PropertyOptions, show } from '../../lab/index.ts';

/** A call the check started and looks at later: how it settled, with what, and when. */
export class Watched<T> {
  state: 'pending' | 'fulfilled' | 'rejected' = 'pending';
  value?: T;
  reason?: unknown;
  /** Virtual ms it settled at. */
  at?: number;

  constructor(
    readonly label: string,
    lab: Lab,
    work: () => Promise<T>,
    onSettle?: (watched: Watched<T>) => void,
  ) {
    let promise: Promise<T>;
    try {
      promise = Promise.resolve(work());
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(
      (value) => {
        Object.assign(this, { state: 'fulfilled', value, at: lab.now() });
        onSettle?.(this);
      },
      (reason: unknown) => {
        Object.assign(this, { state: 'rejected', reason, at: lab.now() });
        onSettle?.(this);
      },
    );
  }

  get pending(): boolean {
    return this.state === 'pending';
  }

  /** `get() resolved with "a" at 10 ms`, as a student reads it. */
  describe(): string {
    if (this.state === 'pending') return `${this.label} was still waiting`;
    if (this.state === 'fulfilled') {
      // put() and join() resolve with nothing; a get() that resolves with undefined is worth saying so.
      const quiet = this.value === undefined && /\b(put|join)\(/.test(this.label);
      return `${this.label} resolved${quiet ? '' : ` with ${show(this.value)}`} at ${this.at} ms`;
    }
    return `${this.label} rejected with ${show(this.reason)} at ${this.at} ms`;
  }
}

/** Starts `work` now (a synchronous throw counts as a rejection) and watches how it settles. */
export function watch<T>(
  lab: Lab,
  label: string,
  work: () => Promise<T>,
  onSettle?: (watched: Watched<T>) => void,
): Watched<T> {
  return new Watched(label, lab, work, onSettle);
}

/** A virtual sleep on a lab timer: it does not count as a timer the student's code fired. */
export function sleep(lab: Lab, ms: number): Promise<void> {
  return new Promise((resolve) => lab.clock.labTimeout(resolve, ms));
}

/** `"a", "b" and "c"` */
export function listItems(items: readonly unknown[]): string {
  const shown = items.map((item) => show(item));
  if (shown.length <= 1) return shown.join('');
  return `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`;
}

/** Counts of each value in `left` missing from `right` (multiset difference). */
export function missingFrom<T>(left: readonly T[], right: readonly T[]): T[] {
  const counts = new Map<T, number>();
  for (const value of right) counts.set(value, (counts.get(value) ?? 0) + 1);
  const missing: T[] = [];
  for (const value of left) {
    const count = counts.get(value) ?? 0;
    if (count === 0) missing.push(value);
    else counts.set(value, count - 1);
  }
  return missing;
}

/** Lets the queue's promises settle, and time move on by `ms`. */
export const pause = (lab: Lab, ms = 10) => lab.advance(ms);

/** Takes items with get() one at a time while they keep coming; stops at the first get that waits. */
export async function takeAll<T>(lab: Lab, queue: Api.AsyncQueue<T>, limit: number): Promise<Watched<T>[]> {
  const taken: Watched<T>[] = [];
  for (let i = 0; i < limit; i++) {
    const get = watch(lab, 'get()', () => queue.get());
    await pause(lab, 50);
    taken.push(get);
    if (get.state !== 'fulfilled') break;
  }
  return taken;
}

/** Calls get() until it rejects (or `limit` times): the items it gave, how it ended, and the story in words. */
export async function drain<T>(lab: Lab, queue: Api.AsyncQueue<T>, limit: number) {
  const items: T[] = [];
  const said: string[] = [];
  for (let i = 0; i < limit; i++) {
    const get = watch(lab, 'get()', () => queue.get());
    await pause(lab, 50);
    said.push(get.describe());
    if (get.state === 'fulfilled') items.push(get.value as T);
    else return { items, end: get.state === 'rejected' ? get.reason : undefined, story: said.join(', ') };
  }
  return { items, end: undefined, story: said.join(', ') };
}

/**
 * `lab.property`, with `examples` tried first: cases every grading tries whatever the seed, so a mistake they
 * catch is caught every time. A failing example is reported like a counterexample.
 */
export async function propertyWithExamples<Ts extends [unknown, ...unknown[]]>(
  lab: Lab,
  arbitraries: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
  body: (...values: Ts) => Promise<void>,
  options: PropertyOptions<Ts> & { examples: readonly Ts[] },
): Promise<void> {
  const { examples, ...rest } = options;
  for (const example of examples) {
    lab.reset();
    try {
      await body(...example);
    } catch (error) {
      if (!(error instanceof CheckFailure)) throw error;
      const what = rest.describe ? rest.describe(...example) : example.map((value) => show(value)).join(', ');
      throw new CheckFailure(`${error.message}\n\nFound with: ${what}.`, {
        concept: error.concept,
        timeline: error.timeline,
        cause: error,
      });
    }
  }
  await lab.property(arbitraries, body, rest);
}
