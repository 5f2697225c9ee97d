/**
 * The watchdog outside every subject: one thread per check worker that watches each subject the worker runs (./subject.ts)
 * and stops it when it blocks its event loop, grows past its memory or ends. Its clock is real, and it keeps running
 * while the checks' side blocks waiting for a subject. One thread for them all: starting a thread costs about 25 ms
 * of CPU, once per exercise of every submission when each subject had its own.
 * Runs in the check workers.
 */
import { Worker } from 'node:worker_threads';

/** Flags a subject shares with the watchdog, all 0: index them with the constants below. */
export function watchFlags(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * 4));
}

/** Which request the checks' side waits for (a counter), or 0 while it is not waiting. */
export const WAITING = 0;
/** Why the watchdog stopped the subject: an index into `LOST_REASONS`, 0 while it runs. */
export const LOST = 1;
/** Real ms the request waited for may take. */
export const BUDGET = 2;
/** What the watchdog measured when it stopped the subject: ms blocked, MB reached, or the wait status. */
export const DETAIL = 3;

/** Why the subject was stopped, as the watchdog writes it. */
export const LOST_REASONS = ['', 'blocked', 'memory', 'exited'] as const;

/** How often the watchdog looks at every subject, in real ms. */
const POLL_MS = 25;

export interface Watch {
  flags: Int32Array;
  pid: number;
  /**
   * Written to (one byte) to wake the checks' side's blocked read when the subject is stopped. The watchdog owns it
   * from now on and closes it when it stops watching: closed by the checks' side, its number could be reused by the
   * next subject's channel before the watchdog heard, and the byte would land there.
   */
  wakeFd: number;
  memoryBytes: number;
}

let thread: Worker | undefined;
let nextId = 1;

/** Starts watching a subject; returns how to stop. */
export function watchSubject(watch: Watch): () => void {
  thread ??= startThread();
  const watchdog = thread;
  const id = nextId++;
  watchdog.postMessage({
    add: id,
    shared: watch.flags.buffer,
    pid: watch.pid,
    wakeFd: watch.wakeFd,
    memoryBytes: watch.memoryBytes,
  });
  return () => watchdog.postMessage({ remove: id });
}

function startThread(): Worker {
  const started = new Worker(`(${watchdogThread.toString()})()`, {
    eval: true,
    workerData: { pollMs: POLL_MS },
  });
  started.unref();
  // A watchdog that failed is replaced for the next subject.
  const forget = () => {
    if (thread === started) thread = undefined;
  };
  started.on('error', forget);
  started.on('exit', forget);
  return started;
}

/**
 * Runs in the watchdog thread (serialised with `toString`, so it uses nothing of this module).
 */
function watchdogThread(): void {
  const { parentPort, workerData } = require('node:worker_threads');
  const fs = require('node:fs');
  interface Watched {
    flags: Int32Array;
    pid: number;
    wakeFd: number;
    memoryBytes: number;
    waitingFor: number;
    since: number;
  }
  const watched = new Map<number, Watched>();
  /** Wake descriptors by id, closed when the checks' side stops watching (the subject may be stopped before). */
  const wakeFds = new Map<number, number>();
  parentPort.on(
    'message',
    (message: { add?: number; remove?: number; shared: SharedArrayBuffer } & Omit<Watched, 'flags'>) => {
      if (message.remove !== undefined) {
        watched.delete(message.remove);
        const fd = wakeFds.get(message.remove);
        wakeFds.delete(message.remove);
        try {
          if (fd !== undefined) fs.closeSync(fd);
        } catch {
          // Closed already.
        }
        return;
      }
      if (message.add === undefined) return;
      wakeFds.set(message.add, message.wakeFd);
      watched.set(message.add, {
        flags: new Int32Array(message.shared),
        pid: message.pid,
        wakeFd: message.wakeFd,
        memoryBytes: message.memoryBytes,
        waitingFor: 0,
        since: performance.now(),
      });
    },
  );
  const stat = (pid: number): string | undefined => {
    try {
      const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      return text.slice(text.lastIndexOf(')') + 2);
    } catch {
      return undefined;
    }
  };
  const rss = (pid: number): number => {
    try {
      const match = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      return match ? Number(match[1]) * 1024 : 0;
    } catch {
      return 0;
    }
  };
  /** Looks at one subject; true once it has been stopped (or ended), when it needs no more looking at. */
  const look = (subject: Watched): boolean => {
    const { flags, pid } = subject;
    if (Atomics.load(flags, 1) !== 0) return true;
    const now = performance.now();
    const waiting = Atomics.load(flags, 0);
    if (waiting !== subject.waitingFor) {
      subject.waitingFor = waiting;
      subject.since = now;
    }
    let why = 0;
    let detail = 0;
    const fields = stat(pid);
    const state = fields?.slice(0, 1);
    if (state === undefined || state === 'Z' || state === 'X') {
      why = 3;
      // How it ended (Linux, while it is a zombie): V8 aborts the process when its heap is full.
      const all = fields?.trim().split(' ') ?? [];
      const status = all.length >= 50 ? Number(all[49]) : -1;
      const signal = status & 0x7f;
      if (signal === 6 || signal === 5) why = 2;
      detail = status >= 0 ? status : -1;
    } else {
      const bytes = rss(pid);
      if (bytes > subject.memoryBytes) {
        why = 2;
        detail = Math.round(bytes / 2 ** 20);
      } else if (waiting !== 0 && now - subject.since > Atomics.load(flags, 2)) {
        why = 1;
        detail = Math.round(now - subject.since);
      }
    }
    if (why === 0) return false;
    Atomics.store(flags, 3, detail);
    Atomics.store(flags, 1, why);
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    try {
      fs.writeSync(subject.wakeFd, Buffer.alloc(1));
    } catch {
      // Nobody is reading.
    }
    return true;
  };
  setInterval(() => {
    for (const [id, subject] of watched) if (look(subject)) watched.delete(id);
  }, workerData.pollMs);
}
