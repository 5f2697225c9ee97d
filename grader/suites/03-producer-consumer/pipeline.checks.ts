/** runPipeline: exactly once, concurrency, backpressure and termination. */
import type * as Api from '../../../exercises/03-producer-consumer/index.ts';
import { defineSuite, demand, fc, gantt, listMs, show } from '../../lab/index.ts';
import {
  describeProducers,
  listSchedule,
  modelRows,
  PipelineProbe,
  type ProducerSpec,
  producerSpecs,
  runForTimeline,
  runPipelineToEnd,
} from './pipeline.ts';
import { listItems, missingFrom, propertyWithExamples } from './probes.ts';

const { check } = defineSuite<typeof Api>('03-producer-consumer');

check('pipeline-exactly-once', async ({ api, lab }) => {
  await propertyWithExamples<[ProducerSpec<number>[], number, number, number[]]>(
    lab,
    [
      producerSpecs(fc.integer({ min: 0, max: 5 }), { maxProducers: 4, maxItems: 6, maxGap: 30 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 3 }),
      fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 5 }),
    ],
    async (specs, consumers, queueSize, durations) => {
      const probe = new PipelineProbe<number>(lab, {
        duration: (_, call) => durations[call % durations.length],
      });
      const producers = specs.map((spec, i) => probe.producer(i, spec));
      const label = `runPipeline(${describeProducers(specs)}, ${consumers} consumers, queueSize ${queueSize})`;
      const results = await runPipelineToEnd(
        lab,
        probe,
        () => api.runPipeline({ producers, consumers, queueSize, handle: probe.handle }),
        label,
      );
      const produced = specs.flatMap((spec) => spec.items);
      const handled = probe.calls.map((call) => call.item);
      const missing = missingFrom(produced, handled);
      const extra = missingFrom(handled, produced);
      demand(
        missing.length === 0 && extra.length === 0,
        () =>
          `Every item produced should be handled exactly once. The producers gave ${show(produced)}; handle() was ` +
          `called with ${show(handled)}` +
          `${missing.length > 0 ? `, so ${listItems(missing)} ${missing.length === 1 ? 'was' : 'were'} never handled` : ''}` +
          `${extra.length > 0 ? `${missing.length > 0 ? ' and' : ', so'} ${listItems(extra)} ${extra.length === 1 ? 'was' : 'were'} handled once too often` : ''}.` +
          probe.picture(),
        { concept: 'each item handled exactly once' },
      );
      const expected = probe.finished.map((call) => call.result);
      demand(
        Array.isArray(results) &&
          results.length === expected.length &&
          results.every((result, i) => result === expected[i]),
        () => {
          const name = (call: { call: number; item: number }) => `call ${call.call + 1} (${show(call.item)})`;
          const got = Array.isArray(results)
            ? results.map((result) => {
                const call = probe.calls[(result as { call: number })?.call];
                return call ? name(call) : show(result);
              })
            : undefined;
          return (
            `runPipeline should resolve with every handler's result in the order handling finished: ` +
            `${probe.finished.map((call) => `${name(call)} at ${call.end} ms`).join(', ') || 'none'}, but ` +
            (got
              ? `its results came from ${got.join(', ') || 'no call'}.`
              : `it resolved with ${show(results)}.`) +
            ' (handle() calls are numbered in the order they started.)'
          );
        },
        { concept: 'results in completion order' },
      );
    },
    {
      numRuns: 25,
      examples: [
        [
          [
            { kind: 'array', items: [1, 2, 2] },
            { kind: 'async', items: [3, 4], gaps: [5, 0] },
            { kind: 'generator', items: [] },
          ],
          3,
          1,
          [10, 30, 20],
        ],
      ],
      describe: (specs, consumers, queueSize, durations) =>
        `${describeProducers(specs)}; ${consumers} consumers; queueSize ${queueSize}; handlers taking ${listMs(durations)} in turn`,
    },
  );
});

