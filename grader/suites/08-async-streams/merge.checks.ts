import { defineSuite, demand, fc, type GanttRow, gantt, show, TOLERANCE_MS } from '../../lab/index.ts';
import { busyArbitrary } from './pages.ts';
import {
  type Api,
  type Consumed,
  consume,
  describePacing,
  endedWith,
  type RecordedSource,
  recordedSource,
} from './streams.ts';

/** merge(): first ready, first out; one value asked for ahead per source; every source closed when it stops. */
const { check } = defineSuite<typeof Api>('08-async-streams');

const NAMES = ['a', 'b', 'c', 'd'];

/** Per source: the latency of each of its values (its length is how many values it has). */
const sourcesArbitrary = fc.array(
  fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 0, maxLength: 4 }),
  {
    minLength: 1,
    maxLength: 4,
  },
);

function describeSources(latencies: readonly (readonly number[])[]): string {
  return latencies
    .map((list, s) => `${NAMES[s]}: ${list.length === 0 ? 'empty' : `${list.join(', ')} ms`}`)
    .join('; ');
}

function mount(
  lab: Parameters<Parameters<typeof check>[1]>[0]['lab'],
  latencies: readonly (readonly number[])[],
  failure?: { source: number; at: number; error: unknown },
) {
  return latencies.map((list, s) =>
    recordedSource(
      lab,
      NAMES[s],
      list.map((_, k) => `${NAMES[s]}${k}`),
      list,
      failure?.source === s ? { at: failure.at, error: failure.error } : undefined,
    ),
  );
}

/** The pull that produced `value` (`b2` is the third pull of b). */
function readyAt(sources: readonly RecordedSource<string>[], value: string): number | undefined {
  const source = sources[NAMES.indexOf(value[0])];
  return source?.pulls[Number(value.slice(1))]?.end;
}

function picture(sources: readonly RecordedSource<string>[], consumed: Consumed<string>): string {
  const rows: GanttRow[] = sources.flatMap((source) =>
    source.pulls.map((pull, k) => ({
      label: `${source.name}.next() ${pull.done ? '(end)' : `→ ${source.name}${k}`}`,
      start: pull.start,
      end: pull.end,
      mark: '✓' as const,
    })),
  );
  return `\n\n${gantt(rows, { maxRows: 24 })}\nThe consumer got ${consumed.got.map((g) => `${g.value} at ${g.at} ms`).join(', ') || 'nothing'}.`;
}

check('merge-fair-order', async ({ api, lab }) => {
  await lab.property(
    [sourcesArbitrary, busyArbitrary],
    async (latencies, busy) => {
      const sources = mount(lab, latencies);
      const label = `merge(${sources.map((s) => s.name).join(', ')})`;
      const consumed = await lab.run(() => consume(lab, api.merge(...sources), { busy }), {
        label: `for await (… of ${label})`,
      });
      const values = consumed.got.map((entry) => entry.value);
      const all = latencies.flatMap((list, s) => list.map((_, k) => `${NAMES[s]}${k}`));
      demand(
        consumed.how === 'done' && show([...values].sort(), 10_000) === show(all.sort(), 10_000),
        () =>
          `${label} should yield every value of every source once, then end; the loop ${endedWith(consumed)} and saw ${show(values)}.${picture(sources, consumed)}`,
        { concept: 'merging async iterables' },
      );
      values.forEach((value, i) => {
        const later = values
          .slice(i + 1)
          .find((other) => (readyAt(sources, other) ?? Infinity) < (readyAt(sources, value) ?? Infinity));
        demand(
          later === undefined,
          () =>
            `${label} should hand values out first ready, first out: ${show(later)} was ready at ${readyAt(sources, later as string)} ms, ` +
            `before ${show(value)} (${readyAt(sources, value)} ms), yet came after it. Racing the sources in a fixed order lets ` +
            `the first ones starve the others.${picture(sources, consumed)}`,
          { concept: 'fairness between sources' },
        );
      });
      for (const source of sources) {
        source.pulls.forEach((pull, k) => {
          const due =
            k === 0 ? consumed.asks[0] : consumed.got.find((g) => g.value === `${source.name}${k - 1}`)?.at;
          demand(
            due !== undefined && Math.abs(pull.start - due) <= TOLERANCE_MS,
            () =>
              `${label} should ask ${source.name} for its next value once its previous one has been handed out (one value ` +
              `ahead per source, no more, no less): ${source.name}.next() number ${k + 1} should start at ${due} ms, but it ` +
              `started at ${pull.start} ms.${picture(sources, consumed)}`,
            { concept: 'back-pressure, where the consumer sets the pace' },
          );
        });
      }
    },
    {
      examples: [
        [
          [
            [10, 10, 10],
            [50, 50],
          ],
          [300],
        ],
        [[[5], [5], [5]], [0]],
      ],
      describe: (latencies, busy) => `sources ${describeSources(latencies)}, ${describePacing({ busy })}`,
    },
  );
});

