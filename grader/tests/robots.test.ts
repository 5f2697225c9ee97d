import { describe, expect, test } from 'vitest';
import { extractLinks, parseRobots } from '../../exercises/04-polite-scraper/helpers.ts';

/** The kit's helpers for exercise 04 are not student work: they must read robots.txt as RFC 9309 says. */
const UA = 'AwaitlingsBot/1.0 (+https://awaitlings.test/bot)';

function allowed(text: string, paths: readonly string[], userAgent = UA): Record<string, boolean> {
  const rules = parseRobots(text, userAgent);
  return Object.fromEntries(paths.map((path) => [path, rules.isAllowed(path)]));
}

describe('parseRobots() - rules (RFC 9309 2.2.2)', () => {
  test('an empty file or no rules allows everything', () => {
    expect(allowed('', ['/', '/a/b?c'])).toEqual({ '/': true, '/a/b?c': true });
    expect(allowed('User-agent: *\nDisallow:\n', ['/x'])).toEqual({ '/x': true });
  });

  test('rules are prefixes of the path and query', () => {
    expect(
      allowed('User-agent: *\nDisallow: /tmp\nDisallow: /search?q=', [
        '/tmp',
        '/tmpfile',
        '/tm',
        '/search?q=1',
        '/search',
      ]),
    ).toEqual({
      '/tmp': false,
      '/tmpfile': false,
      '/tm': true,
      '/search?q=1': false,
      '/search': true,
    });
  });

  test('the longest match wins, in whatever order the rules come', () => {
    const paths = ['/a/x', '/a/b', '/a/b/c', '/b'];
    const expected = { '/a/x': false, '/a/b': true, '/a/b/c': true, '/b': true };
    expect(allowed('User-agent: *\nDisallow: /a\nAllow: /a/b\n', paths)).toEqual(expected);
    expect(allowed('User-agent: *\nAllow: /a/b\nDisallow: /a\n', paths)).toEqual(expected);
    expect(allowed('User-agent: *\nAllow: /\nDisallow: /a/b\n', ['/a/b', '/a'])).toEqual({
      '/a/b': false,
      '/a': true,
    });
  });

  test('Allow wins a tie between equally long rules', () => {
    expect(allowed('User-agent: *\nDisallow: /p\nAllow: /p\n', ['/p/x'])).toEqual({ '/p/x': true });
    expect(allowed('User-agent: *\nAllow: /p\nDisallow: /p\n', ['/p/x'])).toEqual({ '/p/x': true });
  });

  test('length is measured on the rule as written, wildcards included', () => {
    // RFC 9309 section 5.2 style: `/*.html` (7 octets) beats `/page` (5 octets).
    expect(allowed('User-agent: *\nAllow: /page\nDisallow: /*.html\n', ['/page.html', '/page'])).toEqual({
      '/page.html': false,
      '/page': true,
    });
  });

  test('`*` matches any run of characters, including none and slashes', () => {
    expect(
      allowed('User-agent: *\nDisallow: /*.pdf\n', ['/a.pdf', '/x/y/b.pdf', '/b.pdf?dl=1', '/b.PDF', '/pdf']),
    ).toEqual({
      '/a.pdf': false,
      '/x/y/b.pdf': false,
      '/b.pdf?dl=1': false,
      '/b.PDF': true,
      '/pdf': true,
    });
    expect(allowed('User-agent: *\nDisallow: /a*b*c\n', ['/abc', '/a-b-c-d', '/acb'])).toEqual({
      '/abc': false,
      '/a-b-c-d': false,
      '/acb': true,
    });
  });

  test('a final `$` anchors the rule at the end of the path; elsewhere `$` is literal', () => {
    expect(allowed('User-agent: *\nDisallow: /*.pdf$\n', ['/a.pdf', '/a.pdf?x=1', '/a.pdfx'])).toEqual({
      '/a.pdf': false,
      '/a.pdf?x=1': true,
      '/a.pdfx': true,
    });
    expect(allowed('User-agent: *\nDisallow: /exact$\n', ['/exact', '/exact/', '/exactly'])).toEqual({
      '/exact': false,
      '/exact/': true,
      '/exactly': true,
    });
    expect(allowed('User-agent: *\nDisallow: /a$b\n', ['/a$b', '/a$bc', '/a'])).toEqual({
      '/a$b': false,
      '/a$bc': false,
      '/a': true,
    });
  });

  test('paths and rules compare after percent-encoding normalisation', () => {
    expect(allowed('User-agent: *\nDisallow: /%7Ejoe\n', ['/~joe/x', '/%7ejoe', '/joe'])).toEqual({
      '/~joe/x': false,
      '/%7ejoe': false,
      '/joe': true,
    });
    expect(allowed('User-agent: *\nDisallow: /café\n', ['/caf%C3%A9/menu', '/caf%c3%a9', '/cafe'])).toEqual({
      '/caf%C3%A9/menu': false,
      '/caf%c3%a9': false,
      '/cafe': true,
    });
    // An encoded reserved character is not the character itself.
    expect(allowed('User-agent: *\nDisallow: /a%2Fb\n', ['/a/b', '/a%2fb'])).toEqual({
      '/a/b': true,
      '/a%2fb': false,
    });
  });

  test('/robots.txt itself is always allowed', () => {
    expect(allowed('User-agent: *\nDisallow: /\n', ['/robots.txt', '/'])).toEqual({
      '/robots.txt': true,
      '/': false,
    });
  });
});

