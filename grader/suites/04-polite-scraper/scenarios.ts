/**
 * The hand-written sites of the 04 suite: each one sets up a rule so that any crawler that breaks it shows it,
 * whatever order it fetches in.
 */
import type { Lab, Reply } from '../../lab/index.ts';
import { mountSite, OFFSITE_ORIGIN, pageHtml, SITE_ORIGINS, type Site } from '../../lab/sites.ts';
import { siteOf } from './support.ts';

export const [A, B, C] = SITE_ORIGINS;
export const D = 'https://d.lab.test';

const paths = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i + 1}`);
const plain = (list: readonly string[], page: object = {}) =>
  Object.fromEntries(list.map((path) => [path, page]));

/** Four pages of A start at once while its robots.txt is slow; A's index then finds five pages of B at once. */
export const burst: Site = siteOf([`${A}/`, `${A}/p1`, `${A}/p2`, `${A}/p3`], {
  [A]: {
    robots: { latency: 300, body: 'User-agent: *\nDisallow: /private\n' },
    pages: { '/': { latency: 50, links: [`${B}/`, ...paths(`${B}/b`, 4)] }, ...plain(paths('/p', 3)) },
  },
  [B]: { robots: { latency: 250, status: 404 }, pages: { '/': {}, ...plain(paths('/b', 4)) } },
});

/** RFC 9309 on one file: groups, longest match, Allow on ties, `*` and `$`. Path → why it is allowed. */
export const robotsAllows: Record<string, string> = {
  '/about':
    'only the group for AwaitlingsBot applies to your crawler, not `User-agent: *` with `Disallow: /`',
  '/private/open-day':
    '`Allow: /private/open` is longer than `Disallow: /private/`, and the longest match wins',
  '/files/report.pdf?download=1': '`Disallow: /*.pdf$` ends with `$`: it matches only paths that end in .pdf',
  '/tmp/public': '`Allow: /tmp/public$` is longer than `Disallow: /tmp`',
  '/blog/post': '`Allow: /blog` and `Disallow: /blog` are equally long, and Allow wins a tie',
};

/** Path → why robots.txt forbids it. */
export const robotsForbids: Record<string, string> = {
  '/private/secret': '`Disallow: /private/`',
  '/files/report.pdf': '`Disallow: /*.pdf$`: `*` matches any characters, `$` the end of the path',
  '/tmpfiles/a': '`Disallow: /tmp` matches every path that starts with /tmp',
  '/tmp/public/old': '`Allow: /tmp/public$` stops at the end of its path, so `Disallow: /tmp` applies',
};

const ruleLinks = [...Object.keys(robotsAllows), ...Object.keys(robotsForbids)];
export const rules: Site = siteOf([`${A}/`], {
  [A]: {
    robots: [
      '# Groups for other crawlers must not apply to yours.',
      'User-agent: *',
      'Disallow: /',
      '',
      'User-agent: OtherBot',
      'Allow: /',
      '',
      'User-agent: awaitlingsbot',
      'Disallow: /private/',
      'Allow: /private/open',
      'Disallow: /*.pdf$',
      'Disallow: /tmp',
      'Allow: /tmp/public$',
      'Disallow: /blog',
      'Allow: /blog',
      '',
    ].join('\n'),
    pages: { '/': { links: ruleLinks }, ...plain(ruleLinks) },
  },
});

/**
 * robots.txt answers 404 (A), 500 (B), a network error (C) and 403 (D). /a1 is fetched after B's and C's robots.txt
 * have answered, and links more of their pages: those are found once the host is known to be off limits.
 */
export const unavailable: Site = siteOf([`${A}/`], {
  [A]: {
    robots: { latency: 20, status: 404 },
    pages: { '/': { links: ['/a1', `${B}/`, `${C}/`, `${D}/`] }, '/a1': { links: [`${B}/b2`, `${C}/c2`] } },
  },
  [B]: { robots: { latency: 20, status: 500 }, pages: { '/': { links: ['/b1'] }, ...plain(['/b1', '/b2']) } },
  [C]: {
    robots: { latency: 20, network: 'error' },
    pages: { '/': { links: ['/c1'] }, ...plain(['/c1', '/c2']) },
  },
  [D]: { robots: { latency: 20, status: 403 }, pages: { '/': { links: ['/d1'] }, '/d1': {} } },
});

