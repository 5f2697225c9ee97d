/**
 * Comparing a crawl report with the model's: the same pages (status, links as a set), the same skipped URLs for
 * the same reasons, each URL once, pages in the order their fetches started.
 */
import { demand, type RequestRecord, show } from '../../lab/index.ts';
import type { ExpectedReport } from './model.ts';
import { picture, type Reported } from './support.ts';

const SHOWN = 3;

export function compareReport(
  report: Reported,
  expected: ExpectedReport,
  timeline: readonly RequestRecord[],
): void {
  const concept = 'a crawl report';
  const twicePage = duplicate(report.pages.map((page) => page.url));
  demand(
    twicePage === undefined,
    `\`pages\` should list each page once (URLs compared without their fragment), but it lists ${twicePage} twice.`,
    { concept: 'deduplicating at discovery' },
  );
  const twiceSkipped = duplicate(report.skipped.map((entry) => entry.url));
  demand(
    twiceSkipped === undefined,
    `\`skipped\` should list each URL once, however many pages link to it, but it lists ${twiceSkipped} more than once.`,
    { concept: 'deduplicating at discovery' },
  );

  const listed = new Map(report.pages.map((page) => [page.url, page]));
  const missing = [...expected.pages.keys()].filter((url) => !listed.has(url));
  demand(
    missing.length === 0,
    () =>
      `These pages should be fetched and listed in \`pages\`: ${sample(missing)}${whyNot(report, missing[0])}.` +
      picture(timeline),
    { concept },
  );
  const extra = report.pages.filter((page) => !expected.pages.has(page.url)).map((page) => page.url);
  demand(
    extra.length === 0,
    () =>
      `\`pages\` lists ${sample(extra)}, which should not be there: ${reasonFor(expected, extra[0])}.` +
      picture(timeline),
    { concept },
  );
  for (const page of report.pages) {
    const want = expected.pages.get(page.url);
    if (!want) continue;
    demand(
      page.status === want.status,
      `${page.url} answered ${want.status}, but \`pages\` gives it status ${show(page.status)}.`,
      { concept },
    );
    const absent = want.links.filter((link) => !page.links.has(link));
    const invented = [...page.links].filter((link) => !want.links.includes(link));
    demand(
      absent.length === 0 && invented.length === 0,
      () =>
        `The links of ${page.url} should be every link on the page (${want.status >= 300 ? `none: it answered ${want.status}` : sample(want.links) || 'none'}), ` +
        `compared as a set without fragments, but ${
          absent.length > 0 ? `yours lack ${sample(absent)}` : `yours add ${sample(invented)}`
        }.`,
      { concept },
    );
  }

  const reasons = new Map(report.skipped.map((entry) => [entry.url, entry.reason]));
  for (const [url, reason] of expected.skipped) {
    const actual = reasons.get(url);
    demand(
      actual === reason,
      () =>
        `${url} should be in \`skipped\` with reason '${reason}' (${explain(reason)}), but ${
          actual === undefined
            ? listed.has(url)
              ? 'it is listed in `pages` instead'
              : 'it is not in `skipped`'
            : `its reason is ${show(actual)}`
        }.${picture(timeline)}`,
      { concept },
    );
  }
  const strays = report.skipped.filter((entry) => !expected.skipped.has(entry.url)).map((entry) => entry.url);
  demand(
    strays.length === 0,
    () =>
      `\`skipped\` lists ${sample(strays)}, but ${
        expected.pages.has(strays[0]) ? 'it was fetched' : 'no fetched page links to it'
      }: \`skipped\` holds every discovered URL that was not fetched, and only those.`,
    { concept },
  );

  const firstStart = new Map<string, number>();
  for (const record of timeline) if (!firstStart.has(record.url)) firstStart.set(record.url, record.start);
  for (let i = 1; i < report.pages.length; i++) {
    const [before, after] = [report.pages[i - 1], report.pages[i]];
    const [was, is] = [firstStart.get(before.url) ?? 0, firstStart.get(after.url) ?? 0];
    demand(
      was <= is,
      () =>
        `\`pages\` should follow the order in which the fetches started, but it lists ${before.url} (started at ` +
        `${was} ms) before ${after.url} (started at ${is} ms). Remember the order when a fetch starts, not when ` +
        `it ends.${picture(timeline)}`,
      { concept: 'results in start order, not completion order' },
    );
  }
}

function duplicate(urls: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const url of urls) {
    if (seen.has(url)) return url;
    seen.add(url);
  }
  return undefined;
}

function sample(urls: readonly string[]): string {
  return `${urls.slice(0, SHOWN).join(', ')}${urls.length > SHOWN ? ` and ${urls.length - SHOWN} more` : ''}`;
}

function whyNot(report: Reported, url: string | undefined): string {
  const reason = report.skipped.find((entry) => entry.url === url)?.reason;
  return reason === undefined ? '' : ` (yours skipped ${url} as ${show(reason)})`;
}

function reasonFor(expected: ExpectedReport, url: string | undefined): string {
  const reason = url === undefined ? undefined : expected.skipped.get(url);
  return reason === undefined
    ? 'no fetched page links to it'
    : `it should be skipped as '${reason}' (${explain(reason)})`;
}

function explain(reason: string): string {
  switch (reason) {
    case 'offsite':
      return 'its host is not allowed';
    case 'robots':
      return 'robots.txt forbids it';
    case 'error':
      return 'its fetch failed: a network error, or Retry-After 3 times';
    default:
      return 'maxPages was reached';
  }
}
