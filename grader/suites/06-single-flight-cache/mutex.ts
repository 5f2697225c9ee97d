/**
 * Generated contention on a Mutex: callers arrive at generated instants, hold the lock for a while and release
 * it (lock() callers call their release twice; some lock again at once, as a loop would), and some give up
 * waiting. The rules they are judged by speak of arrivals, grants and releases in virtual time.
 */
import { CheckFailure, fc, type GanttRow, type Lab } from '../../lab/index.ts';
import { type Api, picture, Sequence, sleep } from './probes.ts';

export interface Holder {
  /** Virtual ms it asks for the lock. */
  at: number;
  /** Virtual ms it holds the lock. */
  hold: number;
  style: 'lock' | 'runExclusive';
  /** lock() again as soon as it released (a loop that takes the lock each time round). */
  again: boolean;
  /** Virtual ms at which its signal aborts, if ever (lock() callers only). */
  abortAt?: number;
}

/** What one caller of lock() or runExclusive() saw. */
interface Turn {
  label: string;
  at: number;
  seq: number;
  abortAt?: number;
  reason?: unknown;
  granted?: number;
  grantSeq?: number;
  released?: number;
  releaseSeq?: number;
  rejected?: { at: number; reason: unknown };
}

const holder = (abort: boolean): fc.Arbitrary<Holder> =>
  fc
    .record({
      at: fc.integer({ min: 0, max: 200 }),
      hold: fc.integer({ min: 0, max: 100 }),
      style: abort
        ? fc.constant<'lock'>('lock')
        : fc.constantFrom<'lock' | 'runExclusive'>('lock', 'runExclusive'),
      again: abort ? fc.constant(false) : fc.boolean(),
      abortAfter: abort
        ? fc.option(fc.integer({ min: 0, max: 150 }), { nil: undefined })
        : fc.constant(undefined),
    })
    .map(({ abortAfter, ...rest }) =>
      abortAfter === undefined ? rest : { ...rest, abortAt: rest.at + abortAfter },
    );

/** Contention without aborts. */
export const contention = fc.array(holder(false), { minLength: 1, maxLength: 6 });
/** Contention where some lock() callers give up. */
export const abortedContention = fc.array(holder(true), { minLength: 1, maxLength: 6 });

export function describeHolders(holders: readonly Holder[]): string {
  return holders
    .map(
      (h, i) =>
        `#${i + 1} ${h.style}() at ${h.at} ms holding ${h.hold} ms${h.again ? ', then again' : ''}` +
        `${h.abortAt === undefined ? '' : `, aborting at ${h.abortAt} ms`}`,
    )
    .join('; ');
}

/** Runs the callers against one new Mutex; returns every turn, in the order they asked. */
export async function runHolders(api: typeof Api, lab: Lab, holders: readonly Holder[]): Promise<Turn[]> {
  const mutex = new api.Mutex();
  const sequence = new Sequence();
  const turns: Turn[] = [];
  const ask = (h: Holder, label: string) => {
    const turn: Turn = { label, at: lab.now(), seq: sequence.next(), abortAt: h.abortAt };
    turns.push(turn);
    const grant = () => Object.assign(turn, { granted: lab.now(), grantSeq: sequence.next() });
    const release = () => Object.assign(turn, { released: lab.now(), releaseSeq: sequence.next() });
    if (h.style === 'runExclusive') {
      mutex
        .runExclusive(async () => {
          grant();
          await sleep(lab, h.hold);
          release();
        })
        .catch((reason: unknown) => Object.assign(turn, { rejected: { at: lab.now(), reason } }));
      return;
    }
    let signal: AbortSignal | undefined;
    if (h.abortAt !== undefined) {
      const controller = lab.controller();
      turn.reason = new Error(`${label} gave up`);
      lab.clock.labTimeout(() => controller.abort(turn.reason), h.abortAt - lab.now());
      signal = controller.signal;
    }
    mutex.lock({ signal }).then(
      (unlock) => {
        grant();
        lab.clock.labTimeout(() => {
          release();
          unlock();
          unlock();
          if (h.again) ask({ ...h, again: false }, `${label} again`);
        }, h.hold);
      },
      (reason: unknown) => Object.assign(turn, { rejected: { at: lab.now(), reason } }),
    );
  };
  for (const [i, h] of holders.entries()) lab.clock.labTimeout(() => ask(h, `#${i + 1} ${h.style}()`), h.at);
  await lab.advance(200 + 150 + holders.length * 2 * 100 + 1);
  return turns;
}

