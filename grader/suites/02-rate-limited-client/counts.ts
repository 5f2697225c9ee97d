/** `active`, `pending` and onIdle() compared with what the requests were really doing. */
import type * as Api from '../../../exercises/02-rate-limited-client/index.ts';
import { demand, type Lab, show } from '../../lab/index.ts';
import { issue, type Job, MAX_TIMERS, pathOf, picture, spansOf } from './workload.ts';

type Client = Api.RateLimitedClient;

/**
 * Reads `active` and `pending` at each of `samples` (virtual ms) while the workload runs, and compares them with
 * what the requests were really doing then; onIdle() (called right after the get() calls, or at `idleFrom` ms)
 * must resolve when the last one settles. `aborts` maps a request's index to when its signal aborts.
 */
export async function expectExactCounts(
  lab: Lab,
  subject: Client,
  list: Job[],
  samples: number[],
  limits: string,
  options: { aborts?: Record<number, number>; idleFrom?: number } = {},
): Promise<void> {
  const readings: Array<{ at: number; active: unknown; pending: unknown }> = [];
  for (const at of samples) {
    lab.clock.labTimeout(() => readings.push({ at, active: subject.active, pending: subject.pending }), at);
  }
  const signals = list.map((_, i) => {
    const abortAt = options.aborts?.[i];
    if (abortAt === undefined) return undefined;
    const controller = lab.controller();
    lab.clock.labTimeout(() => controller.abort(new Error(`${pathOf(i)} aborted`)), abortAt);
    return controller.signal;
  });
  const { issued, done } = issue(lab, subject, list, { signals });
  let idleAt: number | undefined;
  const callOnIdle = () =>
    subject.onIdle().then(() => {
      idleAt = lab.now();
    });
  if (options.idleFrom === undefined) callOnIdle();
  else lab.clock.labTimeout(callOnIdle, options.idleFrom);
  await lab.run(done, { label: `${list.length} get() calls with ${limits}`, maxTimers: MAX_TIMERS });
  await lab.run(
    new Promise<void>((resolve) => lab.clock.labTimeout(resolve, Math.max(0, ...samples) - lab.now() + 1)),
  );
  const timeline = [...lab.http.timeline];
  const spans = spansOf(timeline, list.length);
  const lastSettled = Math.max(...issued.map((record) => record.settledAt ?? 0));
  for (const reading of readings) {
    // A reading taken within a millisecond of a start or a settle is skipped: which of them runs first inside that
    // millisecond is up to the event loop, so either count would be right. This is not slack on the rule.
    const near = (t: number | undefined) => t !== undefined && Math.abs(t - reading.at) <= 1;
    if (issued.some((record, i) => near(record.settledAt) || near(spans[i].start))) continue;
    const unsettled = issued.filter(
      (record) => !(record.settledAt !== undefined && record.settledAt < reading.at),
    );
    const active = unsettled.filter((record) => {
      const start = spans[Number(record.path.slice(2))].start;
      return start !== undefined && start < reading.at;
    }).length;
    const pending = unsettled.length - active;
    demand(
      reading.active === active && reading.pending === pending,
      () =>
        `At ${reading.at} ms (${limits}) ${active} request${active === 1 ? ' was' : 's were'} running and ${pending} ` +
        `waiting to start, so active should be ${active} and pending ${pending}, but yours said active ` +
        `${show(reading.active)} and pending ${show(reading.pending)}.` +
        picture(timeline, { at: reading.at, note: 'read here' }),
      { concept: 'counting running and waiting work', timeline },
    );
  }
  demand(
    idleAt === lastSettled,
    () =>
      `onIdle() (called ${options.idleFrom === undefined ? 'right after the get() calls' : `at ${options.idleFrom} ms`}) should resolve when the last request settles at ${lastSettled} ` +
      `ms, but it ${idleAt === undefined ? 'never resolved' : `resolved at ${idleAt} ms`}.${picture(timeline)}`,
    { concept: 'waiting for idle', timeline },
  );
}
