import { CheckFailure, defineSuite, demand, fc, show } from '../../lab/index.ts';
import { type Api, sleep } from './pool.ts';

/** withResources(): cleanups in reverse order, each awaited, errors combined like AsyncDisposableStack's. */
const { check } = defineSuite<typeof Api>('09-async-resources');

/** One registration on the stack: how, how long its cleanup takes, and whether it throws. */
interface Registration {
  kind: 'use' | 'use-sync' | 'adopt' | 'defer';
  ms: number;
  fails: boolean;
}

interface Cleanup {
  name: string;
  start: number;
  end?: number;
  error?: Error;
}

const registrationsArbitrary = fc.array(
  fc.record({
    kind: fc.constantFrom<Registration['kind']>('use', 'use-sync', 'adopt', 'defer'),
    ms: fc.integer({ min: 0, max: 100 }),
    fails: fc.boolean(),
  }),
  { minLength: 0, maxLength: 6 },
);

function describeRegistrations(registrations: readonly Registration[]): string {
  return (
    registrations.map((r, i) => `#${i} ${r.kind} (${r.ms} ms${r.fails ? ', throws' : ''})`).join(', ') ||
    'nothing registered'
  );
}

/** Runs withResources with the registrations; fn takes `fnMs` and maybe throws; records every cleanup. */
async function runStack(
  api: typeof Api,
  lab: Parameters<Parameters<typeof check>[1]>[0]['lab'],
  registrations: readonly Registration[],
  fnMs: number,
  fnFails: boolean,
) {
  const cleanups: Cleanup[] = [];
  const fnError = new Error('fn failed');
  const cleanupFor = (name: string, registration: Registration) => async () => {
    const record: Cleanup = { name, start: lab.now() };
    cleanups.push(record);
    if (registration.ms > 0) await sleep(lab, registration.ms);
    record.end = lab.now();
    if (registration.fails) {
      record.error = new Error(`cleanup ${name} failed`);
      throw record.error;
    }
  };
  let fnEnd = -1;
  const settled = await lab.settle(
    () =>
      api.withResources(async (stack) => {
        registrations.forEach((registration, i) => {
          const name = `#${i}`;
          const cleanup = cleanupFor(name, registration);
          if (registration.kind === 'use') stack.use({ name, [Symbol.asyncDispose]: cleanup });
          else if (registration.kind === 'use-sync') {
            // A synchronous disposer: its work is done when it returns (a throw is its failure).
            stack.use({
              name,
              [Symbol.dispose]: () => {
                const record: Cleanup = { name, start: lab.now(), end: lab.now() };
                cleanups.push(record);
                if (registration.fails) {
                  record.error = new Error(`cleanup ${name} failed`);
                  throw record.error;
                }
              },
            });
          } else if (registration.kind === 'adopt') stack.adopt({ name }, cleanup);
          else stack.defer(cleanup);
        });
        stack.use(null);
        stack.use(undefined);
        await sleep(lab, fnMs);
        fnEnd = lab.now();
        if (fnFails) throw fnError;
        return 'the result';
      }),
    { label: 'withResources(fn)' },
  );
  return { settled, cleanups, fnError, fnEnd };
}

function timeline(cleanups: readonly Cleanup[], fnEnd: number): string {
  const lines = cleanups.map(
    (c) => `  cleanup ${c.name}: ${c.start}–${c.end ?? '…'} ms${c.error ? ' (threw)' : ''}`,
  );
  return `\n\nfn settled at ${fnEnd} ms.\n${lines.join('\n') || '  (no cleanup ran)'}`;
}