check('merge-stops-sources', async ({ api, lab }) => {
  await lab.property(
    [sourcesArbitrary, busyArbitrary, fc.integer({ min: 0, max: 5 }), fc.boolean()],
    async (latencies, busy, stopAfter, failing) => {
      const total = latencies.reduce((sum, list) => sum + list.length, 0);
      const error = new Error('source failed');
      const failer = latencies.findIndex((list) => list.length > 0);
      const fails = failing && failer !== -1;
      const sources = mount(
        lab,
        latencies,
        fails ? { source: failer, at: latencies[failer].length - 1, error } : undefined,
      );
      const label = `merge(${sources.map((s) => s.name).join(', ')})`;
      const stop = fails ? undefined : Math.min(stopAfter, total - 1);
      const consumed = await lab.run(
        () =>
          consume(lab, api.merge(...sources), {
            busy,
            stopAfter: stop === undefined || stop < 1 ? undefined : stop,
          }),
        { label: `for await (… of ${label})` },
      );
      if (fails) {
        demand(
          consumed.how === 'error' && consumed.error === error,
          () =>
            `Source ${NAMES[failer]} rejects with ${show(error)}; ${label} should throw that very error, but the loop ${endedWith(consumed)}.${picture(sources, consumed)}`,
          { concept: 'merging async iterables' },
        );
      } else if (consumed.how !== 'stopped') {
        return;
      }
      const stoppedAt = consumed.stoppedAt ?? consumed.endedAt;
      const what = fails
        ? `source ${NAMES[failer]} failed and ${label} threw`
        : `the consumer broke out of the loop`;
      for (const [s, source] of sources.entries()) {
        const finished = source.pulls.some((pull) => pull.done) || (fails && s === failer);
        demand(
          finished || (source.returns.length === 1 && source.returns[0] >= stoppedAt - TOLERANCE_MS),
          () =>
            `When ${what} (at ${stoppedAt} ms), ${label} should close every source that has not ended by calling its ` +
            `return() once; ${source.name}.return() was called ${source.returns.length} times${source.returns.length ? ` (at ${source.returns.join(', ')} ms)` : ''}.${picture(sources, consumed)}`,
          { concept: 'cleanup in an async generator (try/finally)' },
        );
        const late = source.pulls.find((pull) => pull.start > stoppedAt);
        demand(
          late === undefined,
          () =>
            `When ${what} (at ${stoppedAt} ms), no source should be asked for more, but ${source.name}.next() was called at ${late?.start} ms.${picture(sources, consumed)}`,
          { concept: 'cleanup in an async generator (try/finally)' },
        );
      }
      lab.expectNothingPending(`the for await loop over ${label}`);
    },
    {
      examples: [
        [
          [
            [10, 10, 10],
            [50, 50],
          ],
          [0],
          2,
          false,
        ],
        [
          [
            [10, 300],
            [50, 50, 50],
          ],
          [0],
          0,
          true,
        ],
      ],
      describe: (latencies, busy, stopAfter, failing) =>
        `sources ${describeSources(latencies)}, ${failing ? 'the first non-empty source failing on its last value' : `breaking after ${stopAfter} values`}, ${describePacing({ busy })}`,
    },
  );
  lab.reset();
  const plain = recordedSource(lab, 'a', ['a0', 'a1', 'a2'], [10], undefined, { withReturn: false });
  const other = recordedSource(lab, 'b', ['b0', 'b1', 'b2'], [15]);
  const consumed = await lab.run(() => consume(lab, api.merge(plain, other), { busy: [0], stopAfter: 1 }), {
    label: 'for await (… of merge(a, b)) with a break, a having no return()',
  });
  demand(
    consumed.how === 'stopped' && other.returns.length === 1,
    () =>
      `Source a has no return() method (many hand-written iterators do not): a break should still end the loop and ` +
      `close b; the loop ${endedWith(consumed)} and b.return() was called ${other.returns.length} times.`,
    { concept: 'cleanup in an async generator (try/finally)' },
  );
});
