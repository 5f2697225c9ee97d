/** What answers the lab's requests: the resolver of the lab's one msw handler (`http.all('*', ...)`). */
export type LabResolver = (request: Request, requestId: string) => Response | Promise<Response>;

/** Redirect statuses fetch follows (when the response has a `Location`). */
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Fetch's limit: the 21st redirect in a row is a network error. */
const MAX_REDIRECTS = 20;
/** Headers describing a request body, dropped when a redirect turns the request into a GET. */
const REQUEST_BODY_HEADERS = [
  'content-encoding',
  'content-language',
  'content-location',
  'content-type',
  'content-length',
];
/** Headers not sent on to another origin. */
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'host'];

let nextRequestId = 0;

/**
 * A `fetch` answered by calling the lab's resolver directly, with the semantics msw's fetch interceptor and a
 * catch-all handler give, minus their cost: the interceptor took a quarter to a third of a millisecond of CPU a
 * request, and the handler's `run` (a clone of the request, URL and cookie parsing, an abort controller) most of the
 * rest for a handler that matches everything:
 * - the request is built as the interceptor builds it (a GET or HEAD drops a body instead of throwing); a bad URL
 *   or method rejects with fetch's TypeError;
 * - an aborted signal rejects with its reason, before the request starts or at once while the handler waits;
 * - `Response.error()` rejects with `TypeError('Failed to fetch')` whose `cause` is that response;
 * - a resolver that throws answers 500 `Unhandled Exception` with the error as JSON;
 * - the response is the resolver's own (its body cancels natively), with `url` set to the request's;
 * - a 3xx with `Location` is followed (`redirected` is then true), or is a network error (`redirect: 'error'`), or
 *   is returned as is (`redirect: 'manual'`).
 *
 * `onRequest` runs as each request starts, before the resolver; what it throws rejects that fetch.
 *
 * @example
 * globalThis.fetch = resolverFetch(() => new Response('hi'), (request) => log.push(request.url));
 */
export function resolverFetch(
  resolver: LabResolver,
  onRequest: (request: Request, requestId: string) => void,
): typeof fetch {
  async function send(request: Request, redirects: number): Promise<Response> {
    if (request.signal.aborted) throw request.signal.reason;
    const requestId = `lab-${++nextRequestId}`;
    onRequest(request, requestId);
    const response = await answer(resolver, request, requestId);
    if (response.type === 'error') throw networkError(response);
    Object.defineProperty(response, 'url', { value: request.url, configurable: true });
    if (!REDIRECT_STATUSES.has(response.status) || !response.headers.has('location')) return response;
    if (request.redirect === 'manual') return response;
    if (request.redirect === 'error') throw networkError('unexpected redirect');
    return follow(request, response, redirects);
  }

  async function follow(request: Request, response: Response, redirects: number): Promise<Response> {
    let location: URL;
    try {
      location = new URL(response.headers.get('location') as string, request.url);
    } catch (error) {
      throw networkError(error);
    }
    if (location.protocol !== 'http:' && location.protocol !== 'https:') {
      throw networkError('URL scheme must be a HTTP(S) scheme');
    }
    if (redirects >= MAX_REDIRECTS) throw networkError('redirect count exceeded');
    const { status } = response;
    const toGet =
      ((status === 301 || status === 302) && request.method === 'POST') ||
      (status === 303 && request.method !== 'GET' && request.method !== 'HEAD');
    // The body was handed to the handler (a stream, read once): fetch too gives up on a stream it cannot resend.
    if (!toGet && request.body !== null)
      throw networkError('cannot resend the request body to follow a redirect');
    const headers = new Headers(request.headers);
    if (toGet) for (const name of REQUEST_BODY_HEADERS) headers.delete(name);
    if (location.origin !== new URL(request.url).origin)
      for (const name of CREDENTIAL_HEADERS) headers.delete(name);
    // The redirect's own body is not read: cancelling settles it (a late body records the request as aborted).
    response.body?.cancel().catch(() => {});
    const next = new Request(location, {
      method: toGet ? 'GET' : request.method,
      headers,
      signal: request.signal,
      redirect: request.redirect,
    });
    const final = await send(next, redirects + 1);
    Object.defineProperty(final, 'redirected', { value: true, configurable: true });
    return final;
  }

  return async function fetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    return send(toRequest(input, init), 0);
  };
}

/** Fetch's network error, as msw's interceptor makes it. */
export function networkError(cause?: unknown): TypeError {
  return Object.assign(new TypeError('Failed to fetch'), { cause });
}

/** Builds the request as msw's FetchRequest does: a GET or HEAD drops its body, a body to send is half duplex. */
function toRequest(input: string | URL | Request, init: RequestInit | undefined): Request {
  if (init?.body != null) {
    const method = init.method ?? (input instanceof Request ? input.method : 'GET');
    if (method === 'GET' || method === 'HEAD') init = { ...init, body: undefined };
    else if (!('duplex' in init)) init = { ...init, duplex: 'half' } as RequestInit;
  }
  return new Request(input, init);
}

/** The resolver's response, or the abort's reason as soon as the request is aborted. */
function answer(resolver: LabResolver, request: Request, requestId: string): Promise<Response> {
  const { signal } = request;
  return new Promise<Response>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    Promise.resolve()
      .then(() => resolver(request, requestId))
      .catch(serverError)
      .then((response) => {
        signal.removeEventListener('abort', onAbort);
        resolve(response);
      });
  });
}

/** What msw answers when a resolver throws: 500 with the error as JSON. */
function serverError(error: unknown): Response {
  const body =
    error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : error;
  return new Response(JSON.stringify(body), {
    status: 500,
    statusText: 'Unhandled Exception',
    headers: { 'Content-Type': 'application/json' },
  });
}
