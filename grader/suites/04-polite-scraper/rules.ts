/**
 * The timing and politeness rules of exercise 04 as assertions on a run's timeline, each failing with a message
 * for the student: what the rule is, what the crawler did, and a picture.
 */
import {
  CheckFailure,
  demand,
  type Lab,
  listMs,
  makespan,
  maxOverlap,
  show,
  TOLERANCE_MS,
} from '../../lab/index.ts';
import { isRobots, type SiteModel } from './model.ts';
import { A, B, type Pause } from './scenarios.ts';
import {
  type CrawlRun,
  expectSkipped,
  isFetchedPage,
  pageRequests,
  picture,
  type Reported,
  skipReason,
  startsByOrigin,
  times,
} from './support.ts';

/** robots.txt once per host, before anything else there, and arrived before the next request. */
export function expectRobotsFirst(lab: Lab): void {
  for (const [origin, records] of startsByOrigin(lab.http.timeline)) {
    const robots = records.filter(isRobots);
    demand(
      robots.length <= 1,
      () =>
        `${origin}/robots.txt should be fetched once, however many pages of that host are waiting, but your ` +
        `crawler requested it ${times(robots.length)} (at ${listMs(robots.map((record) => record.start))}). ` +
        'Keep one promise per host and let every page wait for the same one.' +
        picture(records),
      { concept: 'fetching a shared resource once (cache the promise, not the result)' },
    );
    const pages = records.filter((record) => !isRobots(record));
    if (pages.length === 0) continue;
    demand(
      robots.length === 1,
      () =>
        `Your crawler requested ${pages[0].path} on ${origin} without fetching ${origin}/robots.txt first: ` +
        'robots.txt says what may be fetched, so it comes before any page.' +
        picture(records),
      { concept: 'robots.txt first' },
    );
    const arrived = robots[0].end ?? Infinity;
    const early = pages.find((record) => record.start < arrived);
    demand(
      early === undefined,
      () =>
        `${origin}/robots.txt must arrive before any other request to that host, but your crawler requested ` +
        `${early?.path} at ${early?.start} ms while robots.txt (requested at ${robots[0].start} ms) only ` +
        `arrived at ${arrived} ms.${picture(records)}`,
      { concept: 'robots.txt first' },
    );
  }
}

/** Consecutive starts on each origin at least max(perHostDelayMs, Crawl-delay) apart. */
export function expectSpacing(lab: Lab, model: SiteModel): void {
  for (const [origin, records] of startsByOrigin(lab.http.timeline)) {
    const { gapMs } = model.host(origin);
    const crawlDelay = gapMs > model.options.perHostDelayMs;
    for (let i = 1; i < records.length; i++) {
      const [before, after] = [records[i - 1], records[i]];
      const gap = after.start - before.start;
      demand(
        gap >= gapMs - TOLERANCE_MS,
        () =>
          `Requests to ${origin} should start at least ${gapMs} ms apart (${
            crawlDelay
              ? `its robots.txt says Crawl-delay: ${gapMs / 1000}, more than perHostDelayMs: ${model.options.perHostDelayMs}`
              : `perHostDelayMs: ${gapMs}`
          }; robots.txt counts too), but ${before.path} started at ${before.start} ms and ${after.path} at ` +
          `${after.start} ms, only ${gap} ms later.${picture(records, { at: after.start, note: `${gap} ms after the previous start` })}`,
        { concept: 'a politeness delay per host' },
      );
    }
  }
}

/** No moment when a slot was free and a host had work whose delay was over, yet nothing started. */
export function expectNoIdle(lab: Lab, model: SiteModel): void {
  const timeline = lab.http.timeline;
  const idle = model.findIdle(timeline);
  if (!idle) return;
  const gap = model.host(idle.origin).gapMs;
  const what = idle.work.endsWith('/robots.txt') ? 'its robots.txt' : new URL(idle.work).pathname;
  const since =
    idle.lastStart === undefined
      ? 'nothing had been sent there yet'
      : `its last request had started at ${idle.lastStart} ms, at least ${gap} ms before`;
  const then =
    idle.nextStart === undefined
      ? 'never requested anything there again'
      : `waited until ${idle.nextStart} ms`;
  throw new CheckFailure(
    `At ${idle.at} ms only ${idle.inFlight} of ${model.options.maxConcurrency} requests were in flight and ` +
      `${idle.origin} could have started ${what} (${since}), but your crawler ${then}. One host's delay must ` +
      'not hold up the others: each host keeps its own clock. A crawler that never waits without a reason ' +
      `finishes this site at about ${makespan(model.simulate())} ms; yours took ${makespan(timeline)} ms.` +
      picture(timeline, { at: idle.at, note: `${idle.origin} could start ${what} here` }),
    { concept: 'one delay per host, not one for everything', timeline },
  );
}

