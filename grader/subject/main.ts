/**
 * The subject: the student's code in a process of its own, with no grader code, no secret and no network.
 *
 * It is started by the checks' side (grader/lab/subject.ts) with the runtime bundle, the student's bundle and two
 * channels: fd 3 brings requests, fd 4 takes replies. It serves one request at a time: runs it, lets every promise
 * it started settle, then replies and blocks until the next one. Between requests nothing here runs, so virtual time
 * is whatever the checks' side says it is. Runs in the subject; bundled with esbuild (imports only Node and
 * grader/bridge/, grader/subject/).
 */
import { pathToFileURL } from 'node:url';
import { Frames } from '../bridge/frames.ts';
import { type Message, Peer } from '../bridge/peer.ts';
import { SubjectClock } from './clock.ts';
import { fence } from './fence.ts';
import { FetchRelay } from './fetch.ts';
import { forwardAbortListeners, listenLocally } from './listeners.ts';

const [runtimeFile, studentFile] = process.argv.slice(2);
/** Captured before student code runs, which may replace `process.exit`. */
const exit: (code: number) => void = process.exit.bind(process);
const realSetImmediate = globalThis.setImmediate;

/** Errors the student's code left unhandled since the last drain: the checks' side fails the check that ran. */
const escaped: unknown[] = [];
/** More would say nothing new, and a flood of them must not grow a reply without bound. */
const MAX_ESCAPED = 5;
const noteEscaped = (error: unknown) => {
  if (escaped.length < MAX_ESCAPED) escaped.push(error);
};
const mirrors = new WeakSet<object>();
let clock: SubjectClock | undefined;
let relay: FetchRelay | undefined;

const peer = new Peer(new Frames(3, 4), {
  received(message) {
    const now = (message as { now?: unknown }).now;
    if (clock && typeof now === 'number' && Number.isFinite(now)) clock.now = now;
  },
  serve(message) {
    if (message.op === 'load') {
      // The one error whose location the student needs: its module's top level threw.
      peer.stacks = true;
      return loadStudent();
    }
    if (message.op === 'fire') {
      // A throw in a timer callback is an uncaught exception, as it would be in Node.
      try {
        clock?.fire(Number(message.timer));
      } catch (error) {
        noteEscaped(error);
      }
      return undefined;
    }
    throw new Error(`the subject does not know \`${message.op}\``);
  },
  note(message) {
    // What the checks' side says about a relayed request: a response's head, chunks and end, or its failure.
    if (relay?.serve(message.op, message)) return;
    throw new Error(`the subject does not know the note \`${message.op}\``);
  },
  listen(signal, listener) {
    listenLocally(signal, 'abort', listener);
  },
  mirrorSignal() {
    const controller = new AbortController();
    mirrors.add(controller.signal);
    return controller;
  },
});

clock = new SubjectClock((op, fields) => peer.notify(op, fields));
clock.install();
relay = new FetchRelay(peer);
relay.install();
forwardAbortListeners(
  {
    isMirror: (target) => typeof target === 'object' && target !== null && mirrors.has(target),
    add: (signal, listener, options) =>
      peer.request('listen', { signal: peer.encode(signal), listener: peer.encode(listener), ...options }),
    remove: (signal, listener, capture) =>
      peer.request('unlisten', { signal: peer.encode(signal), listener: peer.encode(listener), capture }),
  },
  runtimeFile,
);
fence();
process.on('unhandledRejection', noteEscaped);
process.on('uncaughtException', noteEscaped);

/** The student's module, imported before the first request is served: loading it reads a file, which a blocked
 * process could not finish. */
let student: { ok: true; module: unknown } | { ok: false; error: unknown } | undefined;
function loadStudent(): unknown {
  if (!student) throw new Error('the student module is not loaded yet');
  if (student.ok) return student.module;
  throw student.error;
}

/**
 * Serves requests as they come, each at once, without returning to the event loop: promises the student's code
 * started run only when the checks' side asks for a `drain` (when it has nothing left to do itself), as they would
 * when the checks await, or after a timer `fire`s. Both are answered after one turn of the event loop, when every
 * promise callback, every `process.nextTick` and whatever they started in turn have run, with what the student's
 * code left unhandled meanwhile.
 */
function serveNext(): void {
  for (;;) {
    let message: Message;
    try {
      message = peer.receive();
    } catch {
      // The checks' side is gone (or broke the channel): nothing here may outlive it.
      exit(0);
      return;
    }
    if (message.k === 'req' && (message.op === 'drain' || message.op === 'fire')) {
      // A timer fires as in Node: its callback, then every promise callback it started, before anything else.
      const request = message;
      if (request.op === 'fire') peer.serve(request);
      realSetImmediate(() => {
        peer.reply(request, { ok: true, value: peer.encode(escaped.splice(0)) });
        serveNext();
      });
      return;
    }
    peer.handle(message);
    peer.stacks = false;
  }
}

import(pathToFileURL(studentFile).href).then(
  (module: unknown) => {
    student = { ok: true, module };
    serveNext();
  },
  (error: unknown) => {
    student = { ok: false, error };
    serveNext();
  },
);
