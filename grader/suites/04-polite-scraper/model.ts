/**
 * What a polite crawler must do on a generated site: the reference model the 04 suite compares against.
 *
 * - `expected()`: the report of a crawl with no page limit (which pages, with which status and links; which URLs
 *   skipped, and why). It does not depend on scheduling, so any correct crawler gives it.
 * - `findIdle(timeline)`: the first moment a crawler left a slot and a host idle while that host had work whose
 *   delay was over. Any schedule that never does this is accepted, whichever host it served first.
 * - `simulate()`: one such schedule (hosts served in order), for the makespan a message can quote.
 */
import { parseRobots, type RobotsRules } from '../../../exercises/04-polite-scraper/helpers.ts';
import type { RequestRecord } from '../../lab/index.ts';
import type { PageReply, Site } from '../../lab/sites.ts';

export type SkipReason = 'robots' | 'offsite' | 'limit' | 'error';

export interface ModelOptions {
  userAgent: string;
  maxPages: number;
  maxConcurrency: number;
  perHostDelayMs: number;
  /** Compared with `URL.host`. */
  allowedHosts: readonly string[];
}

export interface HostFacts {
  origin: string;
  /** What robots.txt said: rules (a 4xx gives rules that allow everything), or unavailable (5xx, network). */
  robots: RobotsRules | 'unavailable';
  /** max(perHostDelayMs, Crawl-delay). */
  gapMs: number;
}

export interface PageFacts {
  /** The status of the last try, or `error` (network failure, or 429/503 with Retry-After 3 times). */
  outcome: number | 'error';
  /** Normalised links of a 2xx page, once each. */
  links: string[];
}

export interface ExpectedReport {
  pages: Map<string, { status: number; links: string[] }>;
  skipped: Map<string, SkipReason>;
}

export interface Idle {
  at: number;
  origin: string;
  /** What the host could have started: a page URL or its robots.txt. */
  work: string;
  inFlight: number;
  /** When the host last started something before `at`, if ever. */
  lastStart?: number;
  /** When the host started something after `at`, if it ever did. */
  nextStart?: number;
}

export interface SimulatedRequest {
  url: string;
  origin: string;
  start: number;
  end: number;
}

const TOLERANCE_MS = 1;
const MAX_TRIES = 3;

/** Fragment dropped; `new URL` lower-cases the host and drops a default port. */
export function normalize(raw: string, base?: string): string | undefined {
  try {
    const url = new URL(raw, base);
    url.hash = '';
    return url.href;
  } catch {
    return undefined;
  }
}

export function pathOf(url: string): string {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
}

export class SiteModel {
  readonly site: Site;
  readonly options: ModelOptions;
  readonly #hosts = new Map<string, HostFacts>();
  readonly #pages = new Map<string, PageFacts>();
  readonly #allowed: Set<string>;

