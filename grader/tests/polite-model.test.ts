import * as fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { maxOverlap, minGapByOrigin, type RequestRecord } from '../lab/index.ts';
import { type Site, siteArbitrary } from '../lab/sites.ts';
import { isRobots, type ModelOptions, SiteModel } from '../suites/04-polite-scraper/model.ts';

/**
 * The 04 suite judges crawlers against a model: its schedule must keep every rule it enforces, and its idle
 * detector must flag a crawler that spaces all hosts with one delay.
 */
const options = (site: Site, perHostDelayMs: number, maxConcurrency: number): ModelOptions => ({
  userAgent: 'AwaitlingsBot/1.0',
  maxPages: 100,
  maxConcurrency,
  perHostDelayMs,
  allowedHosts: site.hosts.map((host) => new URL(host.origin).host),
});

/** The model's own schedule as the lab would have recorded it. */
function recorded(model: SiteModel): RequestRecord[] {
  return model.simulate().map((request, index) => {
    const url = new URL(request.url);
    const robots = url.pathname === '/robots.txt';
    const outcome = robots ? undefined : model.page(request.url).outcome;
    return {
      index,
      method: 'GET',
      url: request.url,
      origin: request.origin,
      path: url.pathname + url.search,
      headers: {},
      start: request.start,
      end: request.end,
      headersAt: request.end,
      outcome: outcome === 'error' ? 'network-error' : 'response',
      status: typeof outcome === 'number' ? outcome : robots ? 200 : undefined,
      inFlightAtStart: 0,
    };
  });
}

const sites = siteArbitrary({ pages: [1, 6], extraLinks: [0, 4], crawlDelay: [100, 900], failures: true });

describe('SiteModel', () => {
  test('its schedule keeps the rules: robots.txt first, spacing, the concurrency limit, no idling', () => {
    fc.assert(
      fc.property(
        sites,
        fc.integer({ min: 50, max: 600 }),
        fc.integer({ min: 1, max: 4 }),
        (site, delay, slots) => {
          const model = new SiteModel(site, options(site, delay, slots));
          const timeline = recorded(model);
          expect(maxOverlap(timeline).max).toBeLessThanOrEqual(slots);
          for (const [origin, { gap }] of minGapByOrigin(timeline)) {
            expect(gap).toBeGreaterThanOrEqual(model.host(origin).gapMs);
          }
          for (const origin of new Set(timeline.map((record) => record.origin))) {
            const first = timeline.find((record) => record.origin === origin);
            expect(first && isRobots(first)).toBe(true);
          }
          expect(model.findIdle(timeline)).toBeUndefined();
        },
      ),
      { numRuns: 200, seed: 4 },
    );
  });

  test('its schedule fetches exactly the pages of its expected report', () => {
    fc.assert(
      fc.property(sites, (site) => {
        const model = new SiteModel(site, options(site, 100, 3));
        const fetched = model
          .simulate()
          .filter((request) => !request.url.endsWith('/robots.txt'))
          .map((request) => request.url);
        const { pages, skipped } = model.expected();
        const errors = [...skipped].filter(([, reason]) => reason === 'error').map(([url]) => url);
        expect(new Set(fetched)).toEqual(new Set([...pages.keys(), ...errors]));
        expect(fetched.length).toBe(new Set(fetched).size);
      }),
      { numRuns: 200, seed: 5 },
    );
  });

  test('a crawler that spaces every host with one delay is caught idling', () => {
    const site: Site = {
      hosts: [
        { origin: 'https://a.lab.test', robots: { latency: 10, status: 404 } },
        { origin: 'https://b.lab.test', robots: { latency: 10, status: 404 } },
      ],
      pages: [
        { url: 'https://a.lab.test/', hrefs: [], replies: [{ latency: 10 }] },
        { url: 'https://b.lab.test/', hrefs: [], replies: [{ latency: 10 }] },
      ],
      start: ['https://a.lab.test/', 'https://b.lab.test/'],
    };
    const model = new SiteModel(site, options(site, 300, 2));
    const request = (index: number, url: string, start: number): RequestRecord => ({
      index,
      method: 'GET',
      url,
      origin: new URL(url).origin,
      path: new URL(url).pathname,
      headers: {},
      start,
      end: start + 10,
      outcome: 'response',
      status: url.endsWith('robots.txt') ? 404 : 200,
      inFlightAtStart: 1,
    });
    const oneClock = [
      request(0, 'https://a.lab.test/robots.txt', 0),
      request(1, 'https://b.lab.test/robots.txt', 300),
      request(2, 'https://a.lab.test/', 600),
      request(3, 'https://b.lab.test/', 900),
    ];
    expect(model.findIdle(oneClock)).toMatchObject({ at: 0, origin: 'https://b.lab.test', nextStart: 300 });
    const twoClocks = [
      request(0, 'https://a.lab.test/robots.txt', 0),
      request(1, 'https://b.lab.test/robots.txt', 0),
      request(2, 'https://a.lab.test/', 300),
      request(3, 'https://b.lab.test/', 300),
    ];
    expect(model.findIdle(twoClocks)).toBeUndefined();
  });
});
