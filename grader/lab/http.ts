import { STATUS_CODES } from 'node:http';
// `msw/core/http`, not `msw`: the main entry also loads msw's GraphQL support (the graphql package, 0.2 s per worker).
import { http } from 'msw/core/http';
import { setupServer } from 'msw/node';
import type { VirtualClock } from './clock.ts';
import { networkError, resolverFetch } from './http-fetch.ts';
import type { RequestRecord } from './timeline.ts';

/** Statuses whose responses have no body: fetch refuses to build one with a body. */
const NULL_BODY_STATUSES = new Set([204, 205, 304]);

/** What a route answers. Every field is optional: the default is an immediate `200` with an empty body. */
export interface Reply {
  /** Virtual ms until the response headers arrive. @default 0 */
  latency?: number;
  /** @default 200 */
  status?: number;
  headers?: Record<string, string>;
  /** A string is sent as text, anything else as JSON. @default '' */
  body?: unknown;
  /** Virtual ms the body takes to arrive after the headers. @default 0 */
  bodyMs?: number;
  /** `'error'`: the connection fails after `latency` (fetch rejects with a TypeError). */
  network?: 'error';
}

/**
 * Answers a request; `attempt` counts requests to this route, from 1. It runs when the request arrives, before
 * the reply's `latency`: `now` (and `Date.now()`) is the time the request was made, not when the answer lands.
 */
export type ReplyFn = (request: Request, info: { attempt: number; now: number }) => Reply | Promise<Reply>;

/** One reply for every request, a list played in order (the last repeats), or a function. */
export type RouteSpec = Reply | readonly Reply[] | ReplyFn;

interface Route {
  spec: RouteSpec;
  attempts: number;
}

/** The lab's fetch (and msw's server) live as long as the worker; routes and records are per check run. */
let labFetch: typeof fetch | undefined;
/** The lab whose routes answer now, if any. */
let attached: HttpLab | undefined;

/**
 * HTTP in virtual time, on msw: routes with latency, status, headers, body and network failures; a timeline of
 * every request; no real network, ever.
 *
 * @example
 * const urls = lab.http.routes([{ latency: 100 }, { latency: 300, status: 500 }]);
 * await lab.run(api.fetchAll(urls));
 * lab.http.timeline; // [{ path: '/r0', start: 0, end: 100, ... }, ...]
 */
export class HttpLab {
  readonly #routes = new Map<string, Route>();
  readonly #byRequestId = new Map<string, RequestRecord>();
  readonly #records: RequestRecord[] = [];
  readonly #unexpected: string[] = [];
  #fallback: RouteSpec | undefined;
  #clock: VirtualClock;

  constructor(clock: VirtualClock) {
    this.#clock = clock;
  }

  /**
   * Starts msw (once per worker) and puts the lab's fetch in place. One msw handler answers for whichever lab is
   * attached, so attaching costs nothing per check run (building an msw handler captures and source-maps a stack).
   * The lab's fetch calls that handler's resolver directly (`resolverFetch`): msw's fetch interceptor cost several
   * times the resolver's own CPU, and a body it mocked could not be cancelled (mswjs/interceptors#799). msw's server
   * stays for the rest (node:http, XMLHttpRequest): the same resolver answers them, recorded through `request:start`.
   */
  static listen(): void {
    if (labFetch) return;
    const resolve = (request: Request, requestId: string) =>
      attached ? attached.#answer(request, requestId) : Response.error();
    const handler = http.all('*', ({ request, requestId }) => resolve(request, requestId));
    const server = setupServer(handler);
    server.events.on('request:start', ({ request, requestId }) => {
      if (attached) attached.#started(request, requestId);
    });
    server.listen({ onUnhandledRequest: 'error' });
    labFetch = resolverFetch(resolve, (request, requestId) => {
      if (!attached)
        throw networkError(new Error('awaitlings lab: no HTTP lab is attached to answer this request'));
      attached.#started(request, requestId);
    });
    globalThis.fetch = labFetch;
  }

  /** The fetch the lab installed; a check fails if the student's code replaced it. */
  static get fetch(): typeof fetch {
    if (!labFetch) throw new Error('awaitlings lab: HttpLab.listen() was not called');
    return labFetch;
  }

  /** Answers every request of one check run from this lab's routes. */
  attach(): void {
    if (!labFetch) throw new Error('awaitlings lab: HttpLab.listen() was not called');
    attached = this;
  }

  /** Stops recording (requests after this are not this run's, and no route answers them). */
  detach(): void {
    if (attached === this) attached = undefined;
  }

  /** Answers `url` (any method unless given) with `spec`. Returns the URL. */
  route(url: string | URL, spec: RouteSpec = {}, method = '*'): string {
    const key = routeKey(method, String(url));
    this.#routes.set(key, { spec, attempts: 0 });
    return String(url);
  }