  constructor(site: Site, options: ModelOptions) {
    this.site = site;
    this.options = options;
    this.#allowed = new Set(options.allowedHosts.map((host) => host.toLowerCase()));
    for (const host of site.hosts) {
      const { status = 200, network, body = '' } = host.robots;
      const robots =
        network || status >= 500 ? 'unavailable' : parseRobots(status < 300 ? body : '', options.userAgent);
      const crawlDelay = robots === 'unavailable' ? 0 : (robots.crawlDelayMs ?? 0);
      this.#hosts.set(host.origin, {
        origin: host.origin,
        robots,
        gapMs: Math.max(options.perHostDelayMs, crawlDelay),
      });
    }
    for (const page of site.pages) {
      const outcome = outcomeOf(page.replies);
      const links = typeof outcome === 'number' && outcome < 300 ? linksOf(page.hrefs, page.url) : [];
      this.#pages.set(page.url, { outcome, links });
    }
  }

  /** Facts about `origin`; an origin without a robots.txt route gets the lab's 404 (allow all). */
  host(origin: string): HostFacts {
    return (
      this.#hosts.get(origin) ?? {
        origin,
        robots: parseRobots('', this.options.userAgent),
        gapMs: this.options.perHostDelayMs,
      }
    );
  }

  /** Facts about a page; a URL the site does not have answers 404. */
  page(url: string): PageFacts {
    return this.#pages.get(url) ?? { outcome: 404, links: [] };
  }

  isOffsite(url: string): boolean {
    return !this.#allowed.has(new URL(url).host);
  }

  /** Whether robots.txt forbids `url` (an unavailable robots.txt forbids everything). */
  isForbidden(url: string): boolean {
    const { robots } = this.host(new URL(url).origin);
    return robots === 'unavailable' || !robots.isAllowed(pathOf(url));
  }

  /** The report of a crawl from the site's start URLs with no page limit. */
  expected(start: readonly string[] = this.site.start): ExpectedReport {
    const pages: ExpectedReport['pages'] = new Map();
    const skipped: ExpectedReport['skipped'] = new Map();
    const seen = new Set<string>();
    const queue = start.map((url) => normalize(url)).filter((url) => url !== undefined);
    for (let i = 0; i < queue.length; i++) {
      const url = queue[i];
      if (seen.has(url)) continue;
      seen.add(url);
      if (this.isOffsite(url)) skipped.set(url, 'offsite');
      else if (this.isForbidden(url)) skipped.set(url, 'robots');
      else {
        const { outcome, links } = this.page(url);
        if (outcome === 'error') skipped.set(url, 'error');
        else {
          pages.set(url, { status: outcome, links });
          queue.push(...links);
        }
      }
    }
    return { pages, skipped };
  }

  /**
   * The first moment (checked at every response and every end of a host's delay, with 1 ms of slack) when fewer
   * than `maxConcurrency` requests were in flight and some host could have started something but did not.
   */
  findIdle(records: readonly RequestRecord[], start: readonly string[] = this.site.start): Idle | undefined {
    const moments = new Set<number>([0]);
    for (const record of records) {
      if (record.end !== undefined) moments.add(record.end);
      moments.add(record.start + this.host(record.origin).gapMs);
    }
    const starts = start.map((url) => normalize(url)).filter((url) => url !== undefined);
    for (const at of [...moments].sort((a, b) => a - b)) {
      const idle = this.#idleAt(records, starts, at);
      if (idle) return idle;
    }
    return undefined;
  }

  #idleAt(records: readonly RequestRecord[], starts: readonly string[], at: number): Idle | undefined {
    const started = records.filter((record) => record.start <= at + TOLERANCE_MS);
    const inFlight = started.filter((record) => record.end === undefined || record.end > at).length;
    if (inFlight >= this.options.maxConcurrency) return undefined;
    const pagesStarted = new Set(started.filter((record) => !isRobots(record)).map((record) => record.url));
    const limitSpent = pagesStarted.size >= this.options.maxPages;
    const discovered = new Set(starts);
    for (const record of records) {
      const arrived = record.end !== undefined && record.end <= at && record.outcome === 'response';
      if (!arrived || isRobots(record) || (record.status ?? 0) >= 300) continue;
      for (const link of this.page(record.url).links) discovered.add(link);
    }
    const byOrigin = new Map<string, string[]>();
    for (const url of discovered) {
      if (this.isOffsite(url)) continue;
      const origin = new URL(url).origin;
      byOrigin.set(origin, [...(byOrigin.get(origin) ?? []), url]);
    }
    for (const [origin, urls] of byOrigin) {
      const host = this.host(origin);
      const onHost = started.filter((record) => record.origin === origin);
      const robots = records.find((record) => record.origin === origin && isRobots(record));
      let work: string | undefined;
      if (!robots || robots.start > at + TOLERANCE_MS) {
        work = limitSpent ? undefined : `${origin}/robots.txt`;
      } else if (
        robots.end !== undefined &&
        robots.end <= at &&
        host.robots !== 'unavailable' &&
        !limitSpent
      ) {
        work = urls.find((url) => !pagesStarted.has(url) && !this.isForbidden(url));
      }
      if (work === undefined) continue;
      const lastStart = Math.max(-Infinity, ...onHost.map((record) => record.start));
      if (lastStart + host.gapMs > at) continue;
      const nextStart = records.find((record) => record.origin === origin && record.start > at)?.start;
      return { at, origin, work, inFlight, lastStart: onHost.length > 0 ? lastStart : undefined, nextStart };
    }
    return undefined;
  }

  /** One schedule that never idles: hosts served in the order they were discovered, queues first in first out. */
  simulate(start: readonly string[] = this.site.start): SimulatedRequest[] {
    const requests: SimulatedRequest[] = [];
    const seen = new Set<string>();
    const hosts = new Map<
      string,
      { queue: string[]; robots: 'unknown' | 'fetching' | 'known'; readyAt: number }
    >();
    const running: Array<{ request: SimulatedRequest; robots: boolean }> = [];
    let pagesStarted = 0;
    let now = 0;
    const discover = (url: string) => {
      if (seen.has(url) || this.isOffsite(url)) return;
      seen.add(url);
      const origin = new URL(url).origin;
      const host = hosts.get(origin) ?? { queue: [], robots: 'unknown' as const, readyAt: 0 };
      hosts.set(origin, host);
      if (host.robots !== 'known' || !this.isForbidden(url)) host.queue.push(url);
    };
    const begin = (origin: string, url: string, robots: boolean) => {
      const host = hosts.get(origin);
      if (host) host.readyAt = now + this.host(origin).gapMs;
      const latency = robots ? robotsLatency(this.site, origin) : pageLatency(this.site, url);
      const request = { url, origin, start: now, end: now + latency };
      requests.push(request);
      running.push({ request, robots });
    };
    for (const url of start) {
      const normal = normalize(url);
      if (normal) discover(normal);
    }
    for (let steps = 0; steps < 10_000; steps++) {
      for (const [origin, host] of hosts) {
        if (running.length >= this.options.maxConcurrency) break;
        if (host.queue.length === 0 || host.robots === 'fetching' || host.readyAt > now) continue;
        if (host.robots === 'unknown') {
          if (pagesStarted >= this.options.maxPages) continue;
          host.robots = 'fetching';
          begin(origin, `${origin}/robots.txt`, true);
        } else if (pagesStarted < this.options.maxPages) {
          pagesStarted++;
          begin(origin, host.queue.shift() as string, false);
        }
      }
      const waiting = [...hosts.values()]
        .filter((host) => host.queue.length > 0 && host.robots === 'known' && host.readyAt > now)
        .map((host) => host.readyAt);
      const next = Math.min(...running.map((entry) => entry.request.end), ...waiting);
      if (next === Infinity) break;
      now = next;
      for (const entry of running.filter((candidate) => candidate.request.end <= now)) {
        running.splice(running.indexOf(entry), 1);
        const host = hosts.get(entry.request.origin);
        if (entry.robots && host) {
          host.robots = 'known';
          host.queue = host.queue.filter((url) => !this.isForbidden(url));
        } else if (!entry.robots) {
          const { outcome, links } = this.page(entry.request.url);
          if (typeof outcome === 'number' && outcome < 300) for (const link of links) discover(link);
        }
      }
    }
    return requests;
  }
}

