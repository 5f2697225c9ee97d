import type * as Api from '../../exercises/04-polite-scraper/index.ts';
import { defineSuite, demand, show } from '../lab/index.ts';
import { mountSite } from '../lab/sites.ts';
import * as sites from './04-polite-scraper/scenarios.ts';
import { crawlSite, readReport, showOptions, UA } from './04-polite-scraper/support.ts';

/** Hidden checks of exercise 04: graded on push, left out of the student template. */
const { check } = defineSuite<typeof Api>('04-polite-scraper');

check('user-agent-header', async ({ api, lab }) => {
  const userAgent = 'PoliteBot/2.3 (+https://awaitlings.test/polite)';
  await crawlSite(lab, api.crawl, sites.twoHosts, { userAgent, perHostDelayMs: 100 });
  const timeline = lab.http.timeline;
  demand(timeline.length > 0, 'Your crawler sent no request at all.');
  const wrong = timeline.filter((record) => record.headers['user-agent'] !== userAgent);
  demand(
    wrong.length === 0,
    () =>
      `Every request should carry the header \`User-Agent: ${userAgent}\` (robots.txt included: servers decide ` +
      `what to tell a crawler by its name), but ${wrong.length} of ${timeline.length} did not: ${wrong
        .slice(0, 3)
        .map((record) => `${record.url} sent ${show(record.headers['user-agent'] ?? null)}`)
        .join('; ')}.`,
    { concept: 'identifying your crawler' },
  );
});

check('bad-arguments', async ({ api, lab }) => {
  const { A } = sites;
  const start = `${A}/`;
  type Bad = readonly [option: string, start: unknown, options: unknown];
  const bad: Bad[] = [
    ['start', 42, { userAgent: UA }],
    ['start', 'not a url', { userAgent: UA }],
    ['start', [start, 'not a url'], { userAgent: UA }],
    ['start', [42], { userAgent: UA }],
    ['start', { href: start }, { userAgent: UA }],
    ['userAgent', start, {}],
    ['userAgent', start, undefined],
    ['userAgent', start, { userAgent: '' }],
    ['userAgent', start, { userAgent: '   ' }],
    ['userAgent', start, { userAgent: 42 }],
    ...[-1, 1.5, Number.NaN, '3'].map(
      (value): Bad => ['maxPages', start, { userAgent: UA, maxPages: value }],
    ),
    ...[0, -1, 2.5, Number.NaN, '2'].map(
      (value): Bad => ['maxConcurrency', start, { userAgent: UA, maxConcurrency: value }],
    ),
    ...[-1, Number.NaN, Infinity, '100'].map(
      (value): Bad => ['perHostDelayMs', start, { userAgent: UA, perHostDelayMs: value }],
    ),
    ['allowedHosts', start, { userAgent: UA, allowedHosts: 'a.lab.test' }],
    ['signal', start, { userAgent: UA, signal: { aborted: false } }],
  ];
  for (const [option, first, options] of bad) {
    lab.reset();
    mountSite(lab.http, sites.twoHosts);
    const call = `crawl(${show(first)}, ${show(options)})`;
    const settled = await lab.settle(() => api.crawl(first as string, options as Api.CrawlOptions), {
      label: call,
    });
    const reason = settled.status === 'rejected' ? settled.reason : undefined;
    demand(
      reason instanceof TypeError && reason.message.includes(option),
      () =>
        `${call} should throw (or reject with) a TypeError whose message names \`${option}\`, but it ` +
        `${settled.status === 'fulfilled' ? 'resolved' : `rejected with ${show(reason)}`}.`,
      { concept: 'validating options' },
    );
    demand(
      lab.http.timeline.length === 0,
      () => `${call} should send nothing, but your crawler requested ${lab.http.timeline[0]?.url}.`,
      { concept: 'validating options' },
    );
  }

  // The edges of what is allowed: nothing to fetch, no limits, no delay.
  const allowedHosts = ['a.lab.test', 'b.lab.test'];
  const good: Array<[options: Api.CrawlOptions, pages: number]> = [
    [{ userAgent: UA, allowedHosts, maxPages: 0 }, 0],
    [{ userAgent: UA, allowedHosts, maxPages: Infinity, maxConcurrency: Infinity, perHostDelayMs: 0 }, 4],
  ];
  for (const [options, pages] of good) {
    lab.reset();
    mountSite(lab.http, sites.twoHosts);
    const call = `crawl(${show(start)}, ${showOptions(options)})`;
    const settled = await lab.settle(() => api.crawl(start, options), { label: call });
    const fetched = settled.status === 'fulfilled' ? readReport(settled.value, call).pages.length : undefined;
    demand(
      fetched === pages,
      () =>
        `${call} is allowed and should fetch ${pages} page${pages === 1 ? '' : 's'} of this site, but it ${
          settled.status === 'fulfilled' ? `fetched ${fetched}` : `rejected with ${show(settled.reason)}`
        }.`,
      { concept: 'validating options' },
    );
  }
});