export function expectInFlightAtMost(lab: Lab, limit: number, label: string): void {
  const timeline = lab.http.timeline;
  const { max, at } = maxOverlap(timeline);
  if (max <= limit) return;
  throw new CheckFailure(
    `${label} should never have more than ${limit} request${limit === 1 ? '' : 's'} in flight (robots.txt ` +
      `included), but at ${at} ms yours had ${max}.${picture(timeline, { at, note: `${max} in flight here` })}`,
    { concept: 'a concurrency limit across all hosts', timeline },
  );
}

/** No URL requested twice (robots.txt is the business of robots-once-first); `distinct` URLs each requested once. */
export function expectNoDuplicates(lab: Lab, distinct: readonly string[] = []): void {
  const timeline = lab.http.timeline;
  const counts = new Map<string, number[]>();
  for (const record of pageRequests(timeline))
    counts.set(record.url, [...(counts.get(record.url) ?? []), record.start]);
  const twice = [...counts].find(([, starts]) => starts.length > 1);
  demand(
    twice === undefined,
    () =>
      `Each URL should be fetched once, but your crawler requested ${twice?.[0]} ${times(twice?.[1].length ?? 0)} ` +
      `(at ${listMs(twice?.[1] ?? [])}). Normalise every URL you discover (drop the fragment) and mark it as ` +
      `seen when you discover it, not when its fetch is over: by then it may be queued twice.${picture(timeline)}`,
    { concept: 'deduplicating at discovery' },
  );
  const missing = distinct.filter((url) => !counts.has(url));
  demand(
    missing.length === 0,
    () =>
      `${missing.join(' and ')} should be fetched too: only the fragment, the letter case of the host and a ` +
      'default port make two URLs the same; the path and the query keep their case.',
    { concept: 'URL normalisation' },
  );
}

/** maxPages: exactly `maxPages` pages when there are more, no robots.txt after, and every found URL accounted for. */
export function expectBudget(lab: Lab, run: CrawlRun): void {
  const { report, model, label } = run;
  const maxPages = model.options.maxPages;
  const timeline = lab.http.timeline;
  const pages = pageRequests(timeline).sort((a, b) => a.start - b.start);
  const distinct = [...new Set(pages.map((record) => record.url))];
  demand(
    distinct.length === maxPages,
    () =>
      `${label} should fetch exactly ${maxPages} pages (there are more to fetch), but your crawler fetched ` +
      `${distinct.length}: ${distinct.map((url) => new URL(url).pathname).join(', ')}.${picture(timeline)}`,
    { concept: 'a page budget' },
  );
  const spentAt = pages.find((record) => record.url === distinct[maxPages - 1])?.start ?? 0;
  const lateRobots = timeline.find((record) => isRobots(record) && record.start > spentAt);
  demand(
    lateRobots === undefined,
    () =>
      `Once page ${maxPages} of ${maxPages} had started (at ${spentAt} ms) no new robots.txt should be fetched: ` +
      `there is no page left to fetch there. Your crawler requested ${lateRobots?.url} at ${lateRobots?.start} ms.` +
      picture(timeline),
    { concept: 'a page budget' },
  );
  // Which URLs were found depends on which pages were fetched: each URL found must be accounted for.
  const found = new Set(model.site.start);
  for (const record of timeline) {
    if (isRobots(record) || record.outcome !== 'response' || (record.status ?? 0) >= 300) continue;
    for (const link of model.page(record.url).links) found.add(link);
  }
  for (const url of found) {
    if (isFetchedPage(report, url)) continue;
    const robots = timeline.find((record) => isRobots(record) && record.origin === new URL(url).origin);
    if (model.isOffsite(url)) {
      expectSkipped(
        lab,
        report,
        url,
        'offsite',
        "its host is not allowed, and 'offsite' comes before 'limit'",
      );
    } else if (robots?.end !== undefined && model.isForbidden(url)) {
      expectSkipped(lab, report, url, 'robots', "robots.txt forbids it, and 'robots' comes before 'limit'");
    } else {
      expectSkipped(lab, report, url, 'limit', `maxPages: ${maxPages} was reached before its turn came`);
    }
  }
}

