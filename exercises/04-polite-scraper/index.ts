/**
 * Exercise 04: a polite web crawler.
 *
 * Read README.md next to this file first. Run `npm run grade -- 04` to see how you are doing.
 * The parsing is done for you in helpers.ts: `extractLinks` and `parseRobots`.
 */
import { extractLinks, parseRobots } from './helpers.ts';

export interface CrawlOptions {
  /** Sent as the User-Agent header on every request, robots.txt included; used to pick the robots.txt group. */
  userAgent: string;
  /** Pages to fetch at most (robots.txt not counted). Default 50. */
  maxPages?: number;
  /** Requests in flight across all hosts. Default 4. */
  maxConcurrency?: number;
  /** Minimum gap between request starts on one host. Default 1000. A robots.txt Crawl-delay raises it. */
  perHostDelayMs?: number;
  /** Hosts the crawl may visit. Default: the hosts of the start URLs. */
  allowedHosts?: readonly string[];
  signal?: AbortSignal;
}

export type SkipReason = 'robots' | 'offsite' | 'limit' | 'error';

export interface CrawlReport {
  /** Every page fetched, in the order the fetches started. */
  pages: Array<{ url: string; status: number; links: string[] }>;
  /** Every discovered URL that was not fetched, once each. */
  skipped: Array<{ url: string; reason: SkipReason }>;
}

/**
 * Crawls from `start`, politely: robots.txt first and obeyed, requests to one host spaced out, different hosts
 * in parallel, at most `maxConcurrency` requests in flight. Resolves when nothing is queued or running.
 *
 * @param start One URL or several; they count as discovered.
 * @param options `userAgent` is required. Defaults: `maxPages` 50, `maxConcurrency` 4, `perHostDelayMs` 1000,
 *   `allowedHosts` the hosts of the start URLs.
 * @example
 * const report = await crawl('https://example.test/', { userAgent: 'AwaitlingsBot/1.0', maxPages: 10 });
 * for (const page of report.pages) console.log(page.status, page.url, page.links.length);
 */
export async function crawl(start: string | readonly string[], options: CrawlOptions): Promise<CrawlReport> {
  // TODO: validate the options (a TypeError naming the option) and normalise the start URLs
  //       (`new URL(url)`, then drop the fragment).
  // TODO: before the first page of a host, fetch its /robots.txt once and read it with `parseRobots`
  //       (4xx: everything allowed; 5xx or a network failure: nothing on that host is fetched).
  // TODO: keep a queue per host and start a request when the host's delay has passed and a slot is free;
  //       never let one host's wait hold up the others.
  // TODO: read each page's links with `extractLinks`, normalise them, and queue each new URL once
  //       (or skip it: 'offsite', 'robots', 'limit'), deduplicating when the URL is discovered.
  // TODO: on a 429 or 503 with Retry-After, pause that host and try the page again (3 tries in all).
  // TODO: resolve when nothing is queued or running; on abort, reject with `signal.reason` and stop everything.
  void start;
  void options;
  void extractLinks;
  void parseRobots;
  throw new Error('crawl: not implemented yet');
}
