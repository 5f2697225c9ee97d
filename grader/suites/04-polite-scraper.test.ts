import type * as Api from '../../exercises/04-polite-scraper/index.ts';
import { defineSuite, demand, fc, includeHiddenChecks, type Lab, show, TOLERANCE_MS } from '../lab/index.ts';
import {
  describeSite,
  mountSite,
  OFFSITE_ORIGIN,
  type Site,
  type SiteShape,
  siteArbitrary,
} from '../lab/sites.ts';
import { compareReport } from './04-polite-scraper/report.ts';
import {
  expectBudget,
  expectInFlightAtMost,
  expectNoDuplicates,
  expectNoIdle,
  expectRetryAfter,
  expectRobotsFirst,
  expectSpacing,
} from './04-polite-scraper/rules.ts';
import * as sites from './04-polite-scraper/scenarios.ts';
import {
  type CrawlRun,
  crawlSite,
  expectFetched,
  expectSkipped,
  picture,
  readReport,
  showOptions,
  skipReason,
  times,
  UA,
} from './04-polite-scraper/support.ts';

const { check } = defineSuite<typeof Api>('04-polite-scraper');
const { A, B, C, D } = sites;

type Range = readonly [min: number, max: number];

/**
 * Crawls `runs` generated sites of `shape`, with perHostDelayMs and maxConcurrency drawn from their ranges, and
 * hands each finished run to `expectation`.
 */
async function onGeneratedSites(
  lab: Lab,
  crawl: typeof Api.crawl,
  generate: { shape: SiteShape; delay: Range; slots: Range; runs: number },
  expectation: (run: CrawlRun, site: Site) => void,
): Promise<void> {
  const { shape, delay, slots, runs } = generate;
  await lab.property(
    [
      siteArbitrary(shape),
      fc.integer({ min: delay[0], max: delay[1] }),
      fc.integer({ min: slots[0], max: slots[1] }),
    ],
    async (site, perHostDelayMs, maxConcurrency) => {
      expectation(await crawlSite(lab, crawl, site, { perHostDelayMs, maxConcurrency }), site);
    },
    {
      numRuns: runs,
      describe: (site, perHostDelayMs, maxConcurrency) =>
        `perHostDelayMs: ${perHostDelayMs}, maxConcurrency: ${maxConcurrency} on this site:\n${describeSite(site)}`,
    },
  );
}

check('robots-once-first', async ({ api, lab }) => {
  await crawlSite(lab, api.crawl, sites.burst, { perHostDelayMs: 100, maxConcurrency: 4 });
  expectRobotsFirst(lab);
  const shape = {
    pages: [2, 5],
    extraLinks: [1, 4],
    latency: [1, 300],
    robotsLatency: [100, 700],
    startEverywhere: true,
  } as const;
  await onGeneratedSites(lab, api.crawl, { shape, delay: [50, 400], slots: [1, 4], runs: 10 }, () =>
    expectRobotsFirst(lab),
  );
});

check('robots-rules', async ({ api, lab }) => {
  const { report } = await crawlSite(lab, api.crawl, sites.rules, { perHostDelayMs: 50 });
  expectFetched(
    lab,
    report,
    `${A}/`,
    'robots.txt allows it: only the group for AwaitlingsBot applies to your crawler (user-agent names compare ' +
      'case-insensitively), and `Disallow: /` under `User-agent: *` is for the others',
  );
  for (const [path, why] of Object.entries(sites.robotsForbids)) {
    expectSkipped(lab, report, `${A}${path}`, 'robots', `robots.txt forbids it: ${why}`);
  }
  for (const [path, why] of Object.entries(sites.robotsAllows)) {
    expectFetched(lab, report, `${A}${path}`, `robots.txt allows it: ${why}`);
  }
});

check('robots-unavailable', async ({ api, lab }) => {
  const { report } = await crawlSite(lab, api.crawl, sites.unavailable, { perHostDelayMs: 100 });
  for (const url of [`${A}/`, `${A}/a1`]) {
    expectFetched(
      lab,
      report,
      url,
      'its robots.txt answered 404: there are no rules, so everything is allowed',
    );
  }
  for (const url of [`${D}/`, `${D}/d1`]) {
    expectFetched(lab, report, url, 'its robots.txt answered 403, and any 4xx means there are no rules');
  }
  const serverError = 'RFC 9309 says a server error means the whole host may not be crawled';
  expectSkipped(lab, report, `${B}/`, 'robots', `its robots.txt answered 500, and ${serverError}`);
  expectSkipped(
    lab,
    report,
    `${C}/`,
    'robots',
    `its robots.txt could not be fetched at all, and ${serverError}`,
  );
  // Found by /a1, after those robots.txt files answered: the hosts stay off limits for the whole crawl.
  const later = 'it was found after its robots.txt had answered';
  expectSkipped(lab, report, `${B}/b2`, 'robots', `${later} 500, and ${serverError}`);
  expectSkipped(lab, report, `${C}/c2`, 'robots', `${later} with a network failure, and ${serverError}`);
});

