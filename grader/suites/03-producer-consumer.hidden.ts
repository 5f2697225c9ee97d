import type * as Api from '../../exercises/03-producer-consumer/index.ts';
import { defineSuite, demand, show } from '../lab/index.ts';
import { listItems } from './03-producer-consumer/probes.ts';

/** Hidden checks of exercise 03: graded on push, left out of the student template. */
const { check } = defineSuite<typeof Api>('03-producer-consumer');

/** How `make()` failed, or undefined when it did not throw. */
function thrown(make: () => unknown): unknown {
  try {
    make();
    return undefined;
  } catch (error) {
    return error;
  }
}

const names = (error: unknown, option: string) =>
  error instanceof TypeError && error.message.includes(option);

check('bad-arguments', async ({ api, lab }) => {
  const badSizes = [0, -1, 1.5, Number.NaN, '2'];
  const accepted = badSizes.filter(
    (size) =>
      !names(
        thrown(() => new api.AsyncQueue(size as number)),
        'maxSize',
      ),
  );
  demand(
    accepted.length === 0,
    () =>
      `new AsyncQueue(maxSize) should throw a TypeError whose message names \`maxSize\` unless maxSize is a ` +
      `positive integer or Infinity, but ${listItems(accepted)} did not (${show(thrown(() => new api.AsyncQueue(accepted[0] as number)))}).`,
    { concept: 'validating options' },
  );
  for (const size of [1, 7, Number.POSITIVE_INFINITY, undefined]) {
    const error = thrown(() => new api.AsyncQueue(size));
    demand(error === undefined, `new AsyncQueue(${show(size)}) is fine, but it threw ${show(error)}.`);
  }
  const unbounded = new api.AsyncQueue<number>();
  await lab.run(() => Promise.all(Array.from({ length: 100 }, (_, i) => unbounded.put(i))), {
    label: 'put() 100 times on new AsyncQueue()',
  });
  demand(
    unbounded.size === 100 && lab.now() === 0,
    `new AsyncQueue() has no limit (maxSize Infinity), so 100 puts should all finish at once, but size was ${unbounded.size} at ${lab.now()} ms.`,
  );

  const handle = async (item: number) => item;
  const bad: Array<[option: 'consumers' | 'queueSize', value: unknown]> = [
    ['consumers', 0],
    ['consumers', -2],
    ['consumers', 2.5],
    ['consumers', Number.NaN],
    ['consumers', '3'],
    ['queueSize', 0],
    ['queueSize', 1.5],
    ['queueSize', -1],
  ];
  for (const [option, value] of bad) {
    const options = { producers: [[1, 2]], consumers: 2, queueSize: 2, handle, [option]: value };
    const settled = await lab.settle(() => api.runPipeline(options as Api.PipelineOptions<number, number>), {
      label: `runPipeline({ ${option}: ${show(value)} })`,
    });
    const reason = settled.status === 'rejected' ? settled.reason : undefined;
    demand(
      names(reason, option),
      `runPipeline({ ${option}: ${show(value)}, … }) should throw (or reject with) a TypeError whose message names ` +
        `\`${option}\`, but it ${settled.status === 'fulfilled' ? 'resolved' : `rejected with ${show(reason)}`}.`,
      { concept: 'validating options' },
    );
  }
});
