/**
 * The 04 suite's vocabulary: hand-written sites, running a crawl on the lab, reading the report it returns, and
 * pictures of what happened.
 */
import type * as Api from '../../../exercises/04-polite-scraper/index.ts';
import { demand, gantt, type Lab, type RequestRecord, requestRows, show } from '../../lab/index.ts';
import { mountSite, type PageReply, type RobotsSpec, type Site, type SitePage } from '../../lab/sites.ts';
import { isRobots, normalize, SiteModel, type SkipReason } from './model.ts';

export const UA = 'AwaitlingsBot/1.0 (+https://awaitlings.test/bot)';

export type Crawl = typeof Api.crawl;

/** A report as the suite reads it: every URL normalised, every link list a set. */
export interface Reported {
  pages: Array<{ url: string; status: number; links: Set<string> }>;
  skipped: Array<{ url: string; reason: string }>;
}

export interface FixedPage {
  latency?: number;
  /** hrefs as written in the HTML. */
  links?: string[];
  /** Replies per try (the last repeats); a 2xx carries the HTML. @default [{ latency }] */
  replies?: PageReply[];
}

export interface FixedHost {
  /** A string is a robots.txt served with 200 after 10 ms. @default 404 after 10 ms */
  robots?: RobotsSpec | string;
  pages: Record<string, FixedPage>;
}

/** A site written by hand: `{ 'https://a.lab.test': { robots: 'User-agent: *\nDisallow: /x', pages: { '/': ... } } }`. */
export function siteOf(start: readonly string[], hosts: Record<string, FixedHost>): Site {
  const site: Site = { hosts: [], pages: [], start: [...start] };
  for (const [origin, host] of Object.entries(hosts)) {
    const robots: RobotsSpec =
      host.robots === undefined
        ? { latency: 10, status: 404 }
        : typeof host.robots === 'string'
          ? { latency: 10, body: host.robots }
          : host.robots;
    site.hosts.push({ origin, robots });
    for (const [path, page] of Object.entries(host.pages)) {
      const url = new URL(path, origin).href;
      const replies = page.replies ?? [{ latency: page.latency ?? 10 }];
      site.pages.push({ url, hrefs: page.links ?? [], replies } satisfies SitePage);
    }
  }
  return site;
}

/** Options as a student would write them, for labels. */
export function showOptions(options: Partial<Api.CrawlOptions>): string {
  const shown = Object.entries(options)
    .filter(([key, value]) => key !== 'userAgent' && key !== 'signal' && value !== undefined)
    .map(([key, value]) => `${key}: ${show(value)}`);
  return shown.length > 0 ? `{ userAgent, ${shown.join(', ')} }` : '{ userAgent }';
}

export interface CrawlRun {
  report: Reported;
  model: SiteModel;
  options: Api.CrawlOptions;
  label: string;
}

/**
 * Serves `site`, crawls it from `site.start` and reads the report. `allowedHosts` defaults to every host of the
 * site (pass `allowedHosts: undefined` explicitly to test the crawler's own default). `serve` replaces routes of
 * the site before the crawl; `start` is what `crawl` is given (a site with one start URL may pass it as a string).
 */
export async function crawlSite(
  lab: Lab,
  crawl: Crawl,
  site: Site,
  overrides: Partial<Api.CrawlOptions> = {},
  { serve, start = site.start }: { serve?: (lab: Lab) => void; start?: string | readonly string[] } = {},
): Promise<CrawlRun> {
  mountSite(lab.http, site);
  serve?.(lab);
  const options: Api.CrawlOptions = {
    userAgent: UA,
    allowedHosts: site.hosts.map((host) => new URL(host.origin).host),
    ...overrides,
  };
  if (options.allowedHosts === undefined) delete options.allowedHosts;
  const shownStart =
    typeof start === 'string'
      ? show(start)
      : start.length === 1
        ? `[${show(start[0])}]`
        : `[${start.length} URLs]`;
  const label = `crawl(${shownStart}, ${showOptions(options)})`;
  const raw = await lab.run(() => crawl(start, options), { label });
  const model = new SiteModel(site, {
    userAgent: options.userAgent,
    maxPages: options.maxPages ?? 50,
    maxConcurrency: options.maxConcurrency ?? 4,
    perHostDelayMs: options.perHostDelayMs ?? 1000,
    allowedHosts:
      options.allowedHosts ?? site.start.map((url) => new URL(url).host).filter((host) => host !== ''),
  });
  return { report: readReport(raw, label), model, options, label };
}

