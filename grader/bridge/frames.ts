/**
 * Length-prefixed, structured-clone frames over two file descriptors, read and written synchronously.
 *
 * Both sides of the subject/check split block in `readSync` while the other side runs, so at any moment exactly one
 * side executes JavaScript: the order of events depends on the messages alone, never on real time.
 * Runs on both sides; imports nothing but Node.
 */
import { readSync, writeSync } from 'node:fs';
import { deserialize, serialize } from 'node:v8';

/** A frame larger than this is a protocol breach: the reader stops trusting the stream. */
export const MAX_FRAME_BYTES = 32 * 2 ** 20;

/** Thrown by `receive` when the stream cannot be trusted any more (the peer died, lied or was killed). */
export class ChannelClosed extends Error {
  override readonly name = 'ChannelClosed';
}

export interface FrameOptions {
  /** Called after every `readSync` returns: throws to abandon the stream (a watchdog woke the reader). */
  afterRead?: () => void;
}

/** One direction in, one direction out, both blocking. */
export class Frames {
  readonly #in: number;
  readonly #out: number;
  readonly #afterRead: () => void;
  /** Bytes read but not yet taken: `#buffer[#start, #end)`. */
  #buffer = Buffer.allocUnsafe(64 * 1024);
  #start = 0;
  #end = 0;

  constructor(input: number, output: number, options: FrameOptions = {}) {
    this.#in = input;
    this.#out = output;
    this.#afterRead = options.afterRead ?? (() => {});
  }

  send(message: unknown): void {
    this.sendAll([message]);
  }

  /** Sends several frames with one write: the other side wakes once for all of them. */
  sendAll(messages: readonly unknown[]): void {
    const bodies = messages.map((message) => serialize(message));
    const frame = Buffer.allocUnsafe(bodies.reduce((sum, body) => sum + 4 + body.length, 0));
    let at = 0;
    for (const body of bodies) {
      frame.writeUInt32LE(body.length, at);
      body.copy(frame, at + 4);
      at += 4 + body.length;
    }
    let written = 0;
    while (written < frame.length) written += writeSync(this.#out, frame, written, frame.length - written);
  }

  /** Blocks until one whole frame has arrived. */
  receive(): unknown {
    const length = this.#take(4).readUInt32LE(0);
    if (length > MAX_FRAME_BYTES)
      throw new ChannelClosed(`a frame of ${length} bytes (limit ${MAX_FRAME_BYTES})`);
    const body = this.#take(length);
    try {
      return deserialize(body);
    } catch (error) {
      throw new ChannelClosed(`an unreadable frame (${(error as Error).message})`);
    }
  }

  /**
   * The next `count` bytes of the stream, read ahead as far as the other side has written: one read often brings
   * several frames. The bytes are valid until the next call.
   */
  #take(count: number): Buffer {
    if (this.#end - this.#start < count) {
      if (this.#start + count > this.#buffer.length) {
        const kept = this.#buffer.subarray(this.#start, this.#end);
        const next = count > this.#buffer.length ? Buffer.allocUnsafe(count) : this.#buffer;
        kept.copy(next, 0);
        this.#buffer = next;
        this.#end -= this.#start;
        this.#start = 0;
      }
      while (this.#end - this.#start < count) {
        let read: number;
        try {
          read = readSync(this.#in, this.#buffer, this.#end, this.#buffer.length - this.#end, null);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EAGAIN') continue;
          throw new ChannelClosed(`the channel failed (${(error as Error).message})`);
        }
        this.#afterRead();
        if (read === 0) throw new ChannelClosed('the other side closed the channel');
        this.#end += read;
      }
    }
    const bytes = this.#buffer.subarray(this.#start, this.#start + count);
    this.#start += count;
    return bytes;
  }
}
