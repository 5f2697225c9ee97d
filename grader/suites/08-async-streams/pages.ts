/**
 * A cursor-paginated JSON API on the lab's msw routes, generated page by page, and what the timeline says about
 * when each page was asked for.
 */
import { fc, type Lab, type RequestRecord } from '../../lab/index.ts';
import type { Consumed } from './streams.ts';

export const API = 'https://api.test/items';

/** How a page points to the next one. */
export type LinkStyle = 'body' | 'relative-body' | 'header' | 'relative-header' | 'loose-header';

export interface PageSpec {
  /** Items on the page (0 is allowed: an empty page still has a next link). */
  size: number;
  /** Virtual ms until the page arrives. */
  latency: number;
  link: LinkStyle;
  /** The page fails: a 503 status, or a network error. */
  fail?: 'status' | 'network';
}

/** The URL of page p: the first is `API` itself. */
export function pageUrl(p: number, relative = false): string {
  if (p === 0) return API;
  return relative ? `/items?cursor=c${p}` : `${API}?cursor=c${p}`;
}

/** Routes every page and returns the items in order, for the check to compare with. */
export function mountPages(lab: Lab, pages: readonly PageSpec[]): { url: string; items: string[] } {
  const items: string[] = [];
  pages.forEach((page, p) => {
    const own = Array.from({ length: page.size }, (_, i) => `p${p}.${i}`);
    items.push(...own);
    const last = p === pages.length - 1;
    const relative = page.link === 'relative-body' || page.link === 'relative-header';
    const next = last ? null : pageUrl(p + 1, relative);
    const inBody = page.link === 'body' || page.link === 'relative-body';
    const headers: Record<string, string> = {};
    if (page.link === 'loose-header' && next !== null) {
      // What RFC 8288 also allows: an unquoted rel, spaces around `;` and `=`, the next link first or last.
      headers.link =
        p % 2 === 0 ? `<${next}>;rel=next` : `<${API}?cursor=first>; rel="first", <${next}> ; rel = "next"`;
    } else if (!inBody && next !== null) {
      // A `first` link first, as real APIs send it: the `next` one must be picked by its rel.
      headers.link = `<${API}?cursor=first>; rel="first", <${next}>; rel="next"`;
    }
    lab.http.route(pageUrl(p), {
      latency: page.latency,
      status: page.fail === 'status' ? 503 : 200,
      network: page.fail === 'network' ? 'error' : undefined,
      headers,
      body:
        page.fail === 'status'
          ? { error: 'busy' }
          : inBody
            ? { items: own, next }
            : own.length === 0 && page.link === 'loose-header'
              ? {}
              : { items: own },
    });
  });
  return { url: API, items };
}

/** Pages of 0 to 4 items with latencies of 1 to 300 ms, linked in the given styles (absolute by default). */
export function pagesArbitrary(
  options: { minPages?: number; maxPages?: number; links?: readonly LinkStyle[] } = {},
) {
  const { minPages = 1, maxPages = 5, links = ['body', 'header'] } = options;
  return fc.array(
    fc.record({
      size: fc.integer({ min: 0, max: 4 }),
      latency: fc.integer({ min: 1, max: 300 }),
      link: fc.constantFrom(...links),
    }),
    { minLength: minPages, maxLength: maxPages },
  );
}

/** Busy times after each item: bursts (0) and slow steps. */
export const busyArbitrary = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 400 })), {
  minLength: 1,
  maxLength: 6,
});

/** `3 pages of 2, 0, 4 items (latencies 40, 5, 200 ms)` */
export function describePages(pages: readonly PageSpec[]): string {
  return `${pages.length} page${pages.length === 1 ? '' : 's'} of ${pages.map((p) => p.size).join(', ')} items (latencies ${pages
    .map((p) => p.latency)
    .join(', ')} ms${pages.some((p) => p.link.includes('header')) ? ', some linked by a Link header' : ''})`;
}

/** The request for page p, if it was made. */
export function requestFor(lab: Lab, p: number): RequestRecord | undefined {
  const url = new URL(pageUrl(p)).href;
  return lab.http.timeline.find((record) => record.url === url);
}

/**
 * When page p + 1 may be asked for under the rule: once page p has arrived and the consumer has asked for more
 * than (items of pages 0..p) − prefetch items. Undefined if the consumer never asked for that many.
 */
export function earliestStart(
  lab: Lab,
  pages: readonly PageSpec[],
  p: number,
  prefetch: number,
  consumed: Consumed<unknown>,
): number | undefined {
  if (p < 0) return consumed.asks[0];
  const arrived = requestFor(lab, p)?.end;
  if (arrived === undefined) return undefined;
  const fetched = pages.slice(0, p + 1).reduce((sum, page) => sum + page.size, 0);
  const needed = fetched - prefetch; // the consumer's ask number `needed` (0-based) makes the rule hold
  if (needed < 0) return arrived;
  const ask = consumed.asks[needed];
  return ask === undefined ? undefined : Math.max(arrived, ask);
}

/** The page requests on one line each, for messages. */
export function requestsPicture(lab: Lab, consumed: Consumed<unknown>): string {
  const lines = lab.http.timeline.map(
    (r) =>
      `  ${r.path.padEnd(22)} asked at ${r.start} ms, ${r.outcome === 'pending' ? 'still in flight' : `${r.outcome} at ${r.end} ms`}`,
  );
  return `\n\nRequests:\n${lines.join('\n') || '  (none)'}\nThe consumer asked for items at ${consumed.asks.join(', ')} ms.`;
}
