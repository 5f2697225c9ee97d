/**
 * Exercise 04: the parsing half of a crawler, provided by the kit. You do not need to change this file.
 *
 * - `extractLinks(html, baseUrl)`: the links of a page, resolved against it.
 * - `parseRobots(text, userAgent)`: a robots.txt file read as RFC 9309 says, for one crawler.
 */

/**
 * The `href` of every `<a>` element in `html`, resolved against `baseUrl`, once each, in document order.
 * Only http and https links are kept. The links are **not** normalised: a link written `/a#top` comes back
 * as `https://host/a#top`, and dropping the fragment is up to you.
 *
 * @example
 * extractLinks('<a href="/b">b</a> <a href="https://other.test/">x</a>', 'https://a.test/index');
 * // ['https://a.test/b', 'https://other.test/']
 */
export function extractLinks(html: string, baseUrl: string | URL): string[] {
  const links: string[] = [];
  const seen = new Set<string>();
  for (const tag of html.matchAll(/<a\b([^>]*)>/gi)) {
    const raw = attribute(tag[1], 'href');
    if (raw === undefined) continue;
    let resolved: URL;
    try {
      resolved = new URL(decodeEntities(raw).trim(), baseUrl);
    } catch {
      continue;
    }
    if (resolved.protocol !== 'http:' && resolved.protocol !== 'https:') continue;
    if (seen.has(resolved.href)) continue;
    seen.add(resolved.href);
    links.push(resolved.href);
  }
  return links;
}

/** What one robots.txt file says to one crawler. */
export interface RobotsRules {
  /**
   * Whether the crawler may fetch `path`: the path and query of a URL (`url.pathname + url.search`).
   * `/robots.txt` itself is always allowed.
   */
  isAllowed(path: string): boolean;
  /** The group's `Crawl-delay`, converted from seconds to ms; `undefined` when the file sets none. */
  crawlDelayMs?: number;
}

/**
 * Reads a robots.txt file as RFC 9309 says, for the crawler named by `userAgent`.
 *
 * - The group is picked by the crawler's product token (`AwaitlingsBot` in `AwaitlingsBot/1.0 (+https://…)`),
 *   compared case-insensitively with each group's `User-agent` lines; every matching group counts. With none,
 *   the `*` groups apply; with no `*` group either, everything is allowed.
 * - The longest matching rule wins (`Allow: /a/b` beats `Disallow: /a`); on a tie `Allow` wins.
 * - `*` in a rule matches any run of characters, and a final `$` anchors the rule at the end of the path.
 * - Paths and rules are compared after percent-encoding normalisation (`/%7Ea` is `/~a`).
 * - `Crawl-delay: 2.5` gives `crawlDelayMs: 2500` (a non-standard line that most crawlers honour).
 *
 * @example
 * const rules = parseRobots('User-agent: *\nDisallow: /private\nAllow: /private/open\n', 'AwaitlingsBot/1.0');
 * rules.isAllowed('/private/x'); // false
 * rules.isAllowed('/private/open/x'); // true
 */
export function parseRobots(text: string, userAgent: string): RobotsRules {
  const groups = parseGroups(text);
  const token = productToken(userAgent);
  let chosen = groups.filter((group) => group.agents.some((agent) => agent !== '*' && agent === token));
  if (chosen.length === 0) chosen = groups.filter((group) => group.agents.includes('*'));
  const rules = chosen.flatMap((group) => group.rules);
  const delays = chosen.map((group) => group.crawlDelayMs).filter((ms) => ms !== undefined);
  const crawlDelayMs = delays.length > 0 ? Math.max(...delays) : undefined;
  return {
    isAllowed(path: string): boolean {
      const target = canonical(path.startsWith('/') ? path : `/${path}`);
      if (target === '/robots.txt') return true;
      let best: { length: number; allow: boolean } | undefined;
      for (const rule of rules) {
        if (!rule.regex.test(target)) continue;
        const better =
          !best || rule.length > best.length || (rule.length === best.length && rule.allow && !best.allow);
        if (better) best = { length: rule.length, allow: rule.allow };
      }
      return best?.allow ?? true;
    },
    crawlDelayMs,
  };
}

interface Rule {
  allow: boolean;
  regex: RegExp;
  /** Octets in the canonical pattern: the longest match wins. */
  length: number;
}

interface Group {
  /** Lower-cased product tokens, or `*`. */
  agents: string[];
  rules: Rule[];
  crawlDelayMs?: number;
}

const MEMBER_FIELDS = new Set(['allow', 'disallow', 'crawl-delay']);

function parseGroups(text: string): Group[] {
  const groups: Group[] = [];
  let current: Group | undefined;
  let collectingAgents = false;
  for (const rawLine of text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)) {
    const line = rawLine.replace(/#.*$/, '').trim();
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const field = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (field === 'user-agent') {
      if (!current || !collectingAgents) {
        current = { agents: [], rules: [] };
        groups.push(current);
        collectingAgents = true;
      }
      current.agents.push(value === '*' ? '*' : productToken(value));
      continue;
    }
    // Lines that are not group members (Sitemap, unknown fields) neither end nor join a group.
    if (!current || !MEMBER_FIELDS.has(field)) continue;
    collectingAgents = false;
    if (field === 'crawl-delay') {
      if (/^\d+(\.\d+)?$/.test(value)) {
        current.crawlDelayMs = Math.max(current.crawlDelayMs ?? 0, Math.round(Number(value) * 1000));
      }
    } else if (value !== '') {
      const pattern = canonical(value);
      current.rules.push({ allow: field === 'allow', regex: toRegex(pattern), length: pattern.length });
    }
  }
  return groups;
}

/** `AwaitlingsBot/1.0 (+https://…)` → `awaitlingsbot`. */
function productToken(userAgent: string): string {
  return userAgent.trim().split(/[/\s]/)[0].toLowerCase();
}

function toRegex(pattern: string): RegExp {
  const anchored = pattern.endsWith('$');
  const body = anchored ? pattern.slice(0, -1) : pattern;
  const source = body
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}${anchored ? '$' : ''}`);
}

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/** Percent-encoding normalised: unreserved octets decoded, other escapes upper-cased, non-ASCII encoded. */
function canonical(path: string): string {
  let out = '';
  for (let i = 0; i < path.length; ) {
    const hex = path.slice(i + 1, i + 3);
    if (path[i] === '%' && /^[0-9a-fA-F]{2}$/.test(hex)) {
      const char = String.fromCharCode(Number.parseInt(hex, 16));
      out += UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
      i += 3;
      continue;
    }
    const char = String.fromCodePoint(path.codePointAt(i) ?? 0);
    const code = char.codePointAt(0) ?? 0;
    out += code <= 0x20 || code >= 0x7f ? percentEncode(char) : char;
    i += char.length;
  }
  return out;
}

function percentEncode(char: string): string {
  try {
    return encodeURIComponent(char);
  } catch {
    return char; // a lone surrogate has no UTF-8 form: compare it as it is
  }
}

function attribute(attributes: string, name: string): string | undefined {
  const pattern = new RegExp(`(?:^|\\s)${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s"'=<>\`]+))`, 'i');
  const match = attributes.match(pattern);
  if (!match) return undefined;
  return match[1] ?? match[2] ?? match[3];
}

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity[0] === '#') {
      const code =
        entity[1] === 'x' || entity[1] === 'X'
          ? Number.parseInt(entity.slice(2), 16)
          : Number.parseInt(entity.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[entity.toLowerCase()] ?? whole;
  });
}
