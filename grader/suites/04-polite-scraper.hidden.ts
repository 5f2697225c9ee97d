import type * as Api from '../../exercises/04-polite-scraper/index.ts';
import { defineSuite, demand, show } from '../lab/index.ts';
import * as sites from './04-polite-scraper/scenarios.ts';
import { crawlSite } from './04-polite-scraper/support.ts';

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