export function isRobots(record: Pick<RequestRecord, 'path'>): boolean {
  return record.path === '/robots.txt';
}

function outcomeOf(replies: readonly PageReply[]): number | 'error' {
  for (let attempt = 1; attempt <= MAX_TRIES; attempt++) {
    const reply = replies[Math.min(attempt, replies.length) - 1] ?? {};
    if (reply.network) return 'error';
    const status = reply.status ?? 200;
    const retryAfter = Object.entries(reply.headers ?? {}).find(
      ([name]) => name.toLowerCase() === 'retry-after',
    );
    if (!((status === 429 || status === 503) && retryAfter && isReadable(retryAfter[1]))) return status;
  }
  return 'error';
}

/** Delta-seconds or an HTTP-date; anything else counts as no Retry-After. */
function isReadable(retryAfter: string): boolean {
  return /^\d+$/.test(retryAfter.trim()) || !Number.isNaN(Date.parse(retryAfter));
}

function linksOf(hrefs: readonly string[], base: string): string[] {
  return [...new Set(hrefs.map((href) => normalize(href, base)).filter((url) => url !== undefined))];
}

function robotsLatency(site: Site, origin: string): number {
  const host = site.hosts.find((candidate) => candidate.origin === origin);
  return Math.max(1, host?.robots.latency ?? 0);
}

function pageLatency(site: Site, url: string): number {
  const page = site.pages.find((candidate) => candidate.url === url);
  return Math.max(1, page?.replies[0]?.latency ?? 0);
}
