/** runPipeline: the first error (from a handler or a producer) or an abort stops everything. */
import type * as Api from '../../../exercises/03-producer-consumer/index.ts';
import { defineSuite, demand, type Lab, show } from '../../lab/index.ts';
import { PipelineProbe, settlePipeline } from './pipeline.ts';
import { sleep } from './probes.ts';

const { check } = defineSuite<typeof Api>('03-producer-consumer');

check('pipeline-stops-on-error', async ({ api, lab }) => {
  await expectStop(lab, {
    title: 'a handler fails',
    run: (probe, signal) =>
      api.runPipeline({
        producers: [Array.from({ length: 10 }, (_, i) => i)],
        consumers: 3,
        queueSize: 2,
        handle: probe.handle,
        signal,
      }),
    // Item 2 fails last, after item 0 ends: a pipeline that keeps the last error, not the first, rejects with it.
    durations: { 0: 60, 1: 30, 2: 100 },
    failures: { 1: new Error('handler failed on 1'), 2: new Error('handler failed on 2 as well') },
    stopAt: 30,
    settleAt: 100,
    reason: (probe) => probe.failure(1),
    said: 'The handler of item 1 failed at 30 ms (and the one of item 2 at 100 ms)',
  });

  const producerError = new Error('the producer failed');
  await expectStop(lab, {
    title: 'a producer fails',
    run: (probe, signal, lab) =>
      api.runPipeline({
        producers: [
          (async function* () {
            yield 100;
            yield 101;
            await sleep(lab, 40);
            throw producerError;
          })(),
          // Its items arrive after the failure: a pipeline that does not stop would still handle them.
          (async function* () {
            await sleep(lab, 60);
            yield 102;
            yield 103;
          })(),
        ],
        consumers: 2,
        queueSize: 1,
        handle: probe.handle,
        signal,
      }),
    durations: {},
    failures: {},
    stopAt: 40,
    settleAt: 100,
    reason: () => producerError,
    said: 'A producer threw at 40 ms',
  });

  // A producer busy with its next item when a handler fails cannot be interrupted: runPipeline waits for that item
  // too, handles it not, asks that producer for nothing more and closes it, as leaving a for await loop does.
  const slow = { resumed: false, closed: false };
  await expectStop(lab, {
    title: 'a handler fails while a producer is busy',
    run: (probe, signal, lab) => {
      Object.assign(slow, { resumed: false, closed: false });
      return api.runPipeline({
        producers: [
          (async function* () {
            try {
              yield 0;
              yield 1;
              await sleep(lab, 200);
              yield 2;
              slow.resumed = true;
              yield 3;
            } finally {
              slow.closed = true;
            }
          })(),
        ],
        consumers: 2,
        queueSize: 1,
        handle: probe.handle,
        signal,
      });
    },
    durations: { 0: 30, 1: 100 },
    failures: { 0: new Error('handler failed on 0') },
    stopAt: 30,
    settleAt: 200,
    reason: (probe) => probe.failure(0),
    said: 'The handler of item 0 failed at 30 ms, while the producer was busy with its next item until 200 ms',
    waited:
      'the handler still running (until 100 ms) and for the producer busy with its next item, which nothing can ' +
      'interrupt (until 200 ms)',
  });
  demand(
    !slow.resumed && slow.closed,
    () =>
      `After the first error runPipeline should ask a producer for nothing more, and close it (call its return(), as ` +
      `leaving a for await loop does) so that its finally blocks run, but yours ` +
      `${slow.resumed ? 'asked the producer for another item after 200 ms' : 'never closed the producer'}.`,
    { concept: 'asyncio.TaskGroup, where the first error stops everything' },
  );

  const abortReason = new Error('stopped by the caller');
  await expectStop(lab, {
    title: 'the signal aborts',
    run: (probe, signal, lab) => {
      lab.clock.labTimeout(() => probe.controller.abort(abortReason), 50);
      return api.runPipeline({
        producers: [Array.from({ length: 10 }, (_, i) => i)],
        consumers: 2,
        queueSize: 2,
        handle: probe.handle,
        signal,
      });
    },
    durations: { 1: 70 },
    failures: {},
    stopAt: 50,
    settleAt: 100,
    reason: () => abortReason,
    said: 'The signal aborted at 50 ms',
  });

  lab.reset();
  const early = lab.controller();
  early.abort(abortReason);
  const probe = new PipelineProbe<number>(lab, { duration: () => 10 });
  const settled = await settlePipeline(
    lab,
    probe,
    () =>
      api.runPipeline({
        producers: [[1, 2, 3]],
        consumers: 2,
        queueSize: 1,
        handle: probe.handle,
        signal: early.signal,
      }),
    'runPipeline({ signal: alreadyAborted })',
  );
  demand(
    settled.status === 'rejected' && settled.reason === abortReason && probe.calls.length === 0,
    () =>
      `With a signal that is already aborted, runPipeline should reject with signal.reason and handle nothing, but it ` +
      `${settled.status === 'rejected' ? `rejected with ${show(settled.reason)}` : 'resolved'} after handling ${probe.calls.length} item(s).`,
    { concept: 'asyncio.TaskGroup, where the first error stops everything' },
  );
});