check('per-host-spacing', async ({ api, lab }) => {
  const defaults = await crawlSite(lab, api.crawl, sites.crawlDelay, {});
  expectSpacing(lab, defaults.model);
  const shape = { pages: [2, 5], latency: [1, 800], crawlDelay: [100, 900], startEverywhere: true } as const;
  await onGeneratedSites(lab, api.crawl, { shape, delay: [50, 500], slots: [1, 4], runs: 12 }, ({ model }) =>
    expectSpacing(lab, model),
  );
});

check('hosts-in-parallel', async ({ api, lab }) => {
  // Every request ends before its host's delay is over, so a crawler that waits for each response is not slower.
  const shape = {
    hosts: [2, 3],
    pages: [1, 5],
    latency: [1, 199],
    robotsLatency: [1, 199],
    crawlDelay: [200, 600],
    failures: true,
    startEverywhere: true,
  } as const;
  await onGeneratedSites(lab, api.crawl, { shape, delay: [200, 500], slots: [2, 4], runs: 12 }, ({ model }) =>
    expectNoIdle(lab, model),
  );
});

check('max-concurrency', async ({ api, lab }) => {
  const three = await crawlSite(lab, api.crawl, sites.threeHosts, { maxConcurrency: 2, perHostDelayMs: 100 });
  expectInFlightAtMost(lab, 2, three.label);
  lab.reset();
  const wide = await crawlSite(lab, api.crawl, sites.wide, { perHostDelayMs: 10 });
  expectInFlightAtMost(lab, 4, `${wide.label} (maxConcurrency defaults to 4)`);
  const shape = {
    pages: [2, 5],
    extraLinks: [1, 4],
    latency: [100, 900],
    robotsLatency: [50, 400],
    startEverywhere: true,
  } as const;
  await onGeneratedSites(lab, api.crawl, { shape, delay: [10, 150], slots: [1, 3], runs: 10 }, (run) =>
    expectInFlightAtMost(lab, run.model.options.maxConcurrency, run.label),
  );
});

check('no-duplicate-fetches', async ({ api, lab }) => {
  await crawlSite(lab, api.crawl, sites.aliases, { perHostDelayMs: 50, maxConcurrency: 4 });
  expectNoDuplicates(lab, [`${A}/ONE`, `${A}/one?Q=1`]);
  const shape = {
    pages: [2, 5],
    extraLinks: [1, 4],
    latency: [1, 800],
    aliases: true,
    startEverywhere: true,
  } as const;
  await onGeneratedSites(lab, api.crawl, { shape, delay: [10, 200], slots: [1, 4], runs: 10 }, () =>
    expectNoDuplicates(lab),
  );
});

check('report-matches-site', async ({ api, lab }) => {
  const fixed = await crawlSite(
    lab,
    api.crawl,
    sites.failures,
    { perHostDelayMs: 100, maxConcurrency: 2 },
    { serve: sites.friendly404 },
  );
  for (const [path, answer] of Object.entries(sites.notRetried)) {
    const hits = lab.http.hits(`${A}${path}`);
    demand(
      hits === 1,
      () =>
        `${A}${path} answered ${answer}: it is a page with that status and \`links: []\`, requested once and not ` +
        `tried again, but your crawler requested it ${times(hits)}.${picture(lab.http.timeline)}`,
      { concept: 'a crawl report' },
    );
  }
  compareReport(fixed.report, fixed.model.expected(), lab.http.timeline);
  lab.reset();
  const outOfOrder = await crawlSite(lab, api.crawl, sites.finishOutOfOrder, { perHostDelayMs: 100 });
  compareReport(outOfOrder.report, outOfOrder.model.expected(), lab.http.timeline);
  // Every request ends before its host's next turn, so a crawler that marks pages seen late still sees them once.
  const shape = {
    pages: [1, 6],
    extraLinks: [0, 4],
    latency: [1, 299],
    robotsLatency: [1, 299],
    aliases: true,
    failures: true,
  } as const;
  await onGeneratedSites(
    lab,
    api.crawl,
    { shape, delay: [300, 600], slots: [1, 4], runs: 10 },
    ({ report, model }) => compareReport(report, model.expected(), lab.http.timeline),
  );

  lab.reset();
  const label = 'crawl([], { userAgent })';
  const empty = readReport(await lab.run(() => api.crawl([], { userAgent: UA }), { label }), label);
  demand(
    empty.pages.length === 0 &&
      empty.skipped.length === 0 &&
      lab.http.timeline.length === 0 &&
      lab.now() === 0,
    () =>
      `${label} has nothing to crawl: it should resolve at once with { pages: [], skipped: [] } and send nothing, ` +
      `but it resolved at ${lab.now()} ms with ${empty.pages.length} page(s) and ${empty.skipped.length} skipped ` +
      `URL(s), having sent ${lab.http.timeline.length} request(s).`,
    { concept: 'a crawl report' },
  );
});

