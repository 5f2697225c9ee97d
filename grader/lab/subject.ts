/**
 * The checks' side of the subject: starts the student's own process, talks to it over the bridge, mirrors its
 * timers on the lab's virtual clock, answers its fetches from the HTTP lab, attaches its 'abort' listeners to the
 * lab's signals (where they are counted), and stops it from outside when it hangs, grows or breaks the protocol.
 * Runs in the check workers.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { ChannelClosed, Frames } from '../bridge/frames.ts';
import { type Message, Peer, ProtocolError } from '../bridge/peer.ts';
import { bundleSubmission } from './bundle.ts';
import { holdTimeWhile } from './clock.ts';
import { pinToOneCpu } from './cpu-pin.ts';
import type { Lab } from './lab.ts';
import { BUDGET, DETAIL, LOST, LOST_REASONS, WAITING, watchFlags, watchSubject } from './subject-watch.ts';
import { abandonedName } from './worker-notes.ts';

/** Captured when the module loads, before any clock is faked. */
const realSetImmediate = globalThis.setImmediate;

/** Real ms a subject may take to answer one request (a blocked event loop shows as no answer). */
export const BLOCK_MS = 3_000;
/**
 * Real ms a new subject may take to start Node, load its bundles and run the student's module's top level: the
 * blocked-loop budget plus room for Node's start on a loaded machine.
 */
const START_MS = 2 * BLOCK_MS;
/** Resident memory a subject may reach. */
export const MEMORY_MB = 512;
/**
 * Requests a subject may have in flight at once. Answering one costs the checks' side about a millisecond, so a
 * subject that starts requests without end would turn the grader's time into its own; no exercise needs a
 * hundredth of this.
 */
export const MAX_REQUESTS_IN_FLIGHT = 1_000;
/** The subject's V8 heap limit, the backstop behind `MEMORY_MB`. */
const HEAP_MB = 384;

type LostReason = Exclude<(typeof LOST_REASONS)[number], ''> | 'protocol' | 'abandoned' | 'requests';

/** The subject is gone; the check it was running fails with this message. */
export class SubjectLost extends Error {
  override name = 'SubjectLost';
  readonly reason: LostReason;
  constructor(reason: LostReason, detail: string) {
    super(lostMessage(reason, detail));
    this.reason = reason;
  }
}

function lostMessage(reason: LostReason, detail: string): string {
  switch (reason) {
    case 'blocked':
      return `Your code kept the event loop busy for more than ${BLOCK_MS / 1000} s of real time without ever yielding (${detail}), so the grader stopped it. Look for a loop that never awaits.`;
    case 'memory':
      return `Your code ran out of the memory it may use (${detail}), so the grader stopped it. Look for something that grows without end.`;
    case 'abandoned':
      return `The check ran out of real time (${detail}), so the grader stopped your code with it.`;
    case 'requests':
      return `Your code had more than ${MAX_REQUESTS_IN_FLIGHT} requests in flight at once (${detail}), so the grader stopped it. Start a request only when you will read its response, and limit how many run at once.`;
    case 'exited':
      return `Your code's process ended in the middle of the check (${detail}). Do not call process.exit(), and let nothing crash the process.`;
    default:
      return `Your code broke the grader's protocol (${detail}), so the grader stopped it. Leave the grader's channel alone.`;
  }
}

/** How the subject ended, from its wait status (-1: unknown). */
function exitedDetail(status: number): string {
  if (status < 0) return 'it exited';
  const signal = status & 0x7f;
  return signal === 0 ? `it exited with code ${(status >> 8) & 0xff}` : `it was ended by signal ${signal}`;
}

/**
 * What the subject's code left unhandled, as a `drain` or a `fire` reports it: unhandled here too, where vitest
 * blames the check that was running.
 */
function rethrowEscaped(escaped: unknown): void {
  if (!Array.isArray(escaped)) return;
  for (const error of escaped) {
    Promise.reject(error);
  }
}

/**
 * Process groups of the subjects this worker started and has not stopped yet. A subject that waits for a request
 * exits by itself when its worker is gone (it reads end-of-file); one busy in a loop would not, so the worker stops
 * them all as it exits, however its checks ended.
 */