  /** Registers one route per reply under `origin` (`/r0`, `/r1`, ...) and returns their URLs in order. */
  routes(replies: readonly RouteSpec[], origin = 'https://lab.test'): string[] {
    return replies.map((reply, i) => this.route(`${origin}/r${i}`, reply));
  }

  /** Answers requests no route matches (otherwise they fail the check as unexpected). */
  fallback(spec: RouteSpec): void {
    this.#fallback = spec;
  }

  /** Every request made so far, in the order they were made. */
  get timeline(): readonly RequestRecord[] {
    return this.#records;
  }

  /** Requests no route answered, as `METHOD url`. */
  get unexpected(): readonly string[] {
    return this.#unexpected;
  }

  /** How many requests reached `url` (any method). */
  hits(url: string): number {
    const target = stripFragment(url);
    return this.#records.filter((record) => record.url === target).length;
  }

  /** Requests still in flight right now. */
  inFlight(): RequestRecord[] {
    return this.#records.filter((record) => record.end === undefined);
  }

  #started(request: Request, requestId: string): void {
    const url = new URL(request.url);
    const record: RequestRecord = {
      index: this.#records.length,
      method: request.method,
      url: stripFragment(request.url),
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      headers: Object.fromEntries(request.headers),
      start: this.#clock.now(),
      outcome: 'pending',
      inFlightAtStart: this.inFlight().length + 1,
    };
    this.#records.push(record);
    this.#byRequestId.set(requestId, record);
    request.signal.addEventListener('abort', () => this.#finish(record, 'aborted'), { once: true });
  }

  async #answer(request: Request, requestId: string): Promise<Response> {
    const record = this.#byRequestId.get(requestId);
    const route =
      this.#routes.get(routeKey(request.method, request.url)) ?? this.#routes.get(routeKey('*', request.url));
    const spec = route?.spec ?? this.#fallback;
    if (!spec || !record) {
      this.#unexpected.push(`${request.method} ${stripFragment(request.url)}`);
      if (record) this.#finish(record, 'unexpected');
      return Response.error();
    }
    const attempt = route ? ++route.attempts : 1;
    const reply = await resolveReply(spec, request, attempt, this.#clock.now());
    const survived = await this.#wait(reply.latency ?? 0, request.signal);
    if (!survived) return Response.error();
    if (reply.network === 'error') {
      this.#finish(record, 'network-error');
      return Response.error();
    }
    record.status = reply.status ?? 200;
    record.headersAt = this.#clock.now();
    const { payload, contentType } = encodeBody(reply.body);
    const headers = new Headers(reply.headers);
    if (contentType && !headers.has('content-type')) headers.set('content-type', contentType);
    const init = { status: record.status, statusText: STATUS_CODES[record.status] ?? '', headers };
    const body = NULL_BODY_STATUSES.has(record.status) ? null : payload;
    if (!reply.bodyMs || body === null) {
      this.#finish(record, 'response');
      return new Response(body, init);
    }
    return new Response(this.#slowBody(body, reply.bodyMs, record, request.signal), init);
  }

  /** Resolves true after `ms` of virtual time, or false at once if the request is aborted first. */
  #wait(ms: number, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = this.#clock.labTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  #slowBody(
    payload: string,
    ms: number,
    record: RequestRecord,
    signal: AbortSignal,
  ): ReadableStream<Uint8Array> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = () => clearTimeout(timer);
    return new ReadableStream({
      start: (controller) => {
        timer = this.#clock.labTimeout(() => {
          signal.removeEventListener('abort', onAbort);
          controller.enqueue(new TextEncoder().encode(payload));
          controller.close();
          this.#finish(record, 'response');
        }, ms);
        const onAbort = () => {
          stop();
          controller.error(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
      },
      cancel: () => {
        stop();
        this.#finish(record, 'aborted');
      },
    });
  }

  #finish(record: RequestRecord, outcome: RequestRecord['outcome']): void {
    if (record.end !== undefined) return;
    record.end = this.#clock.now();
    record.outcome = outcome;
  }
}

async function resolveReply(spec: RouteSpec, request: Request, attempt: number, now: number): Promise<Reply> {
  if (typeof spec === 'function') return spec(request, { attempt, now });
  if (isReplyList(spec)) return spec[Math.min(attempt, spec.length) - 1] ?? {};
  return spec;
}

function isReplyList(spec: RouteSpec): spec is readonly Reply[] {
  return Array.isArray(spec);
}

function encodeBody(body: unknown): { payload: string | null; contentType?: string } {
  if (body === undefined) return { payload: '' };
  if (body === null) return { payload: null };
  if (typeof body === 'string') return { payload: body, contentType: 'text/plain; charset=utf-8' };
  return { payload: JSON.stringify(body), contentType: 'application/json' };
}

function stripFragment(url: string): string {
  const hash = url.indexOf('#');
  return hash === -1 ? url : url.slice(0, hash);
}

function routeKey(method: string, url: string): string {
  return `${method.toUpperCase()} ${stripFragment(new URL(url).href)}`;
}