export const twoHosts: Site = siteOf([`${A}/`], {
  [A]: {
    robots: 'User-agent: *\nDisallow: /private\n',
    pages: { '/': { links: ['/a1', `${B}/`] }, '/a1': {} },
  },
  [B]: { pages: { '/': { links: ['/b1'] }, '/b1': {} } },
});

/** Three pages of A wait for a robots.txt that arrives after the default delay and asks for a longer one. */
export const crawlDelay: Site = siteOf([`${A}/`, `${B}/`, `${A}/a1`, `${A}/a2`], {
  [A]: {
    robots: { latency: 1200, body: 'User-agent: *\nCrawl-delay: 1.5\n' },
    pages: { '/': { links: ['/a1', '/a2', '/a3'] }, ...plain(['/a1', '/a2', '/a3']) },
  },
  [B]: { pages: { '/': { links: ['/b1', '/b2'] }, ...plain(['/b1', '/b2']) } },
});

/**
 * A's page starts first (its robots.txt is quick) and ends last; B's starts later (its robots.txt is slow) and ends
 * long before it. `pages` is in start order.
 */
export const finishOutOfOrder: Site = siteOf([`${A}/`, `${B}/`], {
  [A]: { robots: { latency: 5, status: 404 }, pages: { '/': { latency: 300 } } },
  [B]: { robots: { latency: 150, status: 404 }, pages: { '/': { latency: 10 } } },
});

/** Three hosts start at once with slow robots.txt files. */
export const threeHosts: Site = siteOf(
  [`${A}/`, `${B}/`, `${C}/`],
  Object.fromEntries(
    [A, B, C].map((origin) => [
      origin,
      { robots: { latency: 300, status: 404 }, pages: { '/': { latency: 300, links: ['/x1'] }, '/x1': {} } },
    ]),
  ),
);

/** One index with eight slow pages: a crawler with the default limit keeps four of them in flight. */
export const wide: Site = siteOf([`${A}/`], {
  [A]: { pages: { '/': { links: paths('/p', 8) }, ...plain(paths('/p', 8), { latency: 1000 }) } },
});

/** The same pages under many spellings, slow enough that a second copy would start before the first ends. */
export const aliases: Site = siteOf([`${A}/`, `${A}/#intro`, 'HTTPS://A.LAB.TEST:443/'], {
  [A]: {
    pages: {
      '/': {
        latency: 400,
        links: ['/one', '/one#top', 'HTTPS://A.Lab.Test/one', 'https://a.lab.test:443/two', '/two', `${B}/`],
      },
      '/one': { latency: 400, links: ['/', '/two#end', `${B}/b1`, '/ONE', '/one?Q=1'] },
      '/two': { latency: 400, links: ['/one', '/'] },
      '/ONE': { latency: 400 },
      '/one?Q=1': { latency: 400 },
    },
  },
  [B]: {
    pages: {
      '/': { latency: 400, links: [`${A}/one`, `${A}/two#x`, '/b1', '/b1#x'] },
      '/b1': { latency: 400, links: [`${A}/`, 'https://B.lab.test/b1'] },
    },
  },
});

/**
 * Every kind of page failure, a forbidden link, an offsite link and a fragment. /missing is a friendly 404 page
 * whose HTML links /only-from-404 (see `friendly404`); /broken-later is a 500 that sends Retry-After.
 */
export const failures: Site = siteOf([`${A}/`], {
  [A]: {
    robots: 'User-agent: *\nDisallow: /private\n',
    pages: {
      '/': {
        links: [
          '/a#top',
          '/private/x',
          `${OFFSITE_ORIGIN}/x`,
          `${B}/`,
          '/missing',
          '/gone',
          '/broken',
          '/busy',
          '/broken-later',
        ],
      },
      '/a': { links: ['/', '/a', '/b?Q=1#frag', '/unavailable', '/unreachable'] },
      '/b?Q=1': { latency: 200 },
      '/missing': { replies: [{ latency: 10, status: 404 }] },
      '/gone': { replies: [{ latency: 10, status: 410 }] },
      '/broken': { replies: [{ latency: 10, status: 500 }] },
      '/busy': { replies: [{ latency: 10, status: 429 }] },
      '/unavailable': { replies: [{ latency: 10, status: 503 }] },
      '/unreachable': { replies: [{ latency: 10, network: 'error' }] },
      '/broken-later': { replies: [{ latency: 10, status: 500, headers: { 'retry-after': '1' } }] },
      '/only-from-404': {},
    },
  },
  [B]: { pages: { '/': { links: [`${A}/`] } } },
});

