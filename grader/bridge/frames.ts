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
  readonly #header = Buffer.alloc(4);

  constructor(input: number, output: number, options: FrameOptions = {}) {
    this.#in = input;
    this.#out = output;
    this.#afterRead = options.afterRead ?? (() => {});
  }

  send(message: unknown): void {
    const body = serialize(message);
    const frame = Buffer.allocUnsafe(4 + body.length);
    frame.writeUInt32LE(body.length, 0);
    body.copy(frame, 4);
    let written = 0;
    while (written < frame.length) written += writeSync(this.#out, frame, written, frame.length - written);
  }

  /** Blocks until one whole frame has arrived. */
  receive(): unknown {
    this.#fill(this.#header);
    const length = this.#header.readUInt32LE(0);
    if (length > MAX_FRAME_BYTES)
      throw new ChannelClosed(`a frame of ${length} bytes (limit ${MAX_FRAME_BYTES})`);
    const body = Buffer.allocUnsafe(length);
    this.#fill(body);
    try {
      return deserialize(body);
    } catch (error) {
      throw new ChannelClosed(`an unreadable frame (${(error as Error).message})`);
    }
  }

  #fill(buffer: Buffer): void {
    let read = 0;
    while (read < buffer.length) {
      let count: number;
      try {
        count = readSync(this.#in, buffer, read, buffer.length - read, null);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        throw new ChannelClosed(`the channel failed (${(error as Error).message})`);
      }
      this.#afterRead();
      if (count === 0) throw new ChannelClosed('the other side closed the channel');
      read += count;
    }
  }
}