const running = new Set<number>();
process.on('exit', () => {
  for (const pid of running) killGroup(pid);
});

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/**
 * The runtime bundle (grader/subject/), built once per check worker and kept under a name made from its contents,
 * so workers share it and a kit that changed gets a new one; it holds nothing secret.
 */
let runtime: Promise<string> | undefined;

function runtimeBundle(): Promise<string> {
  runtime ??= (async () => {
    const built = await build({
      entryPoints: [fileURLToPath(new URL('../subject/main.ts', import.meta.url))],
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: `node${process.versions.node.split('.')[0]}`,
      logLevel: 'silent',
      write: false,
    });
    const code = built.outputFiles[0].contents;
    const folder = join(
      tmpdir(),
      `awaitlings-runtime-${createHash('sha256').update(code).digest('hex').slice(0, 16)}`,
    );
    const file = join(folder, 'runtime.mjs');
    if (!existsSync(file)) {
      mkdirSync(folder, { recursive: true });
      const partial = `${file}.${process.pid}`;
      writeFileSync(partial, code);
      renameSync(partial, file);
    }
    return file;
  })();
  return runtime;
}

/** Node's permission model flag on this Node. */
function permissionFlag(): string {
  const [major, minor] = process.versions.node.split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 13) ? '--permission' : '--experimental-permission';
}

export interface SubjectOptions {
  /** The graded file. */
  file: string;
  /** Folders the student's imports may reach. */
  allowed: readonly string[];
  /** Shows a path the way the student reads it. */
  display: (file: string) => string;
  /** The lab of the check running now, if any. */
  lab: () => Lab | undefined;
}

interface MirrorTimer {
  handle: unknown;
  kind: string;
  ms: number;
  lab: boolean;
}

interface FetchRelay {
  controller: AbortController;
  reader?: ReadableStreamDefaultReader<Uint8Array>;
}

/** One student module in its own process. */
export class Subject {
  readonly #options: SubjectOptions;
  readonly #scratch: string;
  #peer: Peer | undefined;
  #child: ReturnType<typeof spawn> | undefined;
  #unwatch: () => void = () => {};
  readonly #flags = watchFlags();
  #fds: number[] = [];
  #lost: SubjectLost | undefined;
  #waits = 0;
  #dirty = false;
  #drainQueued = false;
  #releaseTime: () => void = () => {};
  readonly #timers = new Map<number, MirrorTimer>();
  readonly #fetches = new Map<number, FetchRelay>();
  #api: Promise<unknown> | undefined;

  private constructor(options: SubjectOptions) {
    this.#options = options;
    this.#scratch = mkdtempSync(join(tmpdir(), 'awaitlings-subject-'));
  }

