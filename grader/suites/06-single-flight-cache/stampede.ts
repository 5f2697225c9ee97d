/**
 * Generated stampedes: gets of a few keys at generated instants, against a cache with `ttlMs: 0` (nothing stays
 * fresh, so every get either joins the load in flight or starts the next one), and the rules they are judged by.
 */
import { CheckFailure, fc, type Lab, listMs } from '../../lab/index.ts';
import { type Api, cacheRows, type LoadCall, picture, recordedLoad, Sequence, Watched } from './probes.ts';

export interface Stampede {
  gets: Array<{ key: string; at: number }>;
  /** The n-th load of a key takes latencies[(n - 1) % length] ms. */
  latencies: number[];
}

export const stampede: fc.Arbitrary<Stampede> = fc.record({
  gets: fc.array(fc.record({ key: fc.constantFrom('a', 'b'), at: fc.integer({ min: 0, max: 300 }) }), {
    minLength: 1,
    maxLength: 8,
  }),
  latencies: fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 3 }),
});

/** The classic stampede and a get that arrives in the very millisecond its load ends. */
export const STAMPEDE_EXAMPLES: Array<[Stampede]> = [
  [
    {
      gets: [
        { key: 'a', at: 0 },
        { key: 'a', at: 0 },
        { key: 'a', at: 0 },
        { key: 'b', at: 0 },
        { key: 'a', at: 50 },
        { key: 'a', at: 100 },
        { key: 'a', at: 150 },
      ],
      latencies: [100],
    },
  ],
];

export function describeStampede({ gets, latencies }: Stampede): string {
  const list = gets.map(({ key, at }) => `get('${key}') at ${at} ms`).join(', ');
  return `${list}; loads take ${listMs(latencies)} (ttlMs: 0)`;
}

export interface StampedeRun {
  loads: LoadCall[];
  /** Each get, with the key it asked for. */
  gets: Array<Watched & { key: string }>;
}

/** Runs one stampede on a fresh cache and returns what happened. */
export async function runStampede(
  api: typeof Api,
  lab: Lab,
  { gets, latencies }: Stampede,
): Promise<StampedeRun> {
  const sequence = new Sequence();
  const { load, calls } = recordedLoad(lab, sequence, {
    latency: (_key, n) => latencies[(n - 1) % latencies.length],
  });
  const cache = api.createCache<string, string>({ load, ttlMs: 0 });
  const watched: StampedeRun['gets'] = [];
  for (const { key, at } of gets) {
    lab.clock.labTimeout(() => {
      watched.push(Object.assign(new Watched(`get('${key}')`, lab, sequence, () => cache.get(key)), { key }));
    }, at);
  }
  await lab.advance(300 + gets.length * 200 + 1);
  return { loads: calls, gets: watched };
}

/** Never two loads of one key at once: each load of a key starts after the previous one ended. */
export function expectOneLoadAtATime({ loads, gets }: StampedeRun): void {
  for (const [i, call] of loads.entries()) {
    const running = loads
      .slice(0, i)
      .find(
        (earlier) => earlier.key === call.key && (earlier.endSeq === undefined || earlier.endSeq > call.seq),
      );
    if (running) {
      throw new CheckFailure(
        `load('${call.key}') #${call.n} started at ${call.start} ms while load('${call.key}') #${running.n} ` +
          `(started at ${running.start} ms) was still running: a get that finds a load of its key in flight ` +
          `must join it, not start another.${picture(cacheRows(loads, gets), { at: call.start, note: 'second load' })}`,
        { concept: 'sharing one promise between callers (single flight)' },
      );
    }
  }
}

/**
 * Each get resolves with the value of the load of its key that was running when it was called or, when none
 * was, of the next load of its key (the one it started).
 */
export function expectTheirLoad({ loads, gets }: StampedeRun): void {
  for (const get of gets) {
    const { key } = get;
    const ofKey = loads.filter((call) => call.key === key);
    const running = ofKey.filter(
      (call) => call.seq < get.seq && (call.endSeq === undefined || call.endSeq > get.seq),
    );
    const started = ofKey.find((call) => call.seq > get.seq);
    const allowed = running.length > 0 ? running : started ? [started] : [];
    if (get.state === 'fulfilled' && allowed.some((call) => call.value === get.value)) continue;
    const expected =
      running.length > 0
        ? `the value of load('${key}') #${running[0].n}, in flight when it was called (${JSON.stringify(running[0].value)})`
        : `the value of a new load('${key}'), since none was in flight and ttlMs is 0${started ? ` (${JSON.stringify(started.value)})` : ', but no load followed'}`;
    throw new CheckFailure(
      `The ${get.label} called at ${get.start} ms should resolve with ${expected}, but ${get.describe()}.` +
        picture(cacheRows(loads, gets), { at: get.start, note: `${get.label} called` }),
      { concept: 'sharing one promise between callers (single flight)' },
    );
  }
}