interface StopScenario {
  title: string;
  run(probe: StopProbe, signal: AbortSignal, lab: Lab): Promise<unknown>;
  /** Handling times by item; 100 ms otherwise. */
  durations: Record<number, number>;
  failures: Record<number, Error>;
  /** When the first error or the abort happens. */
  stopAt: number;
  /** When the handlers running at `stopAt` have all settled. */
  settleAt: number;
  reason(probe: StopProbe): unknown;
  said: string;
  /** What runPipeline waits for before it rejects; the handlers still running by default. */
  waited?: string;
}

class StopProbe extends PipelineProbe<number> {
  readonly controller: AbortController;
  readonly #failures: Record<number, Error>;
  constructor(lab: Lab, scenario: StopScenario) {
    super(lab, {
      duration: (item) => scenario.durations[item] ?? 100,
      failure: (item) => scenario.failures[item],
    });
    this.#failures = scenario.failures;
    this.controller = lab.controller();
  }
  failure(item: number): Error | undefined {
    return this.#failures[item];
  }
}

/** Runs one stop scenario: nothing starts after `stopAt`, running handlers settle, then it rejects with the reason. */
async function expectStop(lab: Lab, scenario: StopScenario): Promise<void> {
  lab.reset();
  const probe = new StopProbe(lab, scenario);
  const label = `runPipeline (${scenario.title})`;
  const settled = await settlePipeline(
    lab,
    probe,
    () => scenario.run(probe, probe.controller.signal, lab),
    label,
    {
      hint:
        'After the first error nothing may stay waiting: stop the producers and the consumers waiting in get(). ' +
        'If you wait on queue.join(), call taskDone() in a `finally`, so an item whose handler threw is marked ' +
        'done too.',
      concept: 'task_done() outside a finally',
    },
  );
  const reason = scenario.reason(probe);
  const marker = { at: scenario.stopAt, note: `${scenario.title} here` };
  demand(
    settled.status === 'rejected' && settled.reason === reason,
    () =>
      `${scenario.said}, so runPipeline should reject with ${show(reason)}, but it ` +
      `${settled.status === 'rejected' ? `rejected with ${show(settled.reason)}` : 'resolved'} at ${settled.at} ms.${probe.picture(marker)}`,
    { concept: 'asyncio.TaskGroup, where the first error stops everything' },
  );
  const startedAfter = probe.calls.filter((call) => call.start >= scenario.stopAt);
  demand(
    startedAfter.length === 0,
    () =>
      `${scenario.said}: from then on nothing new should start, but handle() was called for ` +
      `${startedAfter.map((call) => `${show(call.item)} at ${call.start} ms`).join(', ')}.${probe.picture(marker)}`,
    { concept: 'asyncio.TaskGroup, where the first error stops everything' },
  );
  demand(
    settled.at === scenario.settleAt,
    () =>
      `${scenario.said}. runPipeline should wait for ${scenario.waited ?? 'the handlers still running'}, and reject ` +
      `when the last of them settles at ${scenario.settleAt} ms, but it rejected at ${settled.at} ms.${probe.picture(marker)}`,
    { concept: 'asyncio.TaskGroup, where the first error stops everything' },
  );
  lab.expectNothingPending(label);
}
