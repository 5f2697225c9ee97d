/**
 * Aborted gets racing puts, in every order fast-check's scheduler picks: the item is never lost, never handed
 * out twice, and a get rejects only when its own signal aborted, with that signal's reason.
 */
import type * as Api from '../../../exercises/03-producer-consumer/index.ts';
import { demand, fc, type Lab, show } from '../../lab/index.ts';
import { listItems, type Watched, watch } from './probes.ts';

/** What a getter's signal does: nothing, abort on its own, or abort in the same tick, right after a put. */
export type AbortPlan = 'never' | 'alone' | 'right-after-a-put';

export interface RaceScenario {
  /** One entry per get(signal). */
  getters: AbortPlan[];
  /** How many items are put. */
  items: number;
}

export const raceScenario: fc.Arbitrary<RaceScenario> = fc.record({
  getters: fc.array(fc.constantFrom<AbortPlan>('never', 'alone', 'right-after-a-put'), {
    minLength: 1,
    maxLength: 3,
  }),
  items: fc.integer({ min: 0, max: 3 }),
});

/** The put (if any) after which getter `i` aborts in the same tick. */
function putBefore(scenario: RaceScenario, i: number): number | undefined {
  return scenario.getters[i] === 'right-after-a-put' && scenario.items > 0 ? i % scenario.items : undefined;
}

export function describeRace(scheduler: fc.Scheduler, scenario: RaceScenario): string {
  const gets = scenario.getters
    .map((plan, i) => {
      if (plan === 'never') return `get #${i + 1}`;
      const put = putBefore(scenario, i);
      return `get #${i + 1} (aborted${put === undefined ? '' : ` in the same tick as put("item ${put + 1}"), right after it`})`;
    })
    .join(', ');
  return `${gets} and ${scenario.items} put(s) on a queue with no limit, run in this order: ${String(scheduler)}`;
}

/** Runs one scenario under `scheduler` and fails the check on a lost, duplicated or wrongly rejected item. */
export async function checkRaces(
  lab: Lab,
  makeQueue: () => Api.AsyncQueue<string>,
  scheduler: fc.Scheduler,
  scenario: RaceScenario,
): Promise<void> {
  const queue = makeQueue();
  const items = Array.from({ length: scenario.items }, (_, i) => `item ${i + 1}`);
  const controllers = scenario.getters.map(() => lab.controller());
  const reasons = scenario.getters.map((_, i) => new Error(`get #${i + 1} aborted`));
  const gets: Array<Watched<string> | undefined> = [];
  const puts: Array<Watched<void>> = [];
  const abortsAfterPut = items.map(() => [] as number[]);
  scenario.getters.forEach((plan, i) => {
    scheduler.schedule(Promise.resolve(), `get #${i + 1}`).then(() => {
      gets[i] = watch(lab, `get #${i + 1}`, () => queue.get(controllers[i].signal));
    });
    const put = putBefore(scenario, i);
    if (put !== undefined) {
      abortsAfterPut[put].push(i);
    } else if (plan !== 'never') {
      scheduler
        .schedule(Promise.resolve(), `abort get #${i + 1}`)
        .then(() => controllers[i].abort(reasons[i]));
    }
  });
  for (const [j, item] of items.entries()) {
    const then = abortsAfterPut[j].map((i) => `, abort get #${i + 1}`).join('');
    scheduler.schedule(Promise.resolve(), `put(${show(item)})${then}`).then(() => {
      puts.push(watch(lab, `put(${show(item)})`, () => queue.put(item)));
      for (const i of abortsAfterPut[j]) controllers[i].abort(reasons[i]);
    });
  }
  await scheduler.waitAll();
  await lab.advance(100);

  const story = () => `\nWhat happened: ${[...puts, ...gets].map((call) => call?.describe()).join('; ')}.`;
  for (const put of puts) {
    demand(
      put.state === 'fulfilled',
      () => `On a queue with no limit every put() should resolve at once, but ${put.describe()}.${story()}`,
    );
  }
  const delivered: string[] = [];
  for (const [i, get] of gets.entries()) {
    if (!get) continue;
    const aborted = controllers[i].signal.aborted;
    if (get.state === 'rejected') {
      demand(
        aborted && get.reason === reasons[i],
        () =>
          aborted
            ? `${get.label} was aborted, so it should reject with its signal.reason, but it rejected with ${show(get.reason)}.${story()}`
            : `${get.label} rejected with ${show(get.reason)}, but its signal never aborted.${story()}`,
        { concept: 'cancelling a waiter' },
      );
    } else if (get.state === 'fulfilled') {
      const item = get.value as string;
      // A get() that resolves with something never put is queue-fifo's business (waking every waiter), and an
      // aborted get() that resolves instead of rejecting is caught before the races: here only items are judged.
      if (!items.includes(item)) continue;
      demand(!delivered.includes(item), () => `${show(item)} was put once but handed out twice.${story()}`, {
        concept: 'cancelling a waiter',
      });
      delivered.push(item);
    } else {
      demand(
        !aborted,
        () => `${get.label} was aborted, so it should have rejected with its signal.reason.${story()}`,
        {
          concept: 'cancelling a waiter',
        },
      );
    }
  }
  const undelivered = items.filter((item) => !delivered.includes(item));
  const stillWaiting = gets.find((get) => get?.pending);
  demand(
    !stillWaiting || undelivered.length === 0,
    () =>
      `${listItems(undelivered)} ${undelivered.length === 1 ? 'was' : 'were'} put while ${stillWaiting?.label} ` +
      `was waiting, yet it is still waiting and never got ${undelivered.length === 1 ? 'it' : 'them'}: an item ` +
      `handed to an aborted get() is lost.${story()}`,
    { concept: 'a cancelled waiter left in the line' },
  );
  if (stillWaiting) return;
  for (let i = 0; i < undelivered.length; i++) {
    const get = watch(lab, 'a later get()', () => queue.get());
    await lab.advance(100);
    demand(
      get.state === 'fulfilled' &&
        undelivered.includes(get.value as string) &&
        !delivered.includes(get.value as string),
      () =>
        `${listItems(undelivered)} ${undelivered.length === 1 ? 'was' : 'were'} put and not taken by the racing ` +
        `gets, so ${undelivered.length === 1 ? 'it' : 'they'} should still be in the queue, but ${get.describe()}: ` +
        `an item handed to an aborted get() is lost.${story()}`,
      { concept: 'a cancelled waiter left in the line' },
    );
    delivered.push(get.value as string);
  }
}