describe('parseRobots() - groups (RFC 9309 2.2.1)', () => {
  const groups = [
    'User-agent: *',
    'Disallow: /',
    '',
    'User-agent: OtherBot',
    'Disallow: /other',
    '',
    'User-agent: awaitlingsbot',
    'Disallow: /mine',
  ].join('\n');

  test("the crawler's own group applies instead of `*`, matched case-insensitively by product token", () => {
    expect(allowed(groups, ['/', '/mine', '/other'])).toEqual({ '/': true, '/mine': false, '/other': true });
    expect(allowed(groups, ['/', '/mine'], 'AWAITLINGSBOT')).toEqual({ '/': true, '/mine': false });
  });

  test('a crawler with no group of its own falls back to `*`', () => {
    expect(allowed(groups, ['/', '/x'], 'SomeoneElse/3.0')).toEqual({ '/': false, '/x': false });
  });

  test('with neither a group of its own nor `*`, everything is allowed', () => {
    expect(allowed('User-agent: OtherBot\nDisallow: /\n', ['/', '/x'])).toEqual({ '/': true, '/x': true });
  });

  test('consecutive User-agent lines share one group; a later group for the same crawler is merged', () => {
    const text = [
      'User-agent: OtherBot',
      'User-agent: AwaitlingsBot',
      'Disallow: /a',
      '',
      'User-agent: *',
      'Disallow: /b',
      '',
      'User-agent: awaitlingsbot',
      'Disallow: /c',
    ].join('\n');
    expect(allowed(text, ['/a', '/b', '/c', '/d'])).toEqual({
      '/a': false,
      '/b': true,
      '/c': false,
      '/d': true,
    });
  });

  test('a User-agent value with a version matches by its product token', () => {
    expect(allowed('User-agent: AwaitlingsBot/2.0\nDisallow: /v\n', ['/v'])).toEqual({ '/v': false });
  });

  test('comments, blank lines, CRLF, a BOM, odd spacing and unknown lines do not get in the way', () => {
    const text =
      '\uFEFF# robots for lab.test\r\nUSER-AGENT : *   # everyone\r\nSitemap: https://lab.test/sitemap.xml\r\n' +
      'user-agent: awaitlingsbot\r\n\r\n  disallow:   /private   # keep out\r\nfoo bar\r\n';
    expect(allowed(text, ['/private/x', '/public'])).toEqual({ '/private/x': false, '/public': true });
    expect(allowed(text, ['/private/x'], 'OtherBot')).toEqual({ '/private/x': false });
  });

  test('rules before any User-agent line belong to no group', () => {
    expect(allowed('Disallow: /\nUser-agent: *\nDisallow: /x\n', ['/', '/x'])).toEqual({
      '/': true,
      '/x': false,
    });
  });
});

