/**
 * Generated web sites for crawler checks: a link graph over a few hosts, each with a robots.txt, served by the
 * HTTP lab in virtual time.
 *
 * - `siteArbitrary(shape)`: fast-check arbitrary of sites; the shape says which features may appear.
 * - `mountSite(lab.http, site)`: one route per page and per robots.txt; anything else answers 404.
 * - `describeSite(site)`: a counterexample in a few lines a student can read.
 */
import * as fc from 'fast-check';
import type { HttpLab, Reply } from './http.ts';

/** How one host answers `/robots.txt`. */
export interface RobotsSpec {
  latency: number;
  /** @default 200 */
  status?: number;
  network?: 'error';
  /** The file itself, for a 2xx. */
  body?: string;
}

/** What a page answers on one try. A 2xx (the default) carries the page's HTML. */
export type PageReply = Omit<Reply, 'body' | 'bodyMs'>;

export interface SitePage {
  /** Absolute URL, normalised (`new URL(...).href`, no fragment). */
  url: string;
  /** The hrefs as written in the HTML: relative, absolute, with fragments, in any letter case. */
  hrefs: string[];
  /** One reply per try, in order; the last one repeats. */
  replies: PageReply[];
}

export interface SiteHost {
  /** `scheme://host[:port]` */
  origin: string;
  robots: RobotsSpec;
}

export interface Site {
  hosts: SiteHost[];
  pages: SitePage[];
  /** Where a crawl should start (normalised URLs). */
  start: string[];
}

/** Origins a generated site uses, in order; `OFFSITE_ORIGIN` is never one of its hosts. */
export const SITE_ORIGINS = ['https://a.lab.test', 'https://b.lab.test', 'http://c.lab.test:8080'] as const;
export const OFFSITE_ORIGIN = 'https://elsewhere.test';

const FOLDERS = ['', '/docs', '/blog', '/private'] as const;

type Range = readonly [min: number, max: number];

/** Which features a generated site may have. Every range is inclusive. */
export interface SiteShape {
  /** Number of hosts, from `SITE_ORIGINS`. @default [1, 3] */
  hosts?: Range;
  /** Pages per host; page 0 is `/`. @default [1, 5] */
  pages?: Range;
  /** Links per page besides the chain that makes every page of a host reachable from `/`. @default [0, 3] */
  extraLinks?: Range;
  /** Page latency in ms. @default [1, 400] */
  latency?: Range;
  /** robots.txt latency in ms. @default [1, 200] */
  robotsLatency?: Range;
  /** A Crawl-delay in ms (written in seconds) some robots.txt files set; `false` for none. @default false */
  crawlDelay?: Range | false;
  /** Some robots.txt files disallow one of the folders (`/docs`, `/blog`, `/private`). @default true */
  disallow?: boolean;
  /** Some hosts have no robots.txt (404). @default true */
  missingRobots?: boolean;
  /** Some pages answer 404, 410, 500, 429 or 503 (no Retry-After), or fail at the network level. @default false */
  failures?: boolean;
  /**
   * Links written with a fragment, an upper-case host or the default port; every `/` links to `/#top`.
   * @default false
   */
  aliases?: boolean;
  /** Some links lead to `OFFSITE_ORIGIN`. @default true */
  offsite?: boolean;
  /** Start from `/` of every host (otherwise from the first host only). @default false */
  startEverywhere?: boolean;
}

const FAILURES: readonly PageReply[] = [
  { status: 404 },
  { status: 410 },
  { status: 500 },
  { status: 429 },
  { status: 503 },
  { network: 'error' },
];

/**
 * Sites of the given shape. Every page of a host is reachable from its `/` (pages are chained), and `/` of each
 * host links to `/` of the next, so a crawl that may visit every host can reach every page that robots.txt allows.
 */
