/**
 * Length-prefixed frames over two file descriptors, read and written synchronously. A frame is JSON when its message
 * is plain data JSON keeps exactly (most are), and a structured clone otherwise (`undefined` in an array, `NaN`,
 * `-0`, a bigint, a date, bytes): JSON costs a third of a clone, and allocates no buffer outside the JavaScript heap.
 *
 * Both sides of the subject/check split block in `readSync` while the other side runs, so at any moment exactly one
 * side executes JavaScript: the order of events depends on the messages alone, never on real time.
 * Runs on both sides; imports nothing but Node.
 */
import { readSync, writeSync } from 'node:fs';
import { deserialize, serialize } from 'node:v8';

/** A frame larger than this is a protocol breach: the reader stops trusting the stream. */
export const MAX_FRAME_BYTES = 32 * 2 ** 20;

/** An outgoing buffer grown past this for one large message is not kept for the next. */
const KEPT_BUFFER_BYTES = 2 ** 20;

/** The byte after a frame's length: how its body is encoded. */
const JSON_BODY = 0;
const CLONE_BODY = 1;

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
  /** Where outgoing frames are assembled, kept from one send to the next. */
  #outBuffer = Buffer.allocUnsafe(64 * 1024);

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
    let at = 0;
    for (const message of messages) {
      if (keepsAsJson(message)) {
        const text = JSON.stringify(message);
        const size = 1 + Buffer.byteLength(text);
        this.#reserve(at, 4 + size);
        this.#outBuffer.writeUInt32LE(size, at);
        this.#outBuffer[at + 4] = JSON_BODY;
        this.#outBuffer.write(text, at + 5, 'utf8');
        at += 4 + size;
      } else {
        const body = serialize(message);
        this.#reserve(at, 5 + body.length);
        this.#outBuffer.writeUInt32LE(1 + body.length, at);
        this.#outBuffer[at + 4] = CLONE_BODY;
        body.copy(this.#outBuffer, at + 5);
        at += 5 + body.length;
      }
    }
    let written = 0;
    while (written < at) written += writeSync(this.#out, this.#outBuffer, written, at - written);
    // One large message (a big array the student's code returned) must not keep its buffer for the whole run.
    if (this.#outBuffer.length > KEPT_BUFFER_BYTES) this.#outBuffer = Buffer.allocUnsafe(64 * 1024);
  }

  /** Grows the outgoing buffer, keeping its first `used` bytes, so that `more` bytes fit after them. */
  #reserve(used: number, more: number): void {
    if (used + more <= this.#outBuffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(2 * this.#outBuffer.length, used + more));
    this.#outBuffer.copy(grown, 0, 0, used);
    this.#outBuffer = grown;
  }

  /** Blocks until one whole frame has arrived. */
  receive(): unknown {
    const length = this.#take(4).readUInt32LE(0);
    if (length > MAX_FRAME_BYTES)
      throw new ChannelClosed(`a frame of ${length} bytes (limit ${MAX_FRAME_BYTES})`);
    if (length === 0) throw new ChannelClosed('an empty frame');
    const body = this.#take(length);
    try {
      if (body[0] === JSON_BODY) return JSON.parse(body.toString('utf8', 1));
      if (body[0] === CLONE_BODY) return deserialize(body.subarray(1));
      throw new Error(`a body of unknown kind ${body[0]}`);
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

/**
 * Whether JSON carries `value` unchanged: only plain objects, arrays, strings, booleans, null and finite numbers
 * other than -0, and `undefined` only as an object's property (which JSON leaves out: absent reads the same).
 */
function keepsAsJson(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (const item of value) if (item === undefined || !keepsAsJson(item)) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      for (const key in value) {
        const item = (value as Record<string, unknown>)[key];
        if (item !== undefined && !keepsAsJson(item)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}
