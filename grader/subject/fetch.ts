/**
 * The subject's `fetch`: every request is relayed to the checks' side, where the HTTP lab answers it and the
 * timeline records it. The response comes back as a head, body chunks and an end, each when the lab sends it.
 * An abort settles here at once with the signal's own reason, as Node's fetch does, and is relayed.
 * Runs in the subject, before any student code.
 */
import type { Peer, Wire } from '../bridge/peer.ts';
import { listenLocally } from './listeners.ts';

/** Statuses whose responses have no body. */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

interface Pending {
  resolve(response: Response): void;
  reject(reason: unknown): void;
  body?: ReadableStreamDefaultController<Uint8Array>;
  stopListening(): void;
}

export class FetchRelay {
  readonly #peer: Peer;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;

  constructor(peer: Peer) {
    this.#peer = peer;
  }

  install(): void {
    const relay = this;
    globalThis.fetch = function fetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
      return relay.#fetch(input, init);
    };
  }

  #fetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    return new Promise<Response>((resolve, reject) => {
      const request = new Request(input, init === undefined ? undefined : { ...init, signal: null });
      const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const id = this.#nextId++;
      const pending: Pending = { resolve, reject, stopListening: () => {} };
      this.#pending.set(id, pending);
      if (signal)
        pending.stopListening = listenLocally(signal, 'abort', () => this.#abort(id, signal.reason));
      const send = (body: Uint8Array | null) => {
        if (!this.#pending.has(id)) return;
        this.#peer.notify('fetch', {
          id,
          url: request.url,
          method: request.method,
          headers: [...request.headers],
          body,
        });
      };
      if (request.body === null) send(null);
      else request.arrayBuffer().then((bytes) => send(new Uint8Array(bytes)), reject);
    });
  }

  #abort(id: number, reason: unknown): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    if (pending.body) pending.body.error(reason);
    else pending.reject(reason);
    this.#peer.notify('fetch-abort', { id });
  }

  /** Serves the checks' side's messages about a relayed request. */
  serve(op: string, message: Record<string, unknown>): boolean {
    const id = Number(message.relay);
    const pending = this.#pending.get(id);
    switch (op) {
      case 'fetch-head': {
        if (!pending) return true;
        const status = Number(message.status);
        const hasBody = Boolean(message.hasBody) && !NULL_BODY_STATUSES.has(status);
        const body = hasBody
          ? new ReadableStream<Uint8Array>({
              start: (controller) => {
                pending.body = controller;
              },
              cancel: () => {
                if (!this.#pending.delete(id)) return;
                pending.stopListening();
                this.#peer.notify('fetch-cancel', { id });
              },
            })
          : null;
        const response = new Response(body, {
          status,
          statusText: String(message.statusText ?? ''),
          headers: message.headers as [string, string][],
        });
        for (const key of ['url', 'redirected', 'type'] as const) {
          Object.defineProperty(response, key, { value: message[key] });
        }
        if (!hasBody) this.#done(id, pending);
        pending.resolve(response);
        return true;
      }
      case 'fetch-chunk':
        if (pending?.body) pending.body.enqueue(message.chunk as Uint8Array);
        return true;
      case 'fetch-end':
        if (pending?.body) {
          pending.body.close();
          this.#done(id, pending);
        }
        return true;
      case 'fetch-fail':
        if (pending) {
          this.#done(id, pending);
          const error = this.#peer.decode(message.error as Wire);
          if (pending.body) pending.body.error(error);
          else pending.reject(error);
        }
        return true;
      default:
        return false;
    }
  }

  #done(id: number, pending: Pending): void {
    this.#pending.delete(id);
    pending.stopListening();
  }
}
