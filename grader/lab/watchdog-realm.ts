/**
 * Keeps the language and the grader's tools as the grader found them while student code runs in the same worker.
 *
 * - `hardenRealm()` freezes `Promise.prototype` (so `then` cannot be rerouted under the grader's feet) and makes the
 *   virtual clock refuse to run backwards.
 * - `RealmSnapshot` records the built-ins, the globals and vitest's `expect`/`chai`/`vi` before any student code runs
 *   and lists what changed after each check: a check whose code rewrote them is not graded.
 *
 * Everything this module calls at check time is captured when it loads, so patching a built-in cannot blind it.
 */
import { chai, expect, vi } from 'vitest';
import { VIRTUAL_EPOCH } from './clock.ts';

const { ownKeys, getOwnPropertyDescriptor, apply, defineProperty, deleteProperty } = Reflect;
const { freeze, is } = Object;
const toText = String;

/** Built-ins the grader relies on, by the name a student would write. */
function watchedObjects(): Array<[string, object]> {
  const jest = (globalThis as Record<symbol, { matchers?: object } | undefined>)[
    Symbol.for('$$jest-matchers-object')
  ];
  const listed: Array<[string, object | undefined]> = [
    ['Object', Object],
    ['Object.prototype', Object.prototype],
    ['Array', Array],
    ['Array.prototype', Array.prototype],
    ['Function.prototype', Function.prototype],
    ['Promise', Promise],
    ['Promise.prototype', Promise.prototype],
    ['Reflect', Reflect],
    ['Math', Math],
    ['JSON', JSON],
    ['String.prototype', String.prototype],
    ['Number', Number],
    ['Number.prototype', Number.prototype],
    ['Map.prototype', Map.prototype],
    ['Set.prototype', Set.prototype],
    ['Symbol', Symbol],
    ['Error.prototype', Error.prototype],
    ['EventTarget.prototype', EventTarget.prototype],
    ['AbortController.prototype', AbortController.prototype],
    ['AbortSignal', AbortSignal],
    ['AbortSignal.prototype', AbortSignal.prototype],
    ['Response.prototype', Response.prototype],
    ['Request.prototype', Request.prototype],
    ['Headers.prototype', Headers.prototype],
    ['expect', expect],
    ["expect's matchers", jest?.matchers],
    ['chai.Assertion.prototype', chai.Assertion.prototype],
    ['vi', vi],
  ];
  return listed.filter(
    (entry): entry is [string, object] => typeof entry[1] === 'object' || typeof entry[1] === 'function',
  );
}

/** Globals the grader reads by name. The timer functions, `Date`, `performance` and `fetch` belong to the lab. */
const WATCHED_GLOBALS = [
  'Object',
  'Array',
  'Function',
  'Promise',
  'Reflect',
  'Proxy',
  'Math',
  'JSON',
  'Symbol',
  'Error',
  'TypeError',
  'AggregateError',
  'Map',
  'Set',
  'WeakMap',
  'String',
  'Number',
  'Boolean',
  'AbortController',
  'AbortSignal',
  'EventTarget',
  'Response',
  'Request',
  'Headers',
  'URL',
  'structuredClone',
  'queueMicrotask',
];

/**
 * Objects where a new property is itself tampering: on `Object.prototype` it shows up on every object (an `ok` or a
 * `then` there changes what the grader reads). Elsewhere additions are harmless (a polyfill such as
 * `Promise.withResolvers ??= ...`); only replacing or deleting what was there counts.
 */
const NO_ADDITIONS = ['Object.prototype'];

/** Properties that legitimately change while grading. */
const IGNORED: Record<string, readonly string[]> = {
  Math: ['random'],
  AbortSignal: ['timeout'],
};

interface Entry {
  owner: string;
  target: object;
  key: string | symbol;
  value: unknown;
  get: unknown;
  set: unknown;
  descriptor: PropertyDescriptor;
}

/** The state of the watched built-ins at one moment; `changes()` compares the present against it. */
export class RealmSnapshot {
  readonly #entries: Entry[] = [];
  readonly #keyCounts: Array<[string, object, number]> = [];
  /** The keys each `NO_ADDITIONS` object had, to remove what was added. */
  readonly #keySets: Array<[object, Set<string | symbol>]> = [];

  private constructor() {
    for (const [owner, target] of watchedObjects()) {
      const keys = ownKeys(target);
      let counted = 0;
      for (let i = 0; i < keys.length; i++) {
        if (isIgnored(owner, keys[i])) continue;
        this.#record(owner, target, keys[i]);
        counted++;
      }
      if (NO_ADDITIONS.includes(owner)) {
        this.#keyCounts[this.#keyCounts.length] = [owner, target, counted];
        this.#keySets[this.#keySets.length] = [target, new Set(keys)];
      }
    }
    for (let i = 0; i < WATCHED_GLOBALS.length; i++)
      this.#record('globalThis', globalThis, WATCHED_GLOBALS[i]);
  }

