/**
 * What the subject may not do, on top of Node's permission model (which already refuses reading files other than
 * its own, writing any file, child processes, worker threads, native addons and the inspector): no network and no
 * signals to other processes. Node refuses the network by itself only from version 25; before that, this is a seat
 * belt and the classroom and batch paths take the network away from the whole process. Runs in the subject, before
 * any student code.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function refusal(what: string): () => never {
  return () => {
    const error = new Error(
      `${what} is not available while your code is graded: the grader owns the network.`,
    );
    (error as { code?: string }).code = 'ERR_ACCESS_DENIED';
    throw error;
  };
}

function replace(target: Record<string, unknown> | undefined, keys: readonly string[], what: string): void {
  if (!target) return;
  for (const key of keys) {
    if (typeof target[key] === 'function') {
      Object.defineProperty(target, key, { value: refusal(what), writable: false, configurable: false });
    }
  }
}

export function fence(): void {
  const net = require('node:net');
  replace(net, ['connect', 'createConnection', 'createServer'], 'node:net');
  replace(net.Socket.prototype, ['connect'], 'node:net');
  replace(net.Server.prototype, ['listen'], 'node:net');
  // node:http, node:https, node:tls and node:http2 connect and listen through these same sockets and servers, so
  // they are refused here too (hostile tls-socket); loading them only to patch them would cost every subject CPU
  // (node:http about 4 ms after node:net, node:tls about 20). The permission model refuses node:inspector by itself
  // (hostile open-inspector).
  const dgram = require('node:dgram');
  replace(dgram, ['createSocket'], 'node:dgram');
  replace(dgram.Socket.prototype, ['bind', 'send', 'connect'], 'node:dgram');
  const dns = require('node:dns');
  const lookups = ['lookup', 'lookupService', 'resolve', 'resolve4', 'resolve6', 'resolveAny', 'reverse'];
  replace(dns, lookups, 'node:dns');
  replace(dns.promises, lookups, 'node:dns');
  replace(
    process as unknown as Record<string, unknown>,
    ['kill', '_kill', 'dlopen', '_debugProcess'],
    'process',
  );
  for (const name of ['WebSocket', 'EventSource']) {
    if (!(name in globalThis)) continue;
    // Node defines them lazily, and defining over one loads undici (about 60 ms of CPU); deleting it first does not.
    delete (globalThis as Record<string, unknown>)[name];
    Object.defineProperty(globalThis, name, { value: refusal(name), configurable: false });
  }
  if (!process.env.AWAITLINGS_BRIDGE_TRACE) process.env = {};
}
