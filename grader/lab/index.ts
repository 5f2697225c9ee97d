/**
 * The virtual-time lab: what every suite imports. Runs inside vitest workers.
 *
 * - `defineSuite(id)` → `check(id, async ({ api, lab }) => ...)`: one manifest check as one test.
 * - `lab.http`: routes with latency, status, body and failures; `lab.http.timeline` records every request.
 * - `lab.run(promise)` / `lab.settle(promise)`: advance virtual time until the student's promise settles.
 * - `lab.property(arbitraries, body)`: fast-check over generated workloads, a fresh clock per run.
 * - `expect(timeline).toNeverExceedInFlight(n)` and friends: timing rules with messages for students.
 * - `siteArbitrary()` / `mountSite()`: generated multi-host websites for crawler exercises.
 */
import './matchers.ts';

export * as fc from 'fast-check';
export type { AdvanceOptions, PendingTimer, Settled } from './clock.ts';
export { CheckFailure, demand, show } from './failure.ts';
export { type GanttRow, gantt, requestRows } from './gantt.ts';
export type { Reply, ReplyFn, RouteSpec } from './http.ts';
export { Lab, type PropertyOptions } from './lab.ts';
export { TOLERANCE_MS } from './matchers.ts';
export {
  describeSite,
  mountSite,
  OFFSITE_ORIGIN,
  pageHtml,
  SITE_ORIGINS,
  type Site,
  type SiteHost,
  type SitePage,
  type SiteShape,
  siteArbitrary,
} from './sites.ts';
export { type CheckContext, type CheckMeta, defineSuite, includeHiddenChecks } from './suite.ts';
export {
  listMs,
  makespan,
  maxOverlap,
  maxStartsInWindow,
  minGapByOrigin,
  type RequestRecord,
  type Span,
} from './timeline.ts';