describe('parseRobots() - Crawl-delay', () => {
  test('seconds become ms, fractions included', () => {
    expect(parseRobots('User-agent: *\nCrawl-delay: 2\n', UA).crawlDelayMs).toBe(2000);
    expect(parseRobots('User-agent: *\nCrawl-delay: 0.5\n', UA).crawlDelayMs).toBe(500);
    expect(parseRobots('User-agent: *\ncrawl-delay:1.25\n', UA).crawlDelayMs).toBe(1250);
  });

  test('absent or unreadable: undefined', () => {
    expect(parseRobots('User-agent: *\nDisallow: /x\n', UA).crawlDelayMs).toBeUndefined();
    expect(parseRobots('User-agent: *\nCrawl-delay: soon\n', UA).crawlDelayMs).toBeUndefined();
    expect(parseRobots('', UA).crawlDelayMs).toBeUndefined();
  });

  test("only the chosen group's delay counts", () => {
    const text =
      'User-agent: *\nCrawl-delay: 10\n\nUser-agent: AwaitlingsBot\nCrawl-delay: 1\nDisallow: /x\n';
    expect(parseRobots(text, UA).crawlDelayMs).toBe(1000);
    expect(parseRobots(text, 'OtherBot').crawlDelayMs).toBe(10_000);
  });
});

describe('extractLinks()', () => {
  const base = 'https://lab.test/dir/page';

  test('resolves every <a href> against the page, in document order', () => {
    const html =
      '<a href="other">1</a> <a href="/root">2</a> <a href="../up">3</a> <a href="https://else.test/x">4</a> ' +
      '<a href="//proto.test/y">5</a> <a href="?q=1">6</a>';
    expect(extractLinks(html, base)).toEqual([
      'https://lab.test/dir/other',
      'https://lab.test/root',
      'https://lab.test/up',
      'https://else.test/x',
      'https://proto.test/y',
      'https://lab.test/dir/page?q=1',
    ]);
  });

  test('keeps fragments (normalising is the crawler’s job) and drops exact repeats', () => {
    expect(extractLinks('<a href="/a">x</a><a href="/a#top">y</a><a href="/a">z</a>', base)).toEqual([
      'https://lab.test/a',
      'https://lab.test/a#top',
    ]);
  });

  test('reads any quoting and letter case, with other attributes around', () => {
    const html =
      '<A HREF=\'/single\'>1</A> <a href=/bare>2</a> <a class="x" data-id=7 href="/late" title=\'t\'>3</a> ' +
      '<a\n  href = "/spaced" >4</a>';
    expect(extractLinks(html, base)).toEqual([
      'https://lab.test/single',
      'https://lab.test/bare',
      'https://lab.test/late',
      'https://lab.test/spaced',
    ]);
  });

  test('decodes entities in the href', () => {
    expect(extractLinks('<a href="/s?a=1&amp;b=2&#38;c=3">x</a>', base)).toEqual([
      'https://lab.test/s?a=1&b=2&c=3',
    ]);
  });

  test('ignores non-http links, anchors without href, lookalike tags and broken URLs', () => {
    const html =
      '<a href="mailto:me@lab.test">m</a> <a href="javascript:void(0)">j</a> <a href="tel:123">t</a> ' +
      '<a name="top">n</a> <abbr href="/abbr">a</abbr> <a data-href="/data">d</a> <a href="http://[broken">b</a> ' +
      '<link href="/style.css"> <a href="/ok">ok</a>';
    expect(extractLinks(html, base)).toEqual(['https://lab.test/ok']);
  });

  test('URL parsing lower-cases the host and drops a default port', () => {
    expect(extractLinks('<a href="HTTPS://LAB.Test:443/Path?Q=A">x</a>', base)).toEqual([
      'https://lab.test/Path?Q=A',
    ]);
  });
});
