/** Aborting a request while it waits, checked against a run of the same client without it. */
import type * as Api from '../../../exercises/02-rate-limited-client/index.ts';
import { demand, type Lab, show } from '../../lab/index.ts';
import { BASE_URL, issue, type Job, MAX_TIMERS, pathOf, picture, runUnlessStuck } from './workload.ts';

type Client = Api.RateLimitedClient;

/**
 * Runs /r0 (500 ms), /r1 (aborted at `abortAt` while it waits) and /r2, after a run of the same client without /r1:
 * /r1 must reject with `reason` at once and never be sent, and /r2 must start exactly when it did without /r1.
 */
export async function expectAbortedWaiterGone(
  lab: Lab,
  reason: Error,
  scenario: { make: () => Client; abortAt: number; setting: string; waitingFor: string },
): Promise<void> {
  const { make, abortAt, setting, waitingFor } = scenario;
  const blocker: Job = { at: 0, latency: 500 };
  const follower: Job = { at: 0, latency: 100 };
  const alone = issue(lab, make(), [blocker, follower]);
  await lab.run(alone.done, { label: `get() ×2 with ${setting}`, maxTimers: MAX_TIMERS });
  const expectedStart = lab.http.timeline.find((record) => record.path === pathOf(1))?.start;
  demand(
    expectedStart !== undefined,
    `With ${setting}, two get() calls should both be sent, but /r1 never was.`,
  );

  lab.reset();
  const controller = lab.controller();
  lab.clock.labTimeout(() => controller.abort(reason), abortAt);
  const { issued, done } = issue(lab, make(), [blocker, { ...follower }, follower], {
    signals: [undefined, controller.signal],
  });
  const label = `get() ×3 with ${setting}, the second aborted at ${abortAt} ms`;
  const finished = await runUnlessStuck(lab, done, label);
  const timeline = [...lab.http.timeline];
  const aborted = issued[1];
  demand(
    aborted.status === 'rejected' && aborted.reason === reason && aborted.settledAt === abortAt,
    () =>
      `With ${setting}, /r1 was waiting for ${waitingFor} when its signal aborted at ${abortAt} ms, so its get() ` +
      `should reject right then with signal.reason, but it ${aborted.status === 'pending' ? 'never settled' : `${aborted.status === 'fulfilled' ? 'resolved' : `rejected with ${show(aborted.reason)}`} at ${aborted.settledAt} ms`}.`,
    { concept: 'cancelling a waiter', timeline },
  );
  demand(
    lab.http.hits(`${BASE_URL}${pathOf(1)}`) === 0,
    `With ${setting}, /r1 was aborted before it started, so it must never be sent, but it was.`,
    { concept: 'cancelling a waiter', timeline },
  );
  const next = timeline.find((record) => record.path === pathOf(2));
  demand(
    finished && next && next.start === expectedStart,
    () =>
      `With ${setting}, an aborted waiter should give up its place: without /r1, the request after /r0 started at ` +
      `${expectedStart} ms, so /r2 should start then too, but ${next ? `it started at ${next.start} ms` : 'it never started'}. ` +
      `Something is still holding /r1's place.${picture(timeline)}`,
    { concept: 'an aborted waiter left in the queue', timeline },
  );
}