check('max-pages', async ({ api, lab }) => {
  expectBudget(lab, await crawlSite(lab, api.crawl, sites.budget, { maxPages: 3, perHostDelayMs: 100 }));
  lab.reset();
  const retried = await crawlSite(lab, api.crawl, sites.retriedBudget, { maxPages: 3, perHostDelayMs: 100 });
  expectFetched(
    lab,
    retried.report,
    `${A}/s`,
    'maxPages counts pages, not tries: /r was tried twice but is one page, so maxPages: 3 covers /, /r and /s',
  );

  lab.reset();
  // B's robots.txt is still on its way when the only page is spent: it decides first, then the limit applies.
  expectBudget(
    lab,
    await crawlSite(lab, api.crawl, sites.pendingRobots, { maxPages: 1, perHostDelayMs: 100 }),
  );
  lab.reset();
  // One slot: the host that did not get the only page must not fetch its robots.txt afterwards.
  const oneSlot = { maxPages: 1, maxConcurrency: 1, perHostDelayMs: 10 };
  expectBudget(lab, await crawlSite(lab, api.crawl, sites.oneSlot, oneSlot));
  lab.reset();
  const late = await crawlSite(lab, api.crawl, sites.retryAfterLimit, { maxPages: 4, perHostDelayMs: 100 });
  expectBudget(lab, late);
  const r = late.report.pages.find((page) => page.url === `${A}/r`);
  const rSkipped = skipReason(late.report, `${A}/r`);
  demand(
    r?.status === 200 && lab.http.hits(`${A}/r`) === 2 && rSkipped === undefined,
    () =>
      `${A}/r answered 429 with Retry-After: 1 at 210 ms, and page 4 of maxPages: 4 started at 250 ms. /r had ` +
      'already started, so its second try is still due (maxPages counts pages, not tries): it should be requested ' +
      `twice and listed in \`pages\` with status 200, not in \`skipped\`. Your crawler requested it ` +
      `${times(lab.http.hits(`${A}/r`))}, ${r ? `listed it with status ${r.status}` : `left it out of \`pages\``}` +
      `${rSkipped ? ` and skipped it as ${show(rSkipped)}` : ''}.${picture(lab.http.timeline)}`,
    { concept: 'a page budget' },
  );
});

check('offsite-links', async ({ api, lab }) => {
  // One start URL, given as a string.
  const defaults = await crawlSite(
    lab,
    api.crawl,
    sites.offsite,
    { allowedHosts: undefined, perHostDelayMs: 100 },
    { start: `${A}/` },
  );
  expectFetched(lab, defaults.report, `${A}/a1`, 'it is on the host of the start URL');
  const reasons: Array<[string, string]> = [
    [`${B}/`, 'without allowedHosts only the hosts of the start URLs may be visited'],
    [
      'https://a.lab.test:8443/x',
      'a.lab.test:8443 is another host than a.lab.test (hosts compare with URL.host)',
    ],
    [`${OFFSITE_ORIGIN}/x`, 'elsewhere.test is not an allowed host'],
  ];
  for (const [url, why] of reasons) expectSkipped(lab, defaults.report, url, 'offsite', why);
  const strays = lab.http.timeline.filter((record) => record.origin !== A);
  demand(
    strays.length === 0,
    () =>
      'Nothing outside the allowed hosts should be requested, not even robots.txt, but your crawler requested ' +
      `${strays.map((record) => record.url).join(', ')}.`,
    { concept: 'staying on the allowed hosts' },
  );

  lab.reset();
  const allowedHosts = ['a.lab.test', 'b.lab.test'];
  const listed = await crawlSite(lab, api.crawl, sites.offsite, { allowedHosts, perHostDelayMs: 100 });
  expectFetched(lab, listed.report, `${B}/`, `b.lab.test is in allowedHosts: ${show(allowedHosts)}`);
  expectSkipped(
    lab,
    listed.report,
    `${OFFSITE_ORIGIN}/x`,
    'offsite',
    'elsewhere.test is not in allowedHosts',
  );
});

check('retry-after', async ({ api, lab }) => {
  const { site, pauses } = sites.mountRetrySite(lab);
  const options = { userAgent: UA, perHostDelayMs: 500, allowedHosts: ['a.lab.test', 'b.lab.test'] };
  const label = `crawl([${A}/, ${B}/], ${showOptions(options)})`;
  const report = readReport(await lab.run(() => api.crawl(site.start, options), { label }), label);
  expectRetryAfter(lab, report, pauses, options.perHostDelayMs);

  lab.reset();
  const unreadable = await crawlSite(lab, api.crawl, sites.unreadable, { perHostDelayMs: 100 });
  for (const [path, { status, header }] of Object.entries(sites.unreadableRetryAfter)) {
    const url = `${A}${path}`;
    const page = unreadable.report.pages.find((candidate) => candidate.url === url);
    const hits = lab.http.hits(url);
    demand(
      page?.status === status && page.links.size === 0 && hits === 1,
      () =>
        `${url} answered ${status} with Retry-After: ${header}, which is neither delta-seconds nor an HTTP-date, so ` +
        `it counts as no Retry-After: the page should be requested once and listed in \`pages\` with status ` +
        `${status} and \`links: []\`, but your crawler requested it ${times(hits)} and ${
          page ? `listed it with status ${page.status}` : `did not list it in \`pages\``
        }.${picture(lab.http.timeline)}`,
      { concept: 'Retry-After as delta-seconds or an HTTP-date' },
    );
  }
});

check('abort-stops-promptly', async ({ api, lab }) => {
  const site = sites.slowPair;
  const reason = new Error('the user stopped the crawl');
  const options = { userAgent: UA, perHostDelayMs: 300, allowedHosts: ['a.lab.test', 'b.lab.test'] };
  const label = `crawl([${A}/, ${B}/], { userAgent, perHostDelayMs: 300, signal })`;

  mountSite(lab.http, site);
  const controller = lab.controller();
  const running = lab.start(() => api.crawl(site.start, { ...options, signal: controller.signal }));
  await lab.advance(1250);
  controller.abort(reason);
  const settled = await lab.settle(running, { label });
  demand(
    settled.status === 'rejected' && settled.reason === reason,
    () =>
      `Aborting the signal at 1250 ms should make ${label} reject with signal.reason (the very Error passed to ` +
      `abort()), but it ${settled.status === 'fulfilled' ? `resolved with ${show(settled.value)}` : `rejected with ${show(settled.reason)}`}.`,
    { concept: 'cancellation with AbortSignal' },
  );
  demand(
    Math.abs(settled.at - 1250) <= TOLERANCE_MS,
    `${label} should reject as soon as the signal aborts (1250 ms), but it rejected at ${settled.at} ms.`,
    { concept: 'cancellation with AbortSignal' },
  );
  const late = lab.http.timeline.filter((record) => record.start > 1250 + TOLERANCE_MS);
  demand(
    late.length === 0,
    () =>
      'Nothing should be requested after the abort at 1250 ms, but your crawler requested ' +
      `${late.map((record) => `${record.url} at ${record.start} ms`).join(', ')}.`,
    { concept: 'cancellation with AbortSignal' },
  );
  lab.expectNothingPending(`${label}, aborted at 1250 ms,`);

  lab.reset();
  mountSite(lab.http, site);
  const aborted = lab.controller();
  aborted.abort(reason);
  const early = await lab.settle(() => api.crawl(site.start, { ...options, signal: aborted.signal }), {
    label: 'crawl(start, { signal: alreadyAborted })',
  });
  demand(
    early.status === 'rejected' && early.reason === reason && lab.http.timeline.length === 0,
    () =>
      'With a signal that is already aborted, crawl should reject with signal.reason and send nothing, but it ' +
      `${early.status === 'fulfilled' ? 'resolved' : `rejected with ${show(early.reason)}`} after ` +
      `${lab.http.timeline.length} request(s).`,
    { concept: 'cancellation with AbortSignal' },
  );

  lab.reset();
  mountSite(lab.http, site);
  const whole = lab.controller();
  await lab.run(() => api.crawl(site.start, { ...options, signal: whole.signal }), { label });
  lab.expectNothingPending(label);
});

// The hidden checks (grader/suites/04-polite-scraper.hidden.ts, left out of the student template) run in this file too.
await includeHiddenChecks('04-polite-scraper');