check('pipeline-consumers-concurrent', async ({ api, lab }) => {
  await lab.property(
    [
      fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 10 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 4 }),
    ],
    async (durations, consumers, queueSize) => {
      const items = durations.map((_, i) => `item ${i}`);
      const probe = new PipelineProbe<string>(lab, { duration: (item) => durations[items.indexOf(item)] });
      const label = `runPipeline(${items.length} items, ${consumers} consumers, queueSize ${queueSize})`;
      await runForTimeline(
        lab,
        () => api.runPipeline({ producers: [items], consumers, queueSize, handle: probe.handle }),
        label,
      );
      const badIndex = probe.calls.find(
        (call) =>
          !Number.isInteger(call.consumer) ||
          (call.consumer as number) < 0 ||
          (call.consumer as number) >= consumers,
      );
      demand(
        badIndex === undefined,
        () =>
          `handle(item, consumer) should get the 0-based index of its consumer (0 to ${consumers - 1}), but ${show(badIndex?.item)} was handled by consumer ${show(badIndex?.consumer)}.`,
        { concept: 'consumer indices' },
      );
      const clash = probe.calls.find((call) =>
        probe.calls.some(
          (other) =>
            other !== call &&
            other.consumer === call.consumer &&
            other.start < (call.end ?? Infinity) &&
            call.start < (other.end ?? Infinity),
        ),
      );
      demand(
        clash === undefined,
        () =>
          `Each consumer handles one item at a time, but consumer ${show(clash?.consumer)} was handling two at once.${probe.picture()}`,
        { concept: 'consumer indices' },
      );
      const model = listSchedule(durations, consumers);
      const late = items.findIndex((item, i) => {
        const call = probe.calls.find((candidate) => candidate.item === item);
        return call === undefined || call.start !== model[i].start;
      });
      const total = Math.max(...model.map((slot) => slot.end));
      demand(
        late === -1,
        () => {
          const started = probe.calls.find((call) => call.item === items[late]);
          return (
            `With ${consumers} consumer${consumers === 1 ? '' : 's'}, each free consumer should take the next item at once, so ` +
            `${items[late]} should start at ${model[late].start} ms and everything be done at ${total} ms, but ` +
            `${items[late]} ${started ? `started at ${started.start} ms` : 'never started'}.\n\nYours:${probe.picture()}\n\nExpected:\n\n` +
            gantt(modelRows(model, items), { maxRows: 16 })
          );
        },
        { concept: 'consumers that really run concurrently' },
      );
    },
    {
      numRuns: 25,
      describe: (durations, consumers, queueSize) =>
        `one producer of ${durations.length} items taking ${listMs(durations)}; ${consumers} consumers; queueSize ${queueSize}`,
    },
  );
  // The producers' pace varies too: async producers that take their time before each item. With a free consumer for
  // every item, each item is handled the moment its producer yields it, however slow the other producers are.
  await propertyWithExamples<[number[][], number]>(
    lab,
    [
      fc.array(fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 4 }), {
        minLength: 2,
        maxLength: 3,
      }),
      fc.integer({ min: 1, max: 3 }),
    ],
    async (gapLists, queueSize) => {
      const specs: ProducerSpec<number>[] = gapLists.map((gaps, p) => ({
        kind: 'async',
        items: gaps.map((_, i) => 10 * (p + 1) + i),
        gaps,
      }));
      const due = new Map<number, number>();
      for (const spec of specs) {
        let at = 0;
        for (const [i, item] of spec.items.entries()) {
          at += spec.gaps?.[i] ?? 0;
          due.set(item, at);
        }
      }
      const consumers = due.size;
      const probe = new PipelineProbe<number>(lab, { duration: (item) => 5 + (item % 10) * 20 });
      const producers = specs.map((spec, i) => probe.producer(i, spec));
      const label = `runPipeline(${describeProducers(specs)}, ${consumers} consumers, queueSize ${queueSize})`;
      await runForTimeline(
        lab,
        () => api.runPipeline({ producers, consumers, queueSize, handle: probe.handle }),
        label,
      );
      const late = [...due].find(
        ([item, at]) => probe.calls.find((call) => call.item === item)?.start !== at,
      );
      demand(
        late === undefined,
        () => {
          const [item, at] = late ?? [0, 0];
          const started = probe.calls.find((call) => call.item === item);
          return (
            `Producers are read side by side, so a slow producer holds back no other, and with a free consumer for ` +
            `every item each item is handled the moment its producer yields it: ${show(item)} at ${at} ms. Yours ` +
            `${started ? `started handling ${show(item)} at ${started.start} ms` : `never handled ${show(item)}`}.` +
            probe.picture()
          );
        },
        { concept: 'consumers that really run concurrently' },
      );
    },
    {
      numRuns: 15,
      examples: [
        [
          [
            [30, 30],
            [0, 10],
          ],
          1,
        ],
      ],
      describe: (gapLists, queueSize) =>
        `${gapLists.length} async producers waiting before each of their items (` +
        `${gapLists.map((gaps, p) => `the ${['first', 'second', 'third'][p]} ${listMs(gaps)}`).join('; ')}); ` +
        `a consumer per item; queueSize ${queueSize}`,
    },
  );
});