function rows(turns: readonly Turn[]): GanttRow[] {
  return turns.flatMap((turn) => {
    const waited: GanttRow = {
      label: `${turn.label} waits`,
      start: turn.at,
      end: turn.granted ?? turn.rejected?.at,
      mark: turn.rejected ? '×' : turn.granted === undefined ? '…' : undefined,
    };
    if (turn.granted === undefined) return [waited];
    return [waited, { label: `${turn.label} holds`, start: turn.granted, end: turn.released, mark: '✓' }];
  });
}

function fail(turns: readonly Turn[], message: string, at: number, note: string, concept: string): never {
  throw new CheckFailure(`${message}${picture(rows(turns), { at, note })}`, { concept });
}

/** One holder at a time, in the order they asked, each as soon as the lock is free; nobody waits forever. */
export function expectFifoExclusion(turns: readonly Turn[]): void {
  const granted = turns
    .filter((turn) => turn.grantSeq !== undefined)
    .sort((a, b) => a.grantSeq! - b.grantSeq!);
  for (const [i, turn] of granted.entries()) {
    const previous = granted[i - 1];
    if (previous && (previous.releaseSeq === undefined || previous.releaseSeq > turn.grantSeq!)) {
      fail(
        turns,
        `${turn.label} got the lock at ${turn.granted} ms while ${previous.label} still held it: two holders at once.`,
        turn.granted!,
        'two holders',
        'mutual exclusion',
      );
    }
    const due = Math.max(turn.at, previous?.released ?? 0);
    if (turn.granted !== due) {
      fail(
        turns,
        `${turn.label} asked at ${turn.at} ms and should have got the lock at ${due} ms, when it was free, but got ` +
          `it at ${turn.granted} ms.`,
        turn.granted!,
        'granted here',
        'a lock that is never idle while someone waits',
      );
    }
  }
  const order = granted.map((turn) => turn.label);
  const expected = [...granted].sort((a, b) => a.seq - b.seq).map((turn) => turn.label);
  if (order.join() !== expected.join()) {
    fail(
      turns,
      `Waiters should get the lock first in, first out (${expected.join(', ')}), but it went to ${order.join(', ')}.`,
      0,
      'arrivals',
      'first in, first out',
    );
  }
  const stuck = turns.find((turn) => turn.granted === undefined && !turn.rejected);
  if (stuck) {
    fail(
      turns,
      `${stuck.label} asked at ${stuck.at} ms and never got the lock, though every holder released it.`,
      stuck.at,
      'waits forever',
      'a lock that is never idle while someone waits',
    );
  }
}

/**
 * A caller that aborts while waiting rejects right then with its signal's reason; every other caller still gets
 * the lock in the end.
 */
export function expectAbortsGiveUpTheirPlace(turns: readonly Turn[]): void {
  for (const turn of turns) {
    const waitingAtAbort =
      turn.abortAt !== undefined && (turn.granted === undefined || turn.granted > turn.abortAt);
    if (turn.rejected && !(turn.abortAt !== undefined && turn.rejected.reason === turn.reason)) {
      fail(
        turns,
        `${turn.label} rejected at ${turn.rejected.at} ms though it never aborted.`,
        turn.rejected.at,
        'rejected',
        'cancelling a waiter',
      );
    }
    if (waitingAtAbort && !(turn.rejected?.at === turn.abortAt && turn.rejected?.reason === turn.reason)) {
      fail(
        turns,
        `${turn.label} was still waiting when its signal aborted at ${turn.abortAt} ms, so lock() should reject ` +
          `right then with signal.reason, but it ${turn.granted !== undefined ? `got the lock at ${turn.granted} ms` : turn.rejected ? `rejected at ${turn.rejected.at} ms` : 'never settled'}.`,
        turn.abortAt!,
        'abort',
        'cancelling a waiter',
      );
    }
    if (!turn.rejected && turn.granted === undefined) {
      fail(
        turns,
        `${turn.label} asked at ${turn.at} ms and never got the lock: an aborted waiter must leave the line, and ` +
          'the lock must go on to the next one.',
        turn.at,
        'waits forever',
        'a cancelled waiter left in the line',
      );
    }
  }
}
