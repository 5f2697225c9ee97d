/**
 * Who may listen to the checks' signals without being counted.
 *
 * A signal the checks hand to student code arrives here as a mirror. An 'abort' listener that student code adds to
 * a mirror is not kept here: it is forwarded to the checks' side and attached to the original signal, where the
 * checks count what is left behind. The runtime's own listeners (fetch, timers) and Node's (a `Request` that follows
 * a signal) stay here and are never counted. Runs in the subject, before any student code.
 */

type Add = EventTarget['addEventListener'];
type Remove = EventTarget['removeEventListener'];

const originalAdd: Add = EventTarget.prototype.addEventListener;
const originalRemove: Remove = EventTarget.prototype.removeEventListener;
const apply = Reflect.apply;

/** The runtime's way to listen: never forwarded, never counted. Returns how to stop. */
export function listenLocally(target: EventTarget, type: string, listener: () => void): () => void {
  apply(originalAdd, target, [type, listener, { once: true }]);
  return () => apply(originalRemove, target, [type, listener]);
}

export interface Forwarding {
  /** Whether `target` mirrors a signal of the checks. */
  isMirror(target: unknown): boolean;
  /** Attaches `listener` to the original signal on the checks' side. */
  add(signal: AbortSignal, listener: unknown, options: { capture: boolean; once: boolean }): void;
  remove(signal: AbortSignal, listener: unknown, capture: boolean): void;
}

/**
 * Routes student code's 'abort' listeners on mirrors to the checks' side. Node's own callers keep their listeners
 * here: a frame from `node:` right above ours is Node acting for the student (as `new Request(url, { signal })` does).
 */
export function forwardAbortListeners(forwarding: Forwarding, runtimeFile: string): void {
  const fromNode = nodeCallerProbe(runtimeFile);
  EventTarget.prototype.addEventListener = function addEventListener(
    this: EventTarget,
    ...args: Parameters<Add>
  ) {
    const [type, listener, options] = args;
    if (type === 'abort' && listener && forwarding.isMirror(this) && !fromNode()) {
      if ((this as AbortSignal).aborted) return;
      forwarding.add(this as AbortSignal, listener, {
        capture: typeof options === 'boolean' ? options : Boolean(options?.capture),
        once: typeof options === 'object' && options !== null && Boolean(options.once),
      });
      return;
    }
    return apply(originalAdd, this, args);
  };
  EventTarget.prototype.removeEventListener = function removeEventListener(
    this: EventTarget,
    ...args: Parameters<Remove>
  ) {
    const [type, listener, options] = args;
    if (type === 'abort' && listener && forwarding.isMirror(this)) {
      forwarding.remove(
        this as AbortSignal,
        listener,
        typeof options === 'boolean' ? options : Boolean(options?.capture),
      );
    }
    return apply(originalRemove, this, args);
  };
}

interface CallSite {
  getFileName(): string | null | undefined;
}

/**
 * Whether the code that called `addEventListener` is Node's. Reads call sites with methods captured now, before any
 * student code could replace `Error.prepareStackTrace` or the call sites' prototype; when it cannot read them, the
 * caller counts as student code.
 */
function nodeCallerProbe(runtimeFile: string): () => boolean {
  const capture = Error.captureStackTrace;
  const probe = (): CallSite[] | undefined => {
    const saved = Error.prepareStackTrace;
    try {
      Error.prepareStackTrace = (_error, sites) => sites;
      const holder: { stack?: unknown } = {};
      capture(holder, probe);
      return Array.isArray(holder.stack) ? (holder.stack as CallSite[]) : undefined;
    } catch {
      return undefined;
    } finally {
      try {
        Error.prepareStackTrace = saved;
      } catch {
        // A student made it read-only: call sites can no longer be read, so every caller counts as student code.
      }
    }
  };
  const first = probe()?.[0];
  const fileName = first ? Object.getPrototypeOf(first).getFileName : undefined;
  if (typeof fileName !== 'function') return () => false;
  return () => {
    const sites = probe();
    if (!sites) return false;
    for (const site of sites) {
      const file = String(apply(fileName, site, []) ?? '');
      if (file === runtimeFile || file === `file://${runtimeFile}`) continue;
      return file.startsWith('node:');
    }
    return false;
  };
}
