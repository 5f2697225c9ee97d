import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ChannelClosed, Frames, MAX_FRAME_BYTES } from '../bridge/frames.ts';

/**
 * The bridge's frames (grader/bridge/frames.ts), written to a file and read back: a file stands in for the FIFO, and
 * its end for the other side closing the channel.
 */
const scratch = mkdtempSync(join(tmpdir(), 'awaitlings-frames-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let files = 0;

/** Writes `messages` as one batch, and returns the file's bytes and what a reader gets back from them. */
function roundTrip(messages: unknown[]): { bytes: Buffer; read: unknown[] } {
  const file = join(scratch, `frames-${files++}`);
  const out = openSync(file, 'w');
  new Frames(-1, out).sendAll(messages);
  closeSync(out);
  const input = openSync(file, 'r');
  try {
    const frames = new Frames(input, -1);
    return { bytes: readFileSync(file), read: messages.map(() => frames.receive()) };
  } finally {
    closeSync(input);
  }
}

/** What reading a file made of `bytes` throws. */
function readingFails(bytes: Buffer): unknown {
  const file = join(scratch, `forged-${files++}`);
  writeFileSync(file, bytes);
  const input = openSync(file, 'r');
  try {
    new Frames(input, -1).receive();
    return undefined;
  } catch (error) {
    return error;
  } finally {
    closeSync(input);
  }
}

function frame(kind: number, body: string | Buffer): Buffer {
  const content = typeof body === 'string' ? Buffer.from(body) : body;
  const header = Buffer.alloc(5);
  header.writeUInt32LE(1 + content.length, 0);
  header[4] = kind;
  return Buffer.concat([header, content]);
}

describe('Frames', () => {
  test('a message of plain data travels as JSON and comes back equal', () => {
    const message = {
      k: 'req',
      id: 7,
      op: 'call',
      args: [1, 'é \u2028 \ud800', { a: null, b: [true] }],
      now: 5,
    };
    const { bytes, read } = roundTrip([message]);
    expect(bytes[4]).toBe(0);
    expect(read).toEqual([message]);
  });

  test('what JSON would change (NaN, -0, undefined in an array, a bigint, a date) travels as a clone, unchanged', () => {
    const values = [
      Number.NaN,
      -0,
      Number.POSITIVE_INFINITY,
      [1, undefined],
      2n ** 70n,
      new Date(0),
      new Uint8Array([1]),
    ];
    for (const value of values) {
      const { bytes, read } = roundTrip([{ k: 'ret', id: 1, ok: true, value }]);
      expect(bytes[4], String(value)).toBe(1);
      const [back] = read as Array<{ value: unknown }>;
      if (typeof value === 'number') expect(Object.is(back.value, value)).toBe(true);
      else expect(back.value).toEqual(value);
    }
  });

  test('an absent property and one that is undefined read the same after the trip', () => {
    const { bytes, read } = roundTrip([{ k: 'ret', id: 2, ok: true, value: undefined }]);
    expect(bytes[4]).toBe(0);
    const [back] = read as Array<Record<string, unknown>>;
    expect(back.value).toBeUndefined();
    expect(back).toEqual({ k: 'ret', id: 2, ok: true });
  });

  test('several messages sent together arrive in order, a large one among them', () => {
    const large = { k: 'ret', id: 3, ok: true, value: 'x'.repeat(3 * 2 ** 20) };
    const messages = [{ k: 'note', op: 'a' }, large, { k: 'note', op: 'b', value: [Number.NaN] }];
    const { read } = roundTrip(messages);
    expect(read).toEqual(messages);
  });

  test('a `__proto__` key in a JSON frame stays an own property: nothing reaches the prototypes', () => {
    const file = join(scratch, `forged-${files++}`);
    writeFileSync(file, frame(0, '{"__proto__":{"polluted":true},"k":"note","op":"x"}'));
    const input = openSync(file, 'r');
    try {
      const message = new Frames(input, -1).receive() as Record<string, unknown>;
      expect(Object.hasOwn(message, '__proto__')).toBe(true);
      expect(Object.getPrototypeOf(message)).toBe(Object.prototype);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    } finally {
      closeSync(input);
    }
  });

  test('a frame that cannot be trusted closes the channel: empty, oversized, of an unknown kind, unreadable, cut short', () => {
    const oversized = Buffer.alloc(4);
    oversized.writeUInt32LE(MAX_FRAME_BYTES + 1, 0);
    const forged = [
      Buffer.alloc(4),
      oversized,
      frame(7, '{}'),
      frame(0, '{"k":'),
      frame(1, Buffer.from([0xff, 0x0f, 0x42])),
      frame(0, '{"k":"note","op":"x"}').subarray(0, 10),
    ];
    for (const bytes of forged)
      expect(readingFails(bytes), bytes.toString('hex')).toBeInstanceOf(ChannelClosed);
  });
});