export function siteArbitrary(shape: SiteShape = {}): fc.Arbitrary<Site> {
  const {
    hosts = [1, 3],
    pages = [1, 5],
    extraLinks = [0, 3],
    latency = [1, 400],
    robotsLatency = [1, 200],
    crawlDelay = false,
    disallow = true,
    missingRobots = true,
    failures = false,
    aliases = false,
    offsite = true,
  } = shape;
  const int = ([min, max]: Range) => fc.integer({ min, max });
  const link = fc.record({
    host: fc.nat({ max: SITE_ORIGINS.length - 1 }),
    page: fc.nat({ max: 9 }),
    alias: aliases ? fc.nat({ max: 5 }) : fc.constant(0),
    offsite: offsite ? fc.nat({ max: 7 }).map((n) => n === 0) : fc.constant(false),
  });
  const page = fc.record({
    folder: fc.nat({ max: FOLDERS.length - 1 }),
    latency: int(latency),
    links: fc.array(link, { minLength: extraLinks[0], maxLength: extraLinks[1] }),
    failure: failures ? fc.nat({ max: 11 }) : fc.constant(FAILURES.length),
  });
  const host = fc.record({
    pages: fc.array(page, { minLength: pages[0], maxLength: pages[1] }),
    robotsLatency: int(robotsLatency),
    missing: missingRobots ? fc.nat({ max: 3 }).map((n) => n === 0) : fc.constant(false),
    disallow: disallow ? fc.nat({ max: FOLDERS.length * 2 - 1 }) : fc.constant(0),
    crawlDelayMs: crawlDelay
      ? fc.option(
          int(crawlDelay).map((ms) => Math.round(ms / 100) * 100),
          { nil: undefined },
        )
      : fc.constant(undefined),
  });
  return fc
    .array(host, { minLength: hosts[0], maxLength: Math.min(hosts[1], SITE_ORIGINS.length) })
    .map((specs) => buildSite(specs, shape.startEverywhere ?? false, aliases));
}

interface HostSpec {
  pages: Array<{
    folder: number;
    latency: number;
    links: Array<{ host: number; page: number; alias: number; offsite: boolean }>;
    failure: number;
  }>;
  robotsLatency: number;
  missing: boolean;
  disallow: number;
  crawlDelayMs?: number;
}

function buildSite(specs: readonly HostSpec[], startEverywhere: boolean, aliases: boolean): Site {
  const paths = specs.map((spec) =>
    spec.pages.map((page, i) => (i === 0 ? '/' : `${FOLDERS[page.folder]}/p${i}`)),
  );
  const urlOf = (host: number, page: number) => new URL(paths[host][page], SITE_ORIGINS[host]).href;
  const hosts = specs.map((spec, h): SiteHost => {
    const origin = SITE_ORIGINS[h];
    if (spec.missing) return { origin, robots: { latency: spec.robotsLatency, status: 404 } };
    const lines = ['User-agent: *'];
    // Folders 1..3 may be disallowed; larger numbers disallow nothing.
    if (spec.disallow > 0 && spec.disallow < FOLDERS.length)
      lines.push(`Disallow: ${FOLDERS[spec.disallow]}`);
    if (spec.crawlDelayMs !== undefined) lines.push(`Crawl-delay: ${spec.crawlDelayMs / 1000}`);
    if (lines.length === 1) lines.push('Disallow:');
    return { origin, robots: { latency: spec.robotsLatency, body: `${lines.join('\n')}\n` } };
  });
  const pages = specs.flatMap((spec, h) =>
    spec.pages.map((page, i): SitePage => {
      const hrefs: string[] = [];
      if (i + 1 < spec.pages.length) hrefs.push(paths[h][i + 1]);
      if (i === 0 && h + 1 < specs.length) hrefs.push(urlOf(h + 1, 0));
      // With aliases on, every `/` also links to itself by a fragment: there is always one to normalise away.
      if (i === 0 && aliases) hrefs.push('/#top');
      for (const [n, target] of page.links.entries()) {
        if (target.offsite) {
          hrefs.push(`${OFFSITE_ORIGIN}/x${target.page}`);
          continue;
        }
        const th = target.host % specs.length;
        const tp = target.page % specs[th].pages.length;
        hrefs.push(writeLink(urlOf(th, tp), th === h, target.alias, n));
      }
      const failure = FAILURES[page.failure];
      const reply: PageReply = { latency: page.latency, ...failure };
      return { url: urlOf(h, i), hrefs, replies: [reply] };
    }),
  );
  const start = (startEverywhere ? specs.map((_, h) => h) : [0]).map((h) => urlOf(h, 0));
  return { hosts, pages, start };
}

