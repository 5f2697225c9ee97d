type Listener = EventListenerOrEventListenerObject;

interface Entry {
  signal: AbortSignal;
  listener: Listener;
  capture: boolean;
}

/**
 * Counts the 'abort' listeners the student's code adds to lab signals and does not remove.
 *
 * Student code runs in the subject: the listeners it adds to a lab signal there are attached here, to the real
 * signal, by the bridge (grader/lab/subject.ts), which reports each one. The runtime's own listeners and Node's (a
 * `Request` that follows a signal) stay in the subject and are not the student's leak. Listeners on a signal that
 * has fired are not counted: it will never fire again.
 */
export class ListenerTracker {
  #watched = new WeakSet<AbortSignal>();
  #entries: Entry[] = [];

  /** Starts counting listeners on `signal`. */
  watch(signal: AbortSignal): void {
    this.#watched.add(signal);
    // Once a signal has fired it never fires again: what is still attached to it can no longer run.
    signal.addEventListener('abort', () => {
      this.#entries = this.#entries.filter((entry) => entry.signal !== signal);
    });
  }

  /** Student code attached `listener` to `signal`. */
  added(signal: AbortSignal, listener: Listener, capture: boolean): void {
    if (!this.#watched.has(signal) || signal.aborted) return;
    if (this.#find(signal, listener, capture) === -1) this.#entries.push({ signal, listener, capture });
  }

  /** Student code removed `listener` from `signal`. */
  removed(signal: AbortSignal, listener: Listener, capture: boolean): void {
    const index = this.#find(signal, listener, capture);
    if (index !== -1) this.#entries.splice(index, 1);
  }

  /** Listeners still attached that the student's code added. */
  pending(): number {
    return this.#entries.length;
  }

  reset(): void {
    this.#entries = [];
  }

  #find(signal: AbortSignal, listener: Listener, capture: boolean): number {
    return this.#entries.findIndex(
      (entry) => entry.signal === signal && entry.listener === listener && entry.capture === capture,
    );
  }
}