check('with-resources-order', async ({ api, lab }) => {
  await lab.property<[Registration[], number]>(
    [
      registrationsArbitrary.map((list) => list.map((r) => ({ ...r, fails: false }))),
      fc.integer({ min: 0, max: 100 }),
    ],
    async (registrations, fnMs) => {
      const { settled, cleanups, fnEnd } = await runStack(api, lab, registrations, fnMs, false);
      const expected = registrations.map((_, i) => `#${i}`).reverse();
      demand(
        cleanups.map((c) => c.name).join(',') === expected.join(','),
        () =>
          `The cleanups should run once each, in reverse order of registration (${expected.join(', ') || 'none'}); ` +
          `they ran ${cleanups.map((c) => c.name).join(', ') || 'never'}.${timeline(cleanups, fnEnd)}`,
        { concept: 'a stack of cleanups (AsyncExitStack)' },
      );
      cleanups.forEach((cleanup, i) => {
        const due = i === 0 ? fnEnd : cleanups[i - 1].end;
        demand(
          cleanup.start === due,
          () =>
            `Each cleanup should start when the one before it has finished (the first when fn settles): cleanup ` +
            `${cleanup.name} should start at ${due} ms, but started at ${cleanup.start} ms.${timeline(cleanups, fnEnd)}`,
          { concept: 'a stack of cleanups (AsyncExitStack)' },
        );
      });
      const end = cleanups.at(-1)?.end ?? fnEnd;
      demand(
        settled.status === 'fulfilled' && settled.value === 'the result' && settled.at === end,
        () =>
          `withResources should resolve with fn's result ("the result") once the last cleanup is done, at ${end} ms; it ` +
          `${settled.status === 'fulfilled' ? `resolved with ${show(settled.value)}` : `rejected with ${show(settled.reason)}`} at ${settled.at} ms.${timeline(cleanups, fnEnd)}`,
        { concept: 'a stack of cleanups (AsyncExitStack)' },
      );
    },
    {
      examples: [
        [
          [
            { kind: 'use', ms: 30, fails: false },
            { kind: 'defer', ms: 10, fails: false },
            { kind: 'adopt', ms: 0, fails: false },
          ],
          20,
        ],
      ],
      describe: (registrations, fnMs) => `${describeRegistrations(registrations)}; fn takes ${fnMs} ms`,
    },
  );
});

/** The error AsyncDisposableStack would end with: each cleanup error wraps the one before it. */
type Expected = { error: Error } | { newer: Expected; older: Expected };

function matches(actual: unknown, expected: Expected): boolean {
  if ('error' in expected) return actual === expected.error;
  const suppressed = actual as { name?: unknown; error?: unknown; suppressed?: unknown } | null;
  return (
    suppressed?.name === 'SuppressedError' &&
    matches(suppressed.error, expected.newer) &&
    matches(suppressed.suppressed, expected.older)
  );
}

function describeExpected(expected: Expected): string {
  if ('error' in expected) return show(expected.error);
  return `SuppressedError { error: ${describeExpected(expected.newer)}, suppressed: ${describeExpected(expected.older)} }`;
}

function describeActual(actual: unknown, depth = 0): string {
  const node = actual as { name?: unknown; error?: unknown; suppressed?: unknown } | null;
  if (depth < 6 && node?.name === 'SuppressedError') {
    return `SuppressedError { error: ${describeActual(node.error, depth + 1)}, suppressed: ${describeActual(node.suppressed, depth + 1)} }`;
  }
  return show(actual);
}

check('with-resources-errors', async ({ api, lab }) => {
  await lab.property<[Registration[], boolean]>(
    [registrationsArbitrary.filter((list) => list.some((r) => r.fails)), fc.boolean()],
    async (registrations, fnFails) => {
      const { settled, cleanups, fnError, fnEnd } = await runStack(api, lab, registrations, 10, fnFails);
      demand(
        cleanups.length === registrations.length,
        () =>
          `Every cleanup should run even when fn or another cleanup throws: ${registrations.length} were registered, ` +
          `${cleanups.length} ran.${timeline(cleanups, fnEnd)}`,
        { concept: 'cleanups that always run' },
      );
      let expected: Expected | undefined = fnFails ? { error: fnError } : undefined;
      for (const cleanup of cleanups) {
        if (!cleanup.error) continue;
        const newer: Expected = { error: cleanup.error };
        expected = expected ? { newer, older: expected } : newer;
      }
      if (!expected) throw new CheckFailure('No cleanup threw: this case cannot happen.');
      const want = expected;
      demand(
        settled.status === 'rejected' && matches(settled.reason, want),
        () =>
          `withResources should reject the way AsyncDisposableStack does: each cleanup's error wraps the error so far in ` +
          `a SuppressedError (error: the new one, suppressed: the one before). Expected ${describeExpected(want)}; it ` +
          `${settled.status === 'fulfilled' ? `resolved with ${show(settled.value)}` : `rejected with ${describeActual(settled.reason)}`}.${timeline(cleanups, fnEnd)}`,
        { concept: 'errors combined as a SuppressedError' },
      );
    },
    {
      examples: [
        [
          [
            { kind: 'use', ms: 0, fails: true },
            { kind: 'defer', ms: 10, fails: true },
          ],
          true,
        ],
        [
          [
            { kind: 'adopt', ms: 0, fails: true },
            { kind: 'use-sync', ms: 0, fails: false },
          ],
          false,
        ],
      ],
      describe: (registrations, fnFails) =>
        `${describeRegistrations(registrations)}; fn ${fnFails ? 'throws' : 'resolves'}`,
    },
  );
});