/** The failed pages of `failures` that are requested once, with what they answer. */
export const notRetried: Record<string, string> = {
  '/missing': '404',
  '/gone': '410',
  '/broken': '500',
  '/busy': '429 without Retry-After',
  '/unavailable': '503 without Retry-After',
  '/broken-later': '500 with Retry-After (only a 429 or a 503 asks to come back later)',
};

/** Serves `failures`' /missing as a 404 whose HTML has links, as real "page not found" pages do. */
export function friendly404(lab: Lab): void {
  lab.http.route(`${A}/missing`, {
    latency: 10,
    status: 404,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: pageHtml('Not found', ['/', '/only-from-404']),
  });
}

/** maxPages: 3 runs out while /a1../a5 load; what they link to is found only after that. */
export const budget: Site = siteOf([`${A}/`], {
  [A]: {
    robots: 'User-agent: *\nDisallow: /private\n',
    pages: {
      '/': { links: [...paths('/a', 5), '/private/x', `${OFFSITE_ORIGIN}/x`] },
      ...plain(paths('/a', 5), {
        latency: 1000,
        links: [`${C}/`, '/private/y', `${OFFSITE_ORIGIN}/y`, '/a6'],
      }),
      '/a6': {},
    },
  },
  [C]: { pages: { '/': {} } },
});

/** /r is tried twice (429, then 200): with maxPages: 3, /s still fits. */
export const retriedBudget: Site = siteOf([`${A}/`], {
  [A]: {
    pages: {
      '/': { links: ['/r', '/s'] },
      '/r': { replies: [{ latency: 10, status: 429, headers: { 'retry-after': '1' } }, { latency: 10 }] },
      '/s': {},
    },
  },
});

/**
 * maxPages: 1 is spent on A's index while B's robots.txt is still on its way; A's index links a page of B that
 * robots.txt forbids, one it allows, and another page of A.
 */
export const pendingRobots: Site = siteOf([`${A}/`, `${B}/`], {
  [A]: {
    robots: 'User-agent: *\nDisallow: /private\n',
    pages: { '/': { links: [`${B}/private/x`, `${B}/open`, '/a1'] }, '/a1': {} },
  },
  [B]: {
    robots: { latency: 400, body: 'User-agent: *\nDisallow: /private\n' },
    pages: { '/': {}, '/open': {}, '/private/x': {} },
  },
});

/** Two start hosts and one slot: whichever host starts the only page, the other's robots.txt is never needed. */
export const oneSlot: Site = siteOf([`${A}/`, `${B}/`], {
  [A]: { pages: { '/': { links: ['/a1'] }, '/a1': {} } },
  [B]: { pages: { '/': { links: ['/b1'] }, '/b1': {} } },
});

/** /r answers 429 with `Retry-After: 1` at 210 ms; maxPages: 4 is spent at 250 ms, before /r's second try. */
export const retryAfterLimit: Site = siteOf([`${A}/`, `${B}/`], {
  [A]: {
    pages: {
      '/': { links: ['/r'] },
      '/r': { replies: [{ latency: 10, status: 429, headers: { 'retry-after': '1' } }, { latency: 10 }] },
    },
  },
  [B]: { pages: { '/': { latency: 150, links: ['/b1', '/b2'] }, ...plain(['/b1', '/b2']) } },
});

export const offsite: Site = siteOf([`${A}/`], {
  [A]: {
    pages: {
      '/': { links: ['/a1', `${B}/`, 'https://a.lab.test:8443/x', `${OFFSITE_ORIGIN}/x`] },
      '/a1': {},
    },
  },
  [B]: { pages: { '/': {} } },
});

