type Listener = EventListenerOrEventListenerObject;

interface Entry {
  signal: AbortSignal;
  listener: Listener;
  capture: boolean;
}

/**
 * Counts the 'abort' listeners the student's code adds to lab signals and does not remove.
 *
 * Listeners on a signal that has fired are not counted: it will never fire again.
 * A listener counts when the code that called addEventListener is not the runtime's or a library's: fetch and
 * `new Request()` keep a listener on a signal until garbage collection, and that is not the student's leak.
 */
export class ListenerTracker {
  #entries: Entry[] = [];
  readonly #watched = new WeakSet<AbortSignal>();

  /** Starts counting listeners on `signal`. */
  watch(signal: AbortSignal): void {
    this.#watched.add(signal);
    const add = signal.addEventListener.bind(signal) as (
      type: string,
      listener: Listener | null,
      options?: boolean | AddEventListenerOptions,
    ) => void;
    const remove = signal.removeEventListener.bind(signal) as (
      type: string,
      listener: Listener | null,
      options?: boolean | EventListenerOptions,
    ) => void;
    const entries = () => this.#entries;
    signal.addEventListener = function addEventListener(
      type: string,
      listener: Listener | null,
      options?: boolean | AddEventListenerOptions,
    ) {
      if (type === 'abort' && listener && calledFromUserCode()) {
        const capture = typeof options === 'boolean' ? options : Boolean(options?.capture);
        const known = entries().some(
          (entry) => entry.signal === signal && entry.listener === listener && entry.capture === capture,
        );
        if (!known && !signal.aborted) entries().push({ signal, listener, capture });
      }
      add(type, listener, options);
    } as AbortSignal['addEventListener'];
    signal.removeEventListener = function removeEventListener(
      type: string,
      listener: Listener | null,
      options?: boolean | EventListenerOptions,
    ) {
      if (type === 'abort') {
        const capture = typeof options === 'boolean' ? options : Boolean(options?.capture);
        const list = entries();
        const index = list.findIndex(
          (entry) => entry.signal === signal && entry.listener === listener && entry.capture === capture,
        );
        if (index !== -1) list.splice(index, 1);
      }
      remove(type, listener, options);
    } as AbortSignal['removeEventListener'];
    // Once a signal has fired it never fires again: what is still attached to it can no longer run.
    add('abort', () => {
      this.#entries = this.#entries.filter((entry) => entry.signal !== signal);
    });
  }

  /**
   * Student code running in a subject attached `listener` to `signal` (the bridge reports it; see
   * grader/lab/subject.ts). Counted when `signal` is watched and has not fired.
   */
  added(signal: AbortSignal, listener: Listener, capture: boolean): void {
    if (!this.#watched.has(signal) || signal.aborted) return;
    const known = this.#entries.some(
      (entry) => entry.signal === signal && entry.listener === listener && entry.capture === capture,
    );
    if (!known) this.#entries.push({ signal, listener, capture });
  }

  /** Student code running in a subject removed `listener` from `signal`. */
  removed(signal: AbortSignal, listener: Listener, capture: boolean): void {
    const index = this.#entries.findIndex(
      (entry) => entry.signal === signal && entry.listener === listener && entry.capture === capture,
    );
    if (index !== -1) this.#entries.splice(index, 1);
  }

  /** Listeners still attached that the student's code added. */
  pending(): number {
    return this.#entries.length;
  }

  reset(): void {
    this.#entries = [];
  }
}

/** True when the frame that called addEventListener is neither Node's nor a dependency's nor the lab's. */
function calledFromUserCode(): boolean {
  const frames = (new Error().stack ?? '').split('\n').slice(1);
  // frames[0] is this function, frames[1] the addEventListener wrapper, frames[2] whoever called it.
  const caller = frames[2] ?? '';
  return !/node:|node_modules|[\\/]grader[\\/]lab[\\/]|<anonymous>/.test(caller);
}
