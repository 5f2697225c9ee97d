/**
 * The guard inside a test worker (installed by watchdog-setup.ts before the suite loads).
 *
 * - A watchdog thread with its own, real clock: the main thread bumps a shared counter every 100 ms; when the counter
 *   stands still for `blockMs` (a `while (true) {}` never yields, so no test timeout can fire) or the process grows
 *   past `memoryMb`, the thread writes why into the worker's note and kills the process.
 * - Notes: before any student code of a check runs, the worker writes which check it is, so the grading process can
 *   name the check that was running when the worker died, however it died.
 * - An output budget per check: beyond it, what the code prints is dropped and the check fails.
 *
 * This is a seat belt, not a wall: student code runs in this same process and could, with effort, find its way
 * around any of it. The grading process does not trust the worker's word (see watchdog-seal.ts and grader/node).
 */
import { Socket as DatagramSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { Server, Socket } from 'node:net';
import { constants } from 'node:os';
import { basename } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { GradingContext } from '../context.ts';
import { CheckFailure } from './failure.ts';
import { HttpLab } from './http.ts';
import { gradingContext } from './submission.ts';
import { type GuardSettings, noteFile, type StopReason, type WorkerNote } from './watchdog-protocol.ts';
import { clearClockRewind, hardenRealm, peekClockRewind, RealmSnapshot } from './watchdog-realm.ts';
import { Sealer } from './watchdog-seal.ts';

/** Captured before any clock is faked: the heartbeat must tick in real time. */
const realSetInterval = globalThis.setInterval;
const HEARTBEAT_MS = 100;
const POLL_MS = 50;
/** Captured before the guard fences the process: how the guard itself retires a worker. */
const reallyExit = (process as unknown as { reallyExit: (code?: number) => never }).reallyExit.bind(process);
/** Past this share of `memoryMb` after a suite file, the worker retires rather than grade another exercise. */
const RETIRE_MEMORY_SHARE = 0.5;
/** What `process._kill` returns for a signal the guard refuses to send: `process.kill` then throws EPERM. */
const EPERM = -(constants.errno.EPERM ?? 1);

interface ThreadData {
  shared: SharedArrayBuffer;
  notePath: string;
  blockMs: number;
  memoryBytes: number;
  pollMs: number;
}

/**
 * Runs in the watchdog thread (serialised with `toString`, so it uses nothing from this module's scope).
 * It has its own globals and a real clock, and keeps running while the main thread is stuck.
 */
function watchdogThread(data: ThreadData): void {
  const fs = require('node:fs') as typeof import('node:fs');
  const { parentPort } = require('node:worker_threads') as typeof import('node:worker_threads');
  // The worker moves on to another suite file: notes go to that file's note from now on.
  parentPort?.on('message', (notePath: string) => {
    data.notePath = notePath;
  });
  const beats = new Int32Array(data.shared);
  let last = Atomics.load(beats, 0);
  let since = performance.now();
  const stop = (why: object): void => {
    try {
      const note = JSON.parse(fs.readFileSync(data.notePath, 'utf8'));
      fs.writeFileSync(data.notePath, JSON.stringify({ ...note, stop: why }));
    } catch {
      // No note to amend: the grading process still sees the worker die.
    }
    process.kill(process.pid, 'SIGKILL');
  };
  setInterval(() => {
    const now = performance.now();
    const beat = Atomics.load(beats, 0);
    const rss = process.memoryUsage.rss();
    const mb = Math.ceil(rss / 2 ** 20);
    if (rss > data.memoryBytes) stop({ reason: 'memory', mb });
    if (beat !== last) {
      last = beat;
      since = now;
    } else if (now - since > data.blockMs) {
      stop({ reason: 'blocked', ms: Math.round(now - since), mb });
    }
  }, data.pollMs);
}

/** The guard of this worker. Exists only in workers started by the grader (`npm run grade`). */
export class WorkerGuard {
  static #current: WorkerGuard | undefined;
  readonly settings: Omit<GuardSettings, 'sealKey'>;
  #notePath: string;
  #thread: Worker | undefined;
  /** Why this worker must not grade another suite file, once one left it unfit. */
  #unfit: string | undefined;
  readonly #sealer: Sealer;
  #note: WorkerNote;
  #printed = 0;
  #snapshot: RealmSnapshot | undefined;
  #context: GradingContext | undefined;

  private constructor({ sealKey, ...settings }: GuardSettings, suiteFile: string) {
    this.settings = settings;
    this.#sealer = new Sealer(sealKey);
    this.#notePath = noteFile(settings.scratch, basename(suiteFile));
    this.#note = { pid: process.pid, phase: 'setup' };
    this.#write();
  }

  /**
   * Starts the watchdog thread, the heartbeat, the output budget and the exit notes, once per worker. A worker runs
   * several suite files one after the other: each later call moves the notes to the next file's.
   */
  static install(settings: GuardSettings, suiteFile: string): WorkerGuard {
    const current = WorkerGuard.#current;
    if (current) {
      current.#moveTo(suiteFile);
      if (current.#unfit) current.#retire(current.#unfit);
      return current;
    }
    const guard = new WorkerGuard(settings, suiteFile);
    guard.#startWatchdog();
    guard.#budgetOutput();
    guard.#fenceProcess();
    closeNetwork();
    hardenRealm();
    WorkerGuard.#current = guard;
    return guard;
  }

  /** The guard, when this worker was started by the grader. */
  static current(): WorkerGuard | undefined {
    return WorkerGuard.#current;
  }

  /**
   * The grading context as it was before any student code ran. Student code can reach vitest's copy
   * (`__vitest_worker__.providedContext`) and point it at another file; this one it cannot.
   */
  get context(): GradingContext {
    this.#context ??= structuredClone(gradingContext());
    return this.#context;
  }

  /**
   * Records that `check` starts `phase` (`import`: loading the student's module for the first time), before any of
   * its student code runs. The first call also records the built-ins, to compare against after each check.
   */
  enter(check: string, phase: 'import' | 'check'): void {
    if (!this.#snapshot) {
      void this.context;
      // msw patches Headers and friends when it starts listening: let it, before recording the built-ins.
      HttpLab.listen();
      this.#snapshot = RealmSnapshot.take();
    }
    if (this.#note.check !== check) {
      this.#printed = 0;
      clearClockRewind();
    }
    this.#note = { pid: process.pid, check, phase };
    this.#write();
  }

  /** Records that `check` is over. */
  leave(check: string): void {
    this.#note = { pid: process.pid, check, phase: 'between' };
    this.#write();
  }

  /**
   * What the student's code did to the grader's world since the check started, if anything: built-ins or vitest
   * rewritten, the virtual clock wound back, output past the budget. A check this happened in proves nothing.
   */
  tampering(): CheckFailure | undefined {
    const changed = this.#snapshot?.changes() ?? [];
    if (changed.length > 0) {
      return new CheckFailure(
        `Your code changed the JavaScript built-ins the grader relies on (${changed.slice(0, 3).join('; ')}` +
          `${changed.length > 3 ? `; and ${changed.length - 3} more` : ''}), so this check cannot be graded. ` +
          'Leave built-ins and globals as they are.',
        { concept: 'monkey-patching built-ins' },
      );
    }
    const rewind = peekClockRewind();
    if (rewind) {
      return new CheckFailure(
        `Your code moved the virtual clock backwards (${rewind}), so this check cannot be graded. The grader owns ` +
          'the clock: wait with timers instead of changing the time.',
        { concept: 'tampering with the clock' },
      );
    }
    if (this.#printed > this.settings.outputBytes) {
      return new CheckFailure(
        `Your code printed ${describeBytes(this.#printed)} during this check; the grader allows ` +
          `${describeBytes(this.settings.outputBytes)} and dropped the rest (it never shows what your code prints). ` +
          'Remove the logging from loops and hot paths.',
        { concept: 'flooding the output' },
      );
    }
    return undefined;
  }

  /**
   * The seal of a check that ran to completion and passed, for the grading process to verify. Throws the
   * `tampering()` failure instead when there is one.
   */
  seal(exercise: string, check: string): string {
    const tampered = this.tampering();
    if (tampered) throw tampered;
    return this.#sealer.seal(exercise, check);
  }

  /**
   * Called when a suite file is done. Puts back the built-ins its student code changed; a worker whose built-ins
   * cannot be put back, or that grew past half its memory budget, retires before the next suite file, which then runs
   * in a fresh worker. Student code of one exercise never grades another's.
   */
  endFile(): void {
    const stuck = this.#snapshot?.restore() ?? [];
    const mb = Math.ceil(process.memoryUsage.rss() / 2 ** 20);
    if (stuck.length > 0) this.#unfit = `built-ins left changed for good (${stuck.slice(0, 3).join(', ')})`;
    else if (mb > this.settings.memoryMb * RETIRE_MEMORY_SHARE) this.#unfit = `${mb} MB of memory in use`;
  }

  /** Ends this worker before the suite file just assigned to it runs; the grading process runs that file again. */
  #retire(why: string): never {
    this.#note = { pid: process.pid, phase: 'setup', stop: { reason: 'retired', why } };
    this.#write();
    return reallyExit(0);
  }

  #moveTo(suiteFile: string): void {
    this.#notePath = noteFile(this.settings.scratch, basename(suiteFile));
    this.#note = { pid: process.pid, phase: 'setup' };
    this.#write();
    this.#thread?.postMessage(this.#notePath);
  }

  #write(): void {
    try {
      writeFileSync(this.#notePath, JSON.stringify(this.#note));
    } catch {
      // The scratch folder is gone (the grading process is closing): nothing left to tell.
    }
  }

  #stopped(stop: StopReason): void {
    this.#note = { ...this.#note, stop };
    this.#write();
  }

  #startWatchdog(): void {
    const shared = new SharedArrayBuffer(4);
    const beats = new Int32Array(shared);
    const data: ThreadData = {
      shared,
      notePath: this.#notePath,
      blockMs: this.settings.blockMs,
      memoryBytes: this.settings.memoryMb * 2 ** 20,
      pollMs: POLL_MS,
    };
    const thread = new Worker(`(${watchdogThread.toString()})(require('node:worker_threads').workerData)`, {
      eval: true,
      workerData: data,
      resourceLimits: { maxOldGenerationSizeMb: 32 },
      stdout: true,
      stderr: true,
    });
    thread.unref();
    this.#thread = thread;
    realSetInterval(() => Atomics.add(beats, 0, 1), HEARTBEAT_MS).unref();
  }

  /** Counts what the code prints per check; past the budget, drops it (the grading process never shows it anyway). */
  #budgetOutput(): void {
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
      stream.write = ((chunk: unknown, ...rest: unknown[]) => {
        this.#printed +=
          typeof chunk === 'string' ? Buffer.byteLength(chunk) : ((chunk as Uint8Array)?.length ?? 0);
        if (this.#printed <= this.settings.outputBytes) return write(chunk, ...rest);
        const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
        callback?.();
        return true;
      }) as typeof stream.write;
    }
  }

  /**
   * Leaves a note when student code ends its own process, so the report can say how, and refuses to signal any other
   * process: the grading process shares this worker's process group, and `process.kill(0)` or
   * `process.kill(process.ppid)` would take the whole grading run down.
   */
  #fenceProcess(): void {
    const host = process as unknown as {
      reallyExit: (code?: number) => never;
      abort: () => never;
      _kill: (pid: number, signal: number) => number;
    };
    const { abort, _kill: signal } = host;
    host.reallyExit = (code?: number) => {
      if (this.#note.phase !== 'setup')
        this.#stopped({ reason: 'exit', how: `process.reallyExit(${code ?? ''})` });
      return reallyExit(code);
    };
    host.abort = () => {
      this.#stopped({ reason: 'exit', how: 'process.abort()' });
      return abort.call(process);
    };
    // process.kill(pid, name) validates its arguments, then calls process._kill(pid, number).
    host._kill = (pid: number, number: number) => {
      if (pid !== process.pid) return EPERM;
      this.#stopped({ reason: 'exit', how: 'process.kill(process.pid)' });
      return signal.call(process, pid, number);
    };
  }
}

function describeBytes(bytes: number): string {
  return bytes >= 2 ** 20 ? `${Math.round(bytes / 2 ** 20)} MB` : `${Math.round(bytes / 1024)} KB`;
}

/**
 * Closes the network for everything but the lab: msw answers `fetch` (and `http.request`) without a socket, and
 * anything that would open a real one (a raw socket, a server, a request msw lets through) fails at once.
 */
function closeNetwork(): void {
  const refuse = (what: string) =>
    function refused(): never {
      throw new Error(
        `The network is closed while grading: your code tried to ${what}. Use fetch; the grader answers it.`,
      );
    };
  Socket.prototype.connect = refuse('open a socket') as typeof Socket.prototype.connect;
  Server.prototype.listen = refuse('listen on a port') as typeof Server.prototype.listen;
  DatagramSocket.prototype.send = refuse('send a datagram') as typeof DatagramSocket.prototype.send;
  DatagramSocket.prototype.bind = refuse('bind a port') as typeof DatagramSocket.prototype.bind;
}