/** A link to `url` as a page might write it: relative on the same host, or one of its aliases. */
function writeLink(url: string, sameHost: boolean, alias: number, n: number): string {
  const parsed = new URL(url);
  switch (alias) {
    case 1:
      return `${sameHost ? parsed.pathname : url}#s${n}`;
    case 2:
      return `${parsed.protocol.toUpperCase()}//${parsed.host.toUpperCase()}${parsed.pathname}`;
    case 3:
      return parsed.port === '' && parsed.protocol === 'https:'
        ? `https://${parsed.hostname}:443${parsed.pathname}`
        : `${url}#p${n}`;
    default:
      return sameHost ? parsed.pathname : url;
  }
}

/** An HTML page with one `<a>` per href, in order. */
export function pageHtml(title: string, hrefs: readonly string[]): string {
  const items = hrefs.map((href, i) => `  <li><a href="${escapeAttribute(href)}">link ${i + 1}</a></li>`);
  return `<!doctype html>\n<html><head><title>${title}</title></head>\n<body><ul>\n${items.join('\n')}\n</ul></body></html>\n`;
}

/** Serves `site` from `http`: every robots.txt and page; any other URL answers 404 at once. */
export function mountSite(http: HttpLab, site: Site): void {
  for (const host of site.hosts) {
    const { latency, status = 200, network, body = '' } = host.robots;
    http.route(`${host.origin}/robots.txt`, { latency, status, network, body });
  }
  for (const page of site.pages) {
    const html = pageHtml(new URL(page.url).pathname, page.hrefs);
    http.route(
      page.url,
      page.replies.map((reply): Reply => {
        const ok = reply.network === undefined && (reply.status ?? 200) < 300;
        return ok
          ? {
              ...reply,
              body: html,
              headers: { 'content-type': 'text/html; charset=utf-8', ...reply.headers },
            }
          : { ...reply, body: 'no page here' };
      }),
    );
  }
  http.fallback({ status: 404, body: 'not found' });
}

/** The site in a few lines: each host's robots.txt, then each page with its latency, status and links. */
export function describeSite(site: Site): string {
  const many = site.hosts.length > 1;
  const short = (url: string) => {
    const parsed = new URL(url);
    return many || parsed.origin === OFFSITE_ORIGIN ? `${parsed.host}${parsed.pathname}` : parsed.pathname;
  };
  const lines: string[] = [];
  for (const host of site.hosts) {
    const { robots } = host;
    const answer = robots.network
      ? 'network error'
      : (robots.status ?? 200) >= 300
        ? `${robots.status}`
        : JSON.stringify(robots.body?.trim().split('\n').slice(1).join('; '));
    lines.push(`${host.origin}/robots.txt: ${answer} after ${robots.latency} ms`);
    for (const page of site.pages.filter((candidate) => new URL(candidate.url).origin === host.origin)) {
      const replies = page.replies
        .map(
          (reply) => `${reply.network ? 'network error' : (reply.status ?? 200)} after ${reply.latency} ms`,
        )
        .join(', then ');
      const links = page.hrefs.length > 0 ? ` → ${page.hrefs.join(', ')}` : '';
      lines.push(`  ${short(page.url)}: ${replies}${links}`);
    }
  }
  lines.push(`start: ${site.start.map(short).join(', ')}`);
  return lines.join('\n');
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}