check('pipeline-bounded', async ({ api, lab }) => {
  const fixed = { producers: 1, items: 20, consumers: 1, queueSize: 2 };
  const plan = fc.record({
    producers: fc.integer({ min: 1, max: 3 }),
    items: fc.integer({ min: 8, max: 15 }),
    consumers: fc.integer({ min: 1, max: 3 }),
    queueSize: fc.integer({ min: 1, max: 3 }),
  });
  await propertyWithExamples(
    lab,
    [plan],
    async ({ producers, items, consumers, queueSize }) => {
      const probe = new PipelineProbe<string>(lab, { duration: () => 50 });
      const kinds = ['iterable', 'generator', 'async'] as const;
      const sources = Array.from({ length: producers }, (_, p) =>
        probe.producer(p, {
          kind: kinds[p % kinds.length],
          items: Array.from({ length: items }, (_, i) => `p${p}-${i}`),
          gaps: Array.from({ length: items }, () => 0),
        }),
      );
      const label = `runPipeline(${producers} producer${producers === 1 ? '' : 's'} of ${items} items, ${consumers} consumers, queueSize ${queueSize})`;
      await runForTimeline(
        lab,
        () => api.runPipeline({ producers: sources, consumers, queueSize, handle: probe.handle }),
        label,
      );
      const limit = queueSize + producers + consumers;
      const worst = probe.pulls.reduce((max, pull) => (pull.ahead > max.ahead ? pull : max), probe.pulls[0]);
      demand(
        worst === undefined || worst.ahead <= limit,
        () =>
          `Producers should be read only as fast as the queue lets them: at most queueSize (${queueSize}) items wait ` +
          `in the queue, plus one per producer waiting to put it and one per consumer about to handle it, so at most ` +
          `${limit} items may be read ahead of the handlers. Yours had read ${worst.ahead} items more than it had ` +
          `started handling at ${worst.at} ms (when it read ${show(worst.item)}).${probe.picture({ at: worst.at, note: `${worst.ahead} items read ahead (limit ${limit})` })}`,
        { concept: 'backpressure' },
      );
    },
    {
      numRuns: 15,
      // Three producers and one consumer: one item read ahead per producer goes past the bound.
      examples: [[fixed], [{ producers: 3, items: 8, consumers: 1, queueSize: 1 }]],
      describe: ({ producers, items, consumers, queueSize }) =>
        `${producers} producers of ${items} items, ${consumers} consumers taking 50 ms per item, queueSize ${queueSize}`,
    },
  );
});

check('pipeline-always-finishes', async ({ api, lab }) => {
  const classic: Array<{ specs: ProducerSpec<number>[]; consumers: number; queueSize: number }> = [
    { specs: [{ kind: 'array', items: [1, 2] }], consumers: 3, queueSize: 1 },
    { specs: [], consumers: 4, queueSize: 2 },
    {
      specs: [
        { kind: 'array', items: [] },
        { kind: 'generator', items: [] },
      ],
      consumers: 2,
      queueSize: 1,
    },
  ];
  const mix = fc.record({
    specs: producerSpecs(fc.integer({ min: 0, max: 9 }), { maxProducers: 4, maxItems: 5, maxGap: 20 }),
    consumers: fc.integer({ min: 1, max: 6 }),
    queueSize: fc.integer({ min: 1, max: 3 }),
  });
  await propertyWithExamples(
    lab,
    [mix],
    async ({ specs, consumers, queueSize }) => {
      const probe = new PipelineProbe<number>(lab, { duration: (item) => 5 + item * 3 });
      const producers = specs.map((spec, i) => probe.producer(i, spec));
      const signal = lab.controller().signal;
      const label = `runPipeline(${describeProducers(specs)}, ${consumers} consumers, queueSize ${queueSize})`;
      await runPipelineToEnd(
        lab,
        probe,
        () => api.runPipeline({ producers, consumers, queueSize, handle: probe.handle, signal }),
        label,
      );
      lab.expectNothingPending(label);
    },
    {
      numRuns: 20,
      examples: classic.map((example) => [example]),
      describe: ({ specs, consumers, queueSize }) =>
        `${describeProducers(specs)}; ${consumers} consumers; queueSize ${queueSize}`,
    },
  );
});