  /** Bundles the student's file and starts its process. Throws BundleError for code that does not compile. */
  static async start(options: SubjectOptions): Promise<Subject> {
    const subject = new Subject(options);
    try {
      const studentFile = join(subject.#scratch, 'student.mjs');
      await bundleSubmission({
        entry: options.file,
        outfile: studentFile,
        allowed: options.allowed,
        display: options.display,
      });
      subject.#spawn(await runtimeBundle(), studentFile);
      return subject;
    } catch (error) {
      subject.close();
      throw error;
    }
  }

  /** Why the subject stopped, once it has. */
  get lost(): SubjectLost | undefined {
    return this.#lost;
  }

  get alive(): boolean {
    return this.#lost === undefined && this.#peer !== undefined;
  }

  /** The student's module, as stand-ins (loaded once per subject). */
  api(): Promise<unknown> {
    this.#api ??= Promise.resolve()
      .then(() => this.#request('load', {}, START_MS) as Promise<unknown>)
      .finally(() => {
        // Imported (or failed): the bundle has been read, so nothing of the subject's needs to stay on the disk.
        rmSync(this.#scratch, { recursive: true, force: true });
      });
    return this.#api;
  }

  /**
   * Stops the process because the check using it was given up (vitest's real-time limit): whatever that check still
   * had running fails at once instead of running on into the next check, which gets a fresh subject.
   */
  abandon(why: string): void {
    const lost = new SubjectLost('abandoned', why);
    // What the abandoned check leaves unhandled says nothing about the check that runs next (grader/node/grading).
    lost.name = abandonedName();
    this.#lose(lost);
  }

  /** Stops the process and removes its scratch folder. */
  close(): void {
    this.#peer?.close(new ChannelClosed('the subject was closed'));
    this.#kill();
    this.#releaseTime();
    for (const id of [...this.#timers.keys()]) this.#clearTimer(id);
    for (const relay of this.#fetches.values()) relay.controller.abort();
    this.#fetches.clear();
    this.#unwatch();
    for (const fd of this.#fds.splice(0)) {
      try {
        closeSync(fd);
      } catch {
        // Closed already.
      }
    }
    rmSync(this.#scratch, { recursive: true, force: true });
  }

  #spawn(runtimeFile: string, studentFile: string): void {
    const toSubject = join(this.#scratch, 'to-subject');
    const fromSubject = join(this.#scratch, 'from-subject');
    const made = spawnSync('mkfifo', [toSubject, fromSubject]);
    if (made.status !== 0 || !existsSync(fromSubject))
      throw new Error('awaitlings: could not make the subject channel (mkfifo)');
    // Each side holds only its own end of each FIFO, so that when the checks' side dies (a worker killed, a run
    // cancelled) the subject reads end-of-file and exits instead of waiting for ever. A FIFO opened for reading only
    // waits for a writer: a read-write opening is held just long enough to open the one-way ends without waiting.
    const holdTo = openSync(toSubject, 'r+');
    const childIn = openSync(toSubject, 'r');
    const out = openSync(toSubject, 'w');
    closeSync(holdTo);
    const holdFrom = openSync(fromSubject, 'r+');
    const childOut = openSync(fromSubject, 'w');
    const back = openSync(fromSubject, 'r');
    // Kept to wake this side's blocked read when the watchdog stops the subject (a read-only end cannot be written).
    const wake = openSync(fromSubject, 'w');
    closeSync(holdFrom);
    // Every end is open where it is needed: the names are no longer needed.
    unlinkSync(toSubject);
    unlinkSync(fromSubject);
    this.#fds.push(out, back, wake);
    const debug = process.env.AWAITLINGS_SUBJECT_STDERR === '1';
    // The subject inherits the CPU: it and this worker take turns, never both running.
    pinToOneCpu();
    this.#child = spawn(
      process.execPath,
      [
        permissionFlag(),
        `--allow-fs-read=${runtimeFile}`,
        `--allow-fs-read=${studentFile}`,
        `--max-old-space-size=${HEAP_MB}`,
        '--enable-source-maps',
        '--no-warnings',
        runtimeFile,
        runtimeFile,
        studentFile,
      ],
      {
        stdio: ['ignore', 'ignore', debug ? 'inherit' : 'ignore', childIn, childOut],
        env: debug ? { AWAITLINGS_BRIDGE_TRACE: process.env.AWAITLINGS_BRIDGE_TRACE } : {},
        cwd: this.#scratch,
        detached: true,
      },
    );
    closeSync(childIn);
    closeSync(childOut);
    this.#child.on('error', () => {});
    const pid = this.#child.pid;
    if (!pid) throw new Error('awaitlings: could not start the subject process');
    running.add(pid);
    // From here the watchdog owns `wake`: it closes it when it stops watching, never while it may still write to it.
    this.#fds = this.#fds.filter((fd) => fd !== wake);
    this.#unwatch = watchSubject({ flags: this.#flags, pid, wakeFd: wake, memoryBytes: MEMORY_MB * 2 ** 20 });
    Atomics.store(this.#flags, BUDGET, BLOCK_MS);
    const frames = new Frames(back, out, { afterRead: () => this.#checkAlive() });
    const receive = frames.receive.bind(frames);
    frames.receive = () => {
      Atomics.store(this.#flags, WAITING, ++this.#waits);
      try {
        return receive();
      } finally {
        Atomics.store(this.#flags, WAITING, 0);
      }
    };
    this.#peer = new Peer(frames, {
      stamp: (message) => {
        (message as { now?: number }).now = Date.now();
      },
      note: (message) => this.#note(message),
      queued: () => this.#queueDrain(),
      answered: (op) => {
        // A `fire` is answered once the subject has drained, like a `drain`.
        if (op !== 'drain' && op !== 'fire') this.#queueDrain();
      },
      // The bridge's own listener on a lab signal it mirrors: added from here, so the lab does not count it.
      listen: (signal, listener) => signal.addEventListener('abort', listener, { once: true }),
      serve: (message) => this.#serve(message),
      // The checks hand over options and records, never live state: a copy saves a round trip per property read.
      copiesObjectsWithFunctions: true,
    }).tellAsRequests();
    this.#releaseTime = holdTimeWhile(() => this.busy);
  }

  /** The subject may have promise callbacks queued: let them run at the next turn of this process's event loop. */
  #queueDrain(): void {
    this.#dirty = true;
    if (this.#drainQueued) return;
    this.#drainQueued = true;
    realSetImmediate(() => {
      this.#drainQueued = false;
      if (!this.#dirty || !this.alive) return;
      this.#dirty = false;
      try {
        rethrowEscaped(this.#request('drain', {}));
      } catch {
        // Lost: the check reports why.
      }
    });
  }

  /** Whether the subject may still have work queued: virtual time waits for it (see `holdTimeWhile`). */
  get busy(): boolean {
    return this.alive && (this.#dirty || this.#drainQueued || Boolean(this.#peer?.hasQueued));
  }

  #checkAlive(): void {
    const why = LOST_REASONS[Atomics.load(this.#flags, LOST)];
    if (!why) return;
    const detail = Atomics.load(this.#flags, DETAIL);
    const said =
      why === 'blocked'
        ? `${(detail / 1000).toFixed(1)} s`
        : why === 'memory'
          ? detail > 0 && detail < 256
            ? `its JavaScript heap passed ${HEAP_MB} MB`
            : `it reached ${detail} MB; the limit is ${MEMORY_MB} MB`
          : exitedDetail(detail);
    throw this.#lose(new SubjectLost(why, said));
  }

  #lose(lost: SubjectLost): SubjectLost {
    this.#lost ??= lost;
    this.#peer?.close(this.#lost);
    this.#kill();
    return this.#lost;
  }

  #kill(): void {
    const pid = this.#child?.pid;
    if (!pid) return;
    killGroup(pid);
    running.delete(pid);
  }

  /** A request to the subject; a broken channel becomes the reason the subject was lost. */
  #request(op: string, fields: Record<string, unknown>, budgetMs = BLOCK_MS): unknown {
    if (this.#lost) throw this.#lost;
    const peer = this.#peer;
    if (!peer) throw new Error('awaitlings: the subject is not running');
    Atomics.store(this.#flags, BUDGET, budgetMs);
    try {
      return peer.request(op, fields);
    } catch (error) {
      throw this.#translate(error);
    } finally {
      Atomics.store(this.#flags, BUDGET, BLOCK_MS);
    }
  }

  #translate(error: unknown): unknown {
    if (error instanceof SubjectLost) return error;
    if (error instanceof ProtocolError) return this.#lose(new SubjectLost('protocol', error.message));
    if (error instanceof ChannelClosed) {
      try {
        this.#checkAlive();
      } catch (lost) {
        return lost;
      }
      return this.#lose(new SubjectLost('protocol', error.message));
    }
    return error;
  }

  #note(message: Message & { k: 'note' }): void {
    const id = Number(message.id);
    if (!Number.isSafeInteger(id)) throw new ProtocolError(`a \`${message.op}\` note without an id`);
    switch (message.op) {
      case 'timer':
        this.#mirrorTimer(id, String(message.kind), Number(message.ms), message.lab === true);
        return;
      case 'clear':
        this.#clearTimer(id);
        return;
      case 'refresh': {
        const timer = this.#timers.get(id);
        if (!timer) return;
        this.#clearTimer(id);
        this.#mirrorTimer(id, timer.kind, timer.ms, timer.lab);
        return;
      }
      case 'fetch':
        if (this.#fetches.size >= MAX_REQUESTS_IN_FLIGHT) {
          throw this.#lose(new SubjectLost('requests', `request ${MAX_REQUESTS_IN_FLIGHT + 1} started`));
        }
        this.#startFetch(id, message);
        return;
      case 'fetch-abort':
        this.#fetches.get(id)?.controller.abort(new DOMException('This operation was aborted', 'AbortError'));
        this.#fetches.delete(id);
        return;
      case 'fetch-cancel': {
        const relay = this.#fetches.get(id);
        this.#fetches.delete(id);
        relay?.reader?.cancel().catch(() => {});
        if (!relay?.reader) relay?.controller.abort();
        return;
      }
      default:
        throw new ProtocolError(`an unknown notification \`${message.op}\``);
    }
  }

  #serve(message: Message & { k: 'req' }): unknown {
    if (message.op !== 'listen' && message.op !== 'unlisten')
      throw new ProtocolError(`an unknown request \`${message.op}\``);
    const peer = this.#peer as Peer;
    const signal = peer.decode(message.signal as never);
    const listener = peer.decode(message.listener as never) as EventListenerOrEventListenerObject;
    if (!(signal instanceof AbortSignal))
      throw new ProtocolError('a listener for something that is not a signal');
    const capture = message.capture === true;
    if (message.op === 'listen') {
      signal.addEventListener('abort', listener, { capture, once: message.once === true });
      this.#options.lab()?.listeners.added(signal, listener, capture);
    } else {
      signal.removeEventListener('abort', listener, { capture });
      this.#options.lab()?.listeners.removed(signal, listener, capture);
    }
    return undefined;
  }

  #mirrorTimer(id: number, kind: string, ms: number, lab: boolean): void {
    if (!['timeout', 'interval', 'immediate'].includes(kind) || !Number.isFinite(ms)) {
      throw new ProtocolError('a timer of no known kind');
    }
    const fire = () => {
      if (kind !== 'interval') this.#timers.delete(id);
      if (lab) {
        // Fired by a check advancing the lab's clock: a lost subject fails that check.
        rethrowEscaped(this.#request('fire', { timer: id }));
        return;
      }
      if (!this.alive) return;
      try {
        rethrowEscaped(this.#request('fire', { timer: id }));
      } catch {
        // Lost between checks: the next check reports why.
      }
    };
    const clock = this.#options.lab()?.clock;
    let handle: unknown;
    if (lab && clock) handle = clock.labTimeout(fire, ms);
    else if (kind === 'immediate') handle = setImmediate(fire);
    else if (kind === 'interval') handle = setInterval(fire, ms);
    else handle = setTimeout(fire, ms);
    this.#timers.set(id, { handle, kind, ms, lab });
  }

  #clearTimer(id: number): void {
    const timer = this.#timers.get(id);
    if (!timer) return;
    this.#timers.delete(id);
    if (timer.kind === 'immediate') clearImmediate(timer.handle as NodeJS.Immediate);
    else clearTimeout(timer.handle as NodeJS.Timeout);
  }

  #startFetch(id: number, message: Record<string, unknown>): void {
    const { url, method, headers, body } = message;
    if (typeof url !== 'string' || typeof method !== 'string' || !Array.isArray(headers)) {
      throw new ProtocolError('a request of no known shape');
    }
    const relay: FetchRelay = { controller: new AbortController() };
    this.#fetches.set(id, relay);
    // Notes, not requests: they go with the next request (the drain they queue, at the latest), in order, so a
    // response costs the subject no wake-up of its own.
    const send = (op: string, fields: Record<string, unknown>) => {
      if (this.#fetches.get(id) !== relay || !this.alive) return false;
      (this.#peer as Peer).tell(op, { ...fields, relay: id });
      return true;
    };
    // The checks' side's global fetch: the HTTP lab's, or a check's wrapper around it (one that records errors).
    globalThis
      .fetch(url, {
        method,
        headers: headers as [string, string][],
        body: body instanceof Uint8Array ? (body as Uint8Array<ArrayBuffer>) : null,
        signal: relay.controller.signal,
      })
      .then(async (response) => {
        const head = {
          status: response.status,
          statusText: response.statusText,
          headers: [...response.headers],
          url: response.url,
          redirected: response.redirected,
          type: response.type,
          hasBody: response.body !== null,
        };
        if (!send('fetch-head', head) || !response.body) {
          this.#fetches.delete(id);
          return;
        }
        relay.reader = response.body.getReader();
        for (;;) {
          const { done, value } = await relay.reader.read();
          if (done) {
            send('fetch-end', {});
            this.#fetches.delete(id);
            return;
          }
          if (!send('fetch-chunk', { chunk: value })) return;
        }
      })
      .catch((error: unknown) => {
        if (this.#fetches.get(id) !== relay || !this.alive) return;
        this.#fetches.delete(id);
        const peer = this.#peer as Peer;
        try {
          peer.tell('fetch-fail', { relay: id, error: peer.encode(error) });
        } catch {
          // The bridge is closed: the check reports why.
        }
      });
  }
}
