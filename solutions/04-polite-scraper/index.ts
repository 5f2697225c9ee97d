/**
 * Exercise 04: a polite web crawler. Reference solution.
 *
 * One scheduler, woken whenever something changes (a response arrives, a host's delay runs out): it walks the
 * hosts and starts whatever may start now, and sets one timer for the earliest host that is only waiting for
 * its delay. Nothing waits while holding a slot, so no host or slot idles when it could work.
 */
import { extractLinks, parseRobots, type RobotsRules } from '../../exercises/04-polite-scraper/helpers.ts';

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

type Page = CrawlReport['pages'][number];

/** Tries of one page in all when the server keeps answering 429/503 with Retry-After. */
const MAX_TRIES = 3;

interface Job {
  url: string;
  /** Path and query, what robots.txt rules match. */
  path: string;
  tries: number;
}

interface Host {
  origin: string;
  robots: 'unknown' | 'fetching' | 'unavailable' | RobotsRules;
  gapMs: number;
  lastStart: number;
  /** Earliest time the next request may start: the gap after the last start, or a Retry-After pause. */
  readyAt: number;
  queue: Job[];
}

/**
 * Crawls from `start`, politely: robots.txt first and obeyed, requests to one host spaced out, hosts in
 * parallel, at most `maxConcurrency` requests in flight.
 *
 * @example
 * const report = await crawl('https://example.test/', { userAgent: 'AwaitlingsBot/1.0', maxPages: 10 });
 * report.pages.map((page) => page.url);
 */
export async function crawl(start: string | readonly string[], options: CrawlOptions): Promise<CrawlReport> {
  const settings = checkOptions(start, options);
  const { userAgent, maxPages, maxConcurrency, perHostDelayMs, allowedHosts, signal } = settings;
  signal?.throwIfAborted();

  const stop = new AbortController();
  const hosts = new Map<string, Host>();
  const seen = new Set<string>();
  const order = new Map<string, number>();
  const pages = new Map<string, Page>();
  const skipped: CrawlReport['skipped'] = [];
  let pagesStarted = 0;
  let active = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let finished = false;

  return new Promise<CrawlReport>((resolve, reject) => {
    const onAbort = () => finish(() => reject(signal?.reason));
    signal?.addEventListener('abort', onAbort, { once: true });

    function finish(settle: () => void): void {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      stop.abort();
      settle();
    }

    function skip(url: string, reason: SkipReason): void {
      skipped.push({ url, reason });
    }

    function hostOf(origin: string): Host {
      let host = hosts.get(origin);
      if (!host) {
        host = {
          origin,
          robots: 'unknown',
          gapMs: perHostDelayMs,
          lastStart: -Infinity,
          readyAt: -Infinity,
          queue: [],
        };
        hosts.set(origin, host);
      }
      return host;
    }

    /** Dedup happens here, when a URL is first seen, so the same page can never be queued twice. */
    function discover(raw: string): void {
      const url = normalize(raw);
      if (url === undefined || seen.has(url)) return;
      seen.add(url);
      const parsed = new URL(url);
      const host = allowedHosts.has(parsed.host) ? hostOf(parsed.origin) : undefined;
      const path = parsed.pathname + parsed.search;
      if (!host) skip(url, 'offsite');
      else if (host.robots === 'unavailable') skip(url, 'robots');
      else if (typeof host.robots === 'object' && !host.robots.isAllowed(path)) skip(url, 'robots');
      // While robots.txt is on its way the URL waits for it: robots decides before the limit does.
      else if (host.robots !== 'fetching' && pagesStarted >= maxPages) skip(url, 'limit');
      else host.queue.push({ url, path, tries: 0 });
    }

    function request(host: Host, url: string): Promise<Response> {
      const now = Date.now();
      active++;
      host.lastStart = now;
      host.readyAt = Math.max(host.readyAt, now + host.gapMs);
      return fetch(url, { headers: { 'user-agent': userAgent }, signal: stop.signal });
    }

    function done(): void {
      active--;
      pump();
    }

    async function fetchRobots(host: Host): Promise<void> {
      host.robots = 'fetching';
      try {
        const response = await request(host, `${host.origin}/robots.txt`);
        if (response.ok) {
          const rules = parseRobots(await response.text(), userAgent);
          host.robots = rules;
          host.gapMs = Math.max(perHostDelayMs, rules.crawlDelayMs ?? 0);
          host.readyAt = Math.max(host.readyAt, host.lastStart + host.gapMs);
        } else {
          await response.body?.cancel();
          // RFC 9309 2.3.1: a 4xx means there are no rules; a 5xx means the site may not be crawled at all.
          host.robots = response.status >= 500 ? 'unavailable' : parseRobots('', userAgent);
        }
      } catch {
        host.robots = 'unavailable';
      }
      if (finished) return;
      const rules = host.robots;
      const allowed = host.queue.filter((job) => typeof rules === 'object' && rules.isAllowed(job.path));
      for (const job of host.queue) if (!allowed.includes(job)) skip(job.url, 'robots');
      host.queue = allowed;
      done();
    }

    async function fetchPage(host: Host, job: Job): Promise<void> {
      if (job.tries === 0) {
        pagesStarted++;
        order.set(job.url, order.size);
      }
      job.tries++;
      try {
        const response = await request(host, job.url);
        const pauseMs =
          response.status === 429 || response.status === 503
            ? retryAfterMs(response.headers.get('retry-after'))
            : undefined;
        if (pauseMs !== undefined) {
          await response.body?.cancel();
          host.readyAt = Math.max(host.readyAt, Date.now() + pauseMs);
          if (job.tries < MAX_TRIES) host.queue.unshift(job);
          else skip(job.url, 'error');
        } else if (response.ok) {
          const links = unique(extractLinks(await response.text(), job.url));
          pages.set(job.url, { url: job.url, status: response.status, links });
          if (!finished) for (const link of links) discover(link);
        } else {
          await response.body?.cancel();
          pages.set(job.url, { url: job.url, status: response.status, links: [] });
        }
      } catch {
        if (!finished) skip(job.url, 'error');
      }
      if (!finished) done();
    }

    /** Starts everything that may start now; sets a timer for the earliest host still waiting out its delay. */
    function pump(): void {
      if (finished) return;
      const now = Date.now();
      let wakeAt = Infinity;
      let started = true;
      // Passes until nothing more can start: with no delay, one host may start several requests at once.
      while (started) {
        started = false;
        wakeAt = Infinity;
        for (const host of hosts.values()) {
          if (host.queue.length === 0 || host.robots === 'fetching') continue;
          if (host.robots === 'unknown' && pagesStarted >= maxPages) {
            for (const job of host.queue.splice(0)) skip(job.url, 'limit');
            continue;
          }
          if (host.readyAt > now) {
            wakeAt = Math.min(wakeAt, host.readyAt);
            continue;
          }
          if (active >= maxConcurrency) continue;
          started = true;
          if (host.robots === 'unknown') {
            void fetchRobots(host);
            continue;
          }
          if (pagesStarted >= maxPages) {
            // Retries of pages already started may go on; pages not started yet are over the limit.
            for (const job of host.queue.filter((queued) => queued.tries === 0)) skip(job.url, 'limit');
            host.queue = host.queue.filter((queued) => queued.tries > 0);
            if (host.queue.length === 0) continue;
          }
          void fetchPage(host, host.queue.shift() as Job);
        }
      }
      clearTimeout(timer);
      timer = wakeAt < Infinity ? setTimeout(pump, wakeAt - now) : undefined;
      if (active === 0 && [...hosts.values()].every((host) => host.queue.length === 0)) {
        finish(() => resolve(report()));
      }
    }

    function report(): CrawlReport {
      const fetched = [...pages.values()].sort((a, b) => (order.get(a.url) ?? 0) - (order.get(b.url) ?? 0));
      return { pages: fetched, skipped };
    }

    for (const url of settings.starts) discover(url);
    pump();
  });
}