/**
 * Retry-After: no request to the host while it rests, the page tried again once the pause is over (or at the
 * host's next turn after it), 3 tries in all, and the other host busy meanwhile.
 */
export function expectRetryAfter(lab: Lab, report: Reported, pauses: readonly Pause[], gapMs: number): void {
  const timeline = lab.http.timeline;
  const onA = timeline.filter((record) => record.origin === A);
  // Every pause, the one asked for on a page's last try included: the server asked the host to rest.
  // Every pause, the one asked for on a page's last try included: the server asked the host to rest.
  for (const pause of pauses) {
    const during = onA.find(
      (record) => record.start > pause.from && record.start < pause.until - TOLERANCE_MS,
    );
    const date = pause.header.includes(' ');
    demand(
      during === undefined,
      () =>
        `${pause.url} was answered ${date ? 503 : 429} with Retry-After: ${pause.header} at ${pause.from} ms` +
        `${date ? ` (an HTTP-date: ${pause.until - pause.from} ms later)` : ''}, so ${A} should rest until ` +
        `${pause.until} ms, but your crawler requested ${during?.path} there at ${during?.start} ms.` +
        picture(timeline, { at: during?.start ?? 0, note: 'too early' }),
      { concept: 'Retry-After as delta-seconds or an HTTP-date' },
    );
  }
  for (const url of [`${A}/a1`, `${A}/a2`]) {
    const page = report.pages.find((candidate) => candidate.url === url);
    demand(
      page?.status === 200,
      () =>
        `${url} answered ${url.endsWith('a1') ? 429 : 503} with Retry-After once, then 200: after the pause it ` +
        `should be tried again and listed in \`pages\` with status 200, but ${
          page ? `it is listed with status ${page.status}` : 'it is not in `pages`'
        } (requested ${times(lab.http.hits(url))}).${picture(timeline)}`,
      { concept: 'retrying after Retry-After' },
    );
    const pause = pauses.find((candidate) => candidate.url === url);
    const retry = onA.filter((record) => record.url === url)[1];
    demand(
      pause !== undefined && retry !== undefined && retry.start <= pause.until + gapMs + TOLERANCE_MS,
      () =>
        `${url} should be tried again once its pause is over (at ${pause?.until} ms, or at the host's next turn), ` +
        `but your crawler ${retry ? `waited until ${retry.start} ms` : 'never tried it again'}.${picture(timeline)}`,
      { concept: 'retrying after Retry-After' },
    );
  }
  const a3 = `${A}/a3`;
  const tries = lab.http.hits(a3);
  const reason = skipReason(report, a3);
  demand(
    tries === 3 && reason === 'error' && !isFetchedPage(report, a3),
    () =>
      `${a3} answers 429 with Retry-After every time: it should be tried 3 times in all and then be skipped with ` +
      `'error', but your crawler tried it ${times(tries)} and ${
        isFetchedPage(report, a3)
          ? 'listed it in `pages`'
          : reason
            ? `skipped it as ${show(reason)}`
            : 'did not report it'
      }.${picture(timeline)}`,
    { concept: 'a bounded number of tries' },
  );
  const firstTry = new Map<string, number>();
  for (const record of timeline) if (!firstTry.has(record.url)) firstTry.set(record.url, record.start);
  const misplaced = report.pages.findIndex(
    (page, i) => i > 0 && (firstTry.get(report.pages[i - 1].url) ?? 0) > (firstTry.get(page.url) ?? 0),
  );
  demand(
    misplaced === -1,
    () =>
      `A retried page keeps the place of its first try in \`pages\`, but yours lists ` +
      `${report.pages[misplaced - 1].url} (first tried at ${firstTry.get(report.pages[misplaced - 1].url)} ms) before ` +
      `${report.pages[misplaced].url} (first tried at ${firstTry.get(report.pages[misplaced].url)} ms). Record a ` +
      `page's place when its first try starts.${picture(timeline)}`,
    { concept: 'results in start order, not completion order' },
  );
  const [first] = pauses;
  const others = timeline.filter(
    (record) => record.origin === B && record.start > first.from && record.start < first.until,
  );
  demand(
    others.length > 0,
    () =>
      `While ${A} rested (${first.from}–${first.until} ms), ${B} should keep going: a Retry-After pauses one ` +
      `host, not the crawl. Your crawler started nothing on ${B} then.${picture(timeline)}`,
    { concept: 'pausing one host, not the whole crawl' },
  );
}