  /** Records the present state. Take it before any student code runs. */
  static take(): RealmSnapshot {
    return new RealmSnapshot();
  }

  /** What differs from the snapshot, in words (`Promise.prototype.then was replaced`); empty when nothing does. */
  changes(): string[] {
    const found: string[] = [];
    for (let i = 0; i < this.#entries.length; i++) {
      const entry = this.#entries[i];
      const now = getOwnPropertyDescriptor(entry.target, entry.key);
      const name = `${entry.owner}.${describeKey(entry.key)}`;
      if (!now) found[found.length] = `${name} was deleted`;
      else if (!is(now.value, entry.value) || now.get !== entry.get || now.set !== entry.set) {
        found[found.length] = `${name} was replaced`;
      }
    }
    for (let i = 0; i < this.#keyCounts.length; i++) {
      // Indexing, not destructuring: destructuring goes through Array.prototype[Symbol.iterator].
      const owner = this.#keyCounts[i][0];
      const counted = this.#keyCounts[i][2];
      const keys = ownKeys(this.#keyCounts[i][1]);
      let present = 0;
      for (let k = 0; k < keys.length; k++) if (!isIgnored(owner, keys[k])) present++;
      if (present > counted)
        found[found.length] =
          `${owner} gained ${present - counted} new propert${present - counted === 1 ? 'y' : 'ies'}`;
    }
    return found;
  }

  /**
   * Puts back what changed since the snapshot, so the next suite file in this worker starts from the built-ins the
   * grader recorded. Returns what could not be put back (a property made read-only and non-configurable): a worker
   * with such a change is not fit to grade anything else.
   */
  restore(): string[] {
    const stuck: string[] = [];
    for (let i = 0; i < this.#entries.length; i++) {
      const entry = this.#entries[i];
      const now = getOwnPropertyDescriptor(entry.target, entry.key);
      if (now && is(now.value, entry.value) && now.get === entry.get && now.set === entry.set) continue;
      if (!defineProperty(entry.target, entry.key, entry.descriptor))
        stuck[stuck.length] = `${entry.owner}.${describeKey(entry.key)}`;
    }
    for (let i = 0; i < this.#keySets.length; i++) {
      const target = this.#keySets[i][0];
      const keys = ownKeys(target);
      for (let k = 0; k < keys.length; k++) {
        if (this.#keySets[i][1].has(keys[k])) continue;
        if (!deleteProperty(target, keys[k])) stuck[stuck.length] = `an added ${describeKey(keys[k])}`;
      }
    }
    return stuck;
  }

  #record(owner: string, target: object, key: string | symbol): void {
    const descriptor = getOwnPropertyDescriptor(target, key);
    if (!descriptor) return;
    this.#entries[this.#entries.length] = {
      owner,
      target,
      key,
      value: descriptor.value,
      get: descriptor.get,
      set: descriptor.set,
      descriptor,
    };
  }
}

function isIgnored(owner: string, key: string | symbol): boolean {
  const ignored = IGNORED[owner];
  if (!ignored || typeof key !== 'string') return false;
  for (let i = 0; i < ignored.length; i++) if (ignored[i] === key) return true;
  return false;
}

function describeKey(key: string | symbol): string {
  return typeof key === 'symbol' ? `[${toText(key)}]` : key;
}

interface SinonClock {
  now: number;
}

/** Set when student code tried to move a virtual clock backwards, until `clearClockRewind()`. */
let rewind: string | undefined;

/**
 * Freezes `Promise.prototype`, and makes every virtual clock the lab installs refuse to go back in time (rewinding
 * `now` would make sequential requests look concurrent).
 */
export function hardenRealm(): void {
  freeze(Promise.prototype);
  const useFakeTimers = vi.useFakeTimers;
  vi.useFakeTimers = function guardedUseFakeTimers(...args: Parameters<typeof vi.useFakeTimers>) {
    const result = apply(useFakeTimers, this, args) as ReturnType<typeof vi.useFakeTimers>;
    const clock = (globalThis.setTimeout as unknown as { clock?: SinonClock }).clock;
    if (clock) keepMonotonic(clock);
    return result;
  };
}

/** A description of the first rewind since `clearClockRewind()`, if there was one. */
export function peekClockRewind(): string | undefined {
  return rewind;
}

export function clearClockRewind(): void {
  rewind = undefined;
}

function keepMonotonic(clock: SinonClock): void {
  let now = clock.now;
  Object.defineProperty(clock, 'now', {
    configurable: false,
    enumerable: true,
    get: () => now,
    set: (next: number) => {
      if (next < now) {
        rewind ??= `from ${now - VIRTUAL_EPOCH} ms to ${next - VIRTUAL_EPOCH} ms`;
        return;
      }
      now = next;
    },
  });
}