/** Fragment dropped; `new URL` already lower-cases the host and drops a default port. */
function normalize(raw: string): string | undefined {
  try {
    const url = new URL(raw);
    url.hash = '';
    return url.href;
  } catch {
    return undefined;
  }
}

function unique(links: readonly string[]): string[] {
  return [...new Set(links.map(normalize).filter((url) => url !== undefined))];
}

/** Retry-After as ms from now: delta-seconds or an HTTP-date; undefined when absent or unreadable. */
function retryAfterMs(value: string | null): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function checkOptions(start: string | readonly string[], options: CrawlOptions) {
  const list = typeof start === 'string' ? [start] : start;
  if (!Array.isArray(list) || list.some((url) => typeof url !== 'string' || normalize(url) === undefined)) {
    throw new TypeError('Expected `start` to be a URL or an array of URLs');
  }
  const {
    userAgent,
    maxPages = 50,
    maxConcurrency = 4,
    perHostDelayMs = 1000,
    allowedHosts,
    signal,
  } = options ?? ({} as CrawlOptions);
  if (typeof userAgent !== 'string' || userAgent.trim() === '') {
    throw new TypeError('Expected `userAgent` to be a non-empty string');
  }
  if (!isCount(maxPages, 0)) throw new TypeError('Expected `maxPages` to be a whole number from 0 and up');
  if (!isCount(maxConcurrency, 1)) {
    throw new TypeError('Expected `maxConcurrency` to be a whole number from 1 and up');
  }
  if (typeof perHostDelayMs !== 'number' || !(perHostDelayMs >= 0) || perHostDelayMs === Infinity) {
    throw new TypeError('Expected `perHostDelayMs` to be a finite number from 0 and up');
  }
  if (allowedHosts !== undefined && !Array.isArray(allowedHosts)) {
    throw new TypeError('Expected `allowedHosts` to be an array of host names');
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError('Expected `signal` to be an AbortSignal');
  }
  const starts = list.map((url) => normalize(url) as string);
  const hosts = allowedHosts ?? starts.map((url) => new URL(url).host);
  return {
    starts,
    userAgent,
    maxPages,
    maxConcurrency,
    perHostDelayMs,
    allowedHosts: new Set(hosts.map((host) => host.toLowerCase())),
    signal,
  };
}

function isCount(value: unknown, min: number): value is number {
  return typeof value === 'number' && value >= min && (Number.isInteger(value) || value === Infinity);
}
