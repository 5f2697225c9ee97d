import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { Frames } from '../bridge/frames.ts';
import { type Message, Peer } from '../bridge/peer.ts';

/**
 * The bridge's peers (grader/bridge/peer.ts) joined in one process by a loopback that stands in for the two FIFOs:
 * a side waiting for a message lets the other side handle what it was sent, as the other process would while this
 * one blocks. Every message is copied on the way, and each side's requests are counted.
 */
class Loopback {
  readonly inbox: Message[] = [];
  readonly requests: string[] = [];
  other!: Loopback;
  peer!: Peer;

  sendAll(messages: readonly Message[]): void {
    for (const message of messages) {
      if (message.k === 'req') this.requests.push(message.op);
      this.other.inbox.push(structuredClone(message));
    }
  }

  receive(): Message {
    for (;;) {
      const message = this.inbox.shift();
      if (message) return message;
      const pending = this.other.inbox.shift();
      if (!pending) throw new Error('both sides wait: nothing was sent');
      this.other.peer.handle(pending);
    }
  }
}

function joined(): { checks: Peer; subject: Peer; requests: () => string[] } {
  const checksEnd = new Loopback();
  const subjectEnd = new Loopback();
  checksEnd.other = subjectEnd;
  subjectEnd.other = checksEnd;
  checksEnd.peer = new Peer(checksEnd as unknown as Frames, { copiesObjectsWithFunctions: true });
  subjectEnd.peer = new Peer(subjectEnd as unknown as Frames);
  return { checks: checksEnd.peer, subject: subjectEnd.peer, requests: () => checksEnd.requests.splice(0) };
}

const scratch = mkdtempSync(join(tmpdir(), 'awaitlings-bridge-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A real module namespace (vitest's own imports give plain objects): Node's `require` of an ES module. */
function moduleNamespace(source: string): object {
  const file = join(scratch, `module-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, source);
  return createRequire(import.meta.url)(file);
}

describe('Peer', () => {
  test("a module's exports cross once, as a copy: reading an export costs no round trip, calling one costs one", async () => {
    const { checks, subject, requests } = joined();
    const namespace = moduleNamespace(
      'export const limit = 3; export const shape = { a: [1] };\n' +
        'export function twice(n) { return 2 * n; }\n' +
        'export class Counter { count = 0; add() { return ++this.count; } }\n' +
        'export default "main";',
    );
    const api = checks.decode(subject.encode(namespace)) as {
      limit: number;
      shape: { a: number[] };
      twice: (n: number) => number;
      Counter: new () => { add(): number };
      default: string;
    };

    expect([api.limit, api.shape, api.default, typeof api.twice, typeof api.Counter]).toEqual([
      3,
      { a: [1] },
      'main',
      'function',
      'function',
    ]);
    expect(Object.keys(api)).toEqual(Object.keys(namespace));
    expect('missing' in api).toBe(false);
    expect(requests()).toEqual([]);

    expect(api.twice(21)).toBe(42);
    expect(requests()).toEqual(['call']);
    const counter = new api.Counter();
    expect([counter.add(), counter.add()]).toEqual([1, 2]);
    // The method is read once (a class's methods are kept per object), then called twice.
    expect(requests()).toEqual(['construct', 'get', 'call', 'call']);
  });

  test('awaiting a stand-in whose original has no `then` costs no round trip', async () => {
    const { checks, subject, requests } = joined();
    const release = () => 'released';
    const client = new (class Client {
      get(path: string) {
        return path;
      }
    })();

    const standIns = [release, client].map((value) => checks.decode(subject.encode(value)));
    const [releaseStandIn, clientStandIn] = (await Promise.all(standIns.map((s) => Promise.resolve(s)))) as [
      () => string,
      { get(path: string): string },
    ];

    expect(requests()).toEqual([]);
    expect(releaseStandIn()).toBe('released');
    expect(clientStandIn.get('/a')).toBe('/a');
    expect(requests()).toEqual(['call', 'get', 'call']);
  });

  test('a stand-in whose original has a `then`, own, inherited or behind a proxy, is still awaited through it', async () => {
    const { checks, subject, requests } = joined();
    // biome-ignore lint/suspicious/noThenProperty: thenables on purpose
    const own = { then: (resolve: (value: number) => void) => resolve(1) };
    const inherited = new (class Later {
      // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose
      then(resolve: (value: number) => void) {
        resolve(2);
      }
    })();
    const behindProxy = new Proxy(new (class Hidden {})(), {
      get: (_target, key) => (key === 'then' ? (resolve: (value: number) => void) => resolve(3) : undefined),
    });

    const awaited = [];
    for (const original of [own, inherited, behindProxy]) {
      awaited.push(await checks.decode(subject.encode(original)));
    }

    expect(awaited).toEqual([1, 2, 3]);
    expect(requests().filter((op) => op === 'get')).toHaveLength(3);
  });
});