/** Two hosts with an index of six slow pages each. */
export const slowPair: Site = siteOf(
  [`${A}/`, `${B}/`],
  Object.fromEntries(
    [A, B].map((origin) => [
      origin,
      {
        robots: { latency: 100, status: 404 },
        pages: { '/': { latency: 400, links: paths('/p', 6) }, ...plain(paths('/p', 6), { latency: 400 }) },
      },
    ]),
  ),
);

/** A pause a 429/503 asked for, in virtual ms. */
export interface Pause {
  url: string;
  from: number;
  until: number;
  header: string;
}

/**
 * Host A: / links /a1 and /z. /a1 answers 429 with `Retry-After: 2`, then 200 and links /a2; /a2 answers 503 with
 * an HTTP-date 3 s ahead, then 200 and links /a3; /a3 answers 429 with `Retry-After: 10` every time. Host B: an
 * index of twelve pages that keeps going meanwhile. Returns the site and the log of the pauses asked for.
 */
export function mountRetrySite(lab: Lab): { site: Site; pauses: Pause[] } {
  const pauses: Pause[] = [];
  const bees = paths('/b', 12);
  const site = siteOf([`${A}/`, `${B}/`], {
    [A]: { pages: { '/': { latency: 20, links: ['/a1', '/z'] }, '/z': { latency: 20 } } },
    [B]: { pages: { '/': { latency: 20, links: bees }, ...plain(bees, { latency: 20 }) } },
  });
  mountSite(lab.http, site);
  const busyThen = (
    url: string,
    busy: number,
    status: number,
    retryAfter: (arrivalWallMs: number) => string,
    links: string[],
  ) => {
    lab.http.route(url, (_request, { attempt, now }): Reply => {
      if (attempt > busy) {
        return { latency: 20, body: pageHtml(url, links), headers: { 'content-type': 'text/html' } };
      }
      const arrival = now + 20;
      const wallAtZero = Date.now() - now;
      const header = retryAfter(wallAtZero + arrival);
      const until = /^\d+$/.test(header) ? arrival + Number(header) * 1000 : Date.parse(header) - wallAtZero;
      pauses.push({ url, from: arrival, until, header });
      return { latency: 20, status, headers: { 'retry-after': header } };
    });
  };
  busyThen(`${A}/a1`, 1, 429, () => '2', ['/a2']);
  // An HTTP-date has whole seconds: ask for the first whole second at least 3 s after the response.
  const inThreeSeconds = (arrival: number) =>
    new Date(Math.ceil((arrival + 3000) / 1000) * 1000).toUTCString();
  busyThen(`${A}/a2`, 1, 503, inThreeSeconds, ['/a3', '/a4']);
  busyThen(`${A}/a3`, 3, 429, () => '10', []);
  // /a3's last try asks for a pause too, and that pause holds. Something on A must be waiting then, whichever goes
  // first after a pause, the retry or the next page: /a4 (found with /a3) if it waits behind /a3's tries, else
  // /a5, which slow /a4 links to once /a3's last pause has begun.
  const html = { 'content-type': 'text/html' };
  lab.http.route(`${A}/a4`, { latency: 15_000, body: pageHtml(`${A}/a4`, ['/a5']), headers: html });
  lab.http.route(`${A}/a5`, { latency: 20, body: pageHtml(`${A}/a5`, []), headers: html });
  return { site, pauses };
}

/** Retry-After values that are neither delta-seconds nor an HTTP-date, by page. */
export const unreadableRetryAfter: Record<string, { status: number; header: string }> = {
  '/soon': { status: 429, header: 'soon' },
  '/later': { status: 503, header: 'in a minute' },
};

export const unreadable: Site = siteOf([`${A}/`], {
  [A]: {
    pages: {
      '/': { links: Object.keys(unreadableRetryAfter) },
      ...Object.fromEntries(
        Object.entries(unreadableRetryAfter).map(([path, { status, header }]) => [
          path,
          { replies: [{ latency: 10, status, headers: { 'retry-after': header } }, { latency: 10 }] },
        ]),
      ),
    },
  },
});