/** Checks the report's shape and normalises it; a malformed report fails with what was wrong. */
export function readReport(raw: unknown, label: string): Reported {
  const report = raw as Partial<Api.CrawlReport> | undefined;
  demand(
    report && Array.isArray(report.pages) && Array.isArray(report.skipped),
    `${label} should resolve with { pages: [...], skipped: [...] }, but it resolved with ${show(raw)}.`,
  );
  const pages = report.pages.map((page) => {
    demand(
      page && typeof page.url === 'string' && typeof page.status === 'number' && Array.isArray(page.links),
      `Every entry of \`pages\` should look like { url, status, links: [...] }, but one is ${show(page)}.`,
    );
    const url = normalize(page.url);
    demand(url, `\`pages\` holds ${show(page.url)}, which is not a URL.`);
    const links = page.links.map((link) => (typeof link === 'string' ? normalize(link) : undefined));
    demand(
      links.every((link) => link !== undefined),
      `The links of ${url} should be URLs, but they are ${show(page.links)}.`,
    );
    return { url, status: page.status, links: new Set(links as string[]) };
  });
  const skipped = report.skipped.map((entry) => {
    demand(
      entry && typeof entry.url === 'string' && typeof entry.reason === 'string',
      `Every entry of \`skipped\` should look like { url, reason }, but one is ${show(entry)}.`,
    );
    const url = normalize(entry.url);
    demand(url, `\`skipped\` holds ${show(entry.url)}, which is not a URL.`);
    return { url, reason: entry.reason };
  });
  return { pages, skipped };
}

/** The reason `url` was skipped with, if it was. */
export function skipReason(report: Reported, url: string): string | undefined {
  return report.skipped.find((entry) => entry.url === url)?.reason;
}

export function isFetchedPage(report: Reported, url: string): boolean {
  return report.pages.some((page) => page.url === url);
}

/** Demands that `url` was skipped for `reason` (and never requested, unless `requested` is allowed). */
export function expectSkipped(
  lab: Lab,
  report: Reported,
  url: string,
  reason: SkipReason,
  why: string,
): void {
  const hits = lab.http.hits(url);
  demand(
    hits === 0,
    () =>
      `${url} should never be requested (${why}), but your crawler requested it ${times(hits)}.${picture(lab.http.timeline)}`,
  );
  const actual = skipReason(report, url);
  demand(
    actual === reason,
    `${url} should be in \`skipped\` with reason '${reason}' (${why}), but ${
      actual === undefined ? 'it is not in `skipped` at all' : `its reason is ${show(actual)}`
    }.`,
  );
}

/** Demands that `url` was fetched once and is in `pages`. */
export function expectFetched(lab: Lab, report: Reported, url: string, why: string): void {
  const hits = lab.http.hits(url);
  demand(
    hits >= 1 && isFetchedPage(report, url),
    () =>
      `${url} should be fetched and listed in \`pages\` (${why}), but ${
        hits === 0 ? 'it was never requested' : 'it is missing from `pages`'
      }${skipReason(report, url) ? ` (it was skipped as ${show(skipReason(report, url))})` : ''}.${picture(lab.http.timeline)}`,
  );
}

export function times(n: number): string {
  return n === 1 ? 'once' : n === 2 ? 'twice' : `${n} times`;
}

/** A text timeline of `records`, optionally with a marker. */
export function picture(records: readonly RequestRecord[], marker?: { at: number; note: string }): string {
  return `\n\n${gantt(requestRows(records), { marker, maxRows: 24 })}`;
}

/** Starts per origin, in order, robots.txt included. */
export function startsByOrigin(records: readonly RequestRecord[]): Map<string, RequestRecord[]> {
  const byOrigin = new Map<string, RequestRecord[]>();
  for (const record of records) byOrigin.set(record.origin, [...(byOrigin.get(record.origin) ?? []), record]);
  for (const list of byOrigin.values()) list.sort((a, b) => a.start - b.start || a.index - b.index);
  return byOrigin;
}

export function pageRequests(records: readonly RequestRecord[]): RequestRecord[] {
  return records.filter((record) => !isRobots(record));
}
