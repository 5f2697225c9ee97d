/**
 * One side of the bridge between the checks and the subject: values cross as data, everything else as handles.
 *
 * - Primitives, plain objects, arrays, errors, dates and byte arrays cross as copies. Each copy remembers where it
 *   came from: handed back, it becomes the original again, so identity survives the round trip.
 * - Functions, promises, class instances and signals cross as handles. The receiver gets a stand-in (a Proxy, a
 *   promise, a mirrored AbortSignal) that forwards to the original through synchronous requests.
 * - A request blocks until its reply; requests from the other side that arrive meanwhile are served at once.
 *
 * The same class runs on both sides. What differs (how a request is served at the top level, the side's own
 * messages) comes in through `PeerHooks`. Runs on both sides; imports nothing but Node and ./frames.ts.
 */
import { isModuleNamespaceObject, isProxy } from 'node:util/types';
import { ChannelClosed, type Frames } from './frames.ts';

/** `AWAITLINGS_BRIDGE_TRACE=1` prints every message received to stderr (read once: the subject empties its env). */
const TRACE = Boolean(process.env.AWAITLINGS_BRIDGE_TRACE);
/** Symbols that cross by name. */
const WELL_KNOWN = [
  'asyncIterator',
  'iterator',
  'hasInstance',
  'toPrimitive',
  'toStringTag',
  'asyncDispose',
  'dispose',
] as const;
/** Built-in classes whose instances keep their prototype on the other side, so `instanceof` still holds there. */
const SHARED_CLASSES = ['Response', 'Request', 'Headers', 'URL', 'ReadableStream', 'Map', 'Set'] as const;
/** Error classes rebuilt as themselves. */
const ERROR_CLASSES: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

const inspectCustom = Symbol.for('nodejs.util.inspect.custom');

/** A value as it travels. Primitives travel as themselves. */
export type Wire =
  | undefined
  | null
  | boolean
  | number
  | string
  | bigint
  | { $: 'yours'; id: number }
  | { $: 'same'; id: number }
  | { $: 'fn'; id: number; name: string; inherited?: boolean; thenless?: true }
  | { $: 'ref'; id: number; className: string; thenless?: true }
  | { $: 'promise'; id: number }
  | { $: 'signal'; id: number; aborted: boolean; reason?: Wire }
  | {
      $: 'error';
      id: number;
      kind: string;
      name: string;
      message: string;
      stack?: string;
      props: [string, Wire][];
      cause?: Wire;
      hasCause: boolean;
      errors?: Wire[];
    }
  | { $: 'array'; id: number; items: Wire[] }
  | { $: 'object'; id: number; entries: [string, Wire][]; nullProto: boolean }
  | { $: 'raw'; value: unknown }
  | { $: 'symbol'; name: string };

export type Message =
  | { k: 'req'; id: number; op: string; now?: number; [field: string]: unknown }
  | { k: 'ret'; id: number; ok: boolean; value: Wire }
  | { k: 'note'; op: string; [field: string]: unknown };

/** What one side adds to the bridge. */
export interface PeerHooks {
  /** Serves a request that no generic operation handles (the side's own protocol). */
  serve?(message: Message & { k: 'req' }): unknown;
  /** Handles a notification. */
  note?(message: Message & { k: 'note' }): void;
  /** Called on every message before it is handled (e.g. to take the current virtual time). */
  received?(message: Message): void;
  /** Called when a request this side made at its top level has its reply (the other side may have work queued). */
  answered?(op: string): void;
  /** Called when a notification is queued for the next request. */
  queued?(): void;
  /** Stamps outgoing requests (e.g. with the current virtual time). */
  stamp?(message: Message): void;
  /** How this side listens to its own signals without being counted (`addEventListener` as it was at start). */
  listen?(signal: AbortSignal, listener: () => void): void;
  /** Mirrors a signal the other side owns; `abort` settles it. The default is a plain AbortController. */
  mirrorSignal?(id: number): AbortController;
  /**
   * Whether this side's plain objects with functions among their values (options with callbacks) cross as copies
   * holding function handles, rather than as handles whose every property read is a round trip. Only for a side
   * whose plain objects are records, never state that changes under the other side.
   * @default false: a student's `{ count: 0, take() { this.count++ } }` must stay one live object
   */
  copiesObjectsWithFunctions?: boolean;
}

/** The other side broke the protocol: the receiver stops talking to it. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

interface ImportedPromise {
  promise: Promise<unknown>;
  resolve(value: unknown): void;
  reject(reason: unknown): void;
}

/** One side of the bridge. */
export class Peer {
  readonly #frames: Frames;
  readonly #hooks: PeerHooks;
  /** What this side handed over as a handle or a copy, by id. */
  readonly #exported = new Map<number, unknown>();
  readonly #exportedIds = new WeakMap<object, number>();
  /** Stand-ins and copies of what the other side handed over, by its id. */
  readonly #imported = new Map<number, unknown>();
  readonly #importedIds = new WeakMap<object, number>();
  readonly #promises = new Map<number, ImportedPromise>();
  readonly #controllers = new Map<number, AbortController>();
  /**
   * Methods the other side's objects inherit, by object handle and key: a class's methods do not change under a
   * running check, and reading each again would double the cost of every method call.
   */
  readonly #methods = new Map<number, Map<string | symbol, unknown>>();
  /** Whether the last function decoded was an inherited method (set while a `get` reply is decoded). */
  #inherited = false;
  #nextId = 1;
  #nextRequest = 1;
  #depth = 0;
  #closed: Error | undefined;

  constructor(frames: Frames, hooks: PeerHooks = {}) {
    this.#frames = frames;
    this.#hooks = hooks;
  }

  /**
   * Whether errors cross with their stack. Formatting a stack (through a source map) costs more than the rest of a
   * request, and only an error thrown while the student's module loads needs its location.
   * @default false
   */
  stacks = false;

  /** Requests being served or waited for right now: 0 when this side is at its top level. */
  get depth(): number {
    return this.#depth;
  }

  /** Why the bridge is closed, once it is. */
  get closed(): Error | undefined {
    return this.#closed;
  }

  /** Sends a request and blocks until its reply, serving the other side's requests meanwhile. */
  request(op: string, fields: Record<string, unknown> = {}): unknown {
    if (this.#closed) throw this.#closed;
    const id = this.#nextRequest++;
    const message = { ...fields, k: 'req', id, op } as Message;
    this.#hooks.stamp?.(message);
    this.#depth++;
    this.#waiting.push(id);
    try {
      this.#send(...this.#queued.splice(0), message);
      for (;;) {
        const reply = this.#early.get(id) ?? this.#receive();
        if (reply.k === 'ret') {
          if (reply.id !== id) {
            // The other side answered a request this side made earlier and still waits for, further down its
            // stack: it was settling that one when this one arrived. Keep the answer for when its turn comes.
            if (!this.#waiting.includes(reply.id) || this.#early.has(reply.id)) {
              throw this.#breach(`a reply to request ${reply.id}, which nobody waits for`);
            }
            this.#early.set(reply.id, reply);
            continue;
          }
          this.#early.delete(id);
          if (this.#depth === 1) this.#hooks.answered?.(op);
          const value = this.decode(reply.value);
          if (reply.ok) return value;
          throw value;
        }
        this.handle(reply);
      }
    } finally {
      this.#waiting.pop();
      this.#early.delete(id);
      this.#depth--;
    }
  }
  /** Requests this side waits for, innermost last. */
  readonly #waiting: number[] = [];
  /** Replies that came before their turn. */
  readonly #early = new Map<number, Message & { k: 'ret' }>();

  /** Sends a notification: no reply. */
  notify(op: string, fields: Record<string, unknown> = {}): void {
    if (this.#closed) return;
    this.#send({ ...fields, k: 'note', op } as Message);
  }

  /** Reads one message (blocking). For a side's top-level loop. */
  receive(): Message {
    return this.#receive();
  }

  /** Handles a request or notification; replies to a request at once. */
  handle(message: Message): void {
    if (message.k === 'note') {
      if (message.op === 'settle' || message.op === 'abort') this.settleNote(message);
      else if (this.#hooks.note) this.#hooks.note(message);
      else throw this.#breach(`an unknown notification \`${message.op}\``);
      return;
    }
    if (message.k !== 'req') throw this.#breach(`an unexpected ${String(message.k)} message`);
    this.reply(message, this.serve(message));
  }

  /** Runs a request and returns its outcome, to be sent with `reply` (now, or after the side has settled). */
  serve(message: Message & { k: 'req' }): { ok: boolean; value: Wire } {
    this.#depth++;
    try {
      const result = this.#perform(message);
      if (result instanceof Inherited) {
        const wire = this.encode(result.method) as Extract<Wire, { $: 'fn' }>;
        return { ok: true, value: { ...wire, inherited: true } };
      }
      return { ok: true, value: this.encode(result) };
    } catch (error) {
      if (error instanceof ProtocolError || error instanceof ChannelClosed) throw error;
      try {
        return { ok: false, value: this.encode(error) };
      } catch {
        return { ok: false, value: this.encode(new Error('an error that could not be copied')) };
      }
    } finally {
      this.#depth--;
    }
  }

  reply(message: Message & { k: 'req' }, outcome: { ok: boolean; value: Wire }): void {
    this.#send({ k: 'ret', id: message.id, ...outcome });
  }

  /**
   * Stops talking: every later request throws `reason`. What either side handed over is let go: a stand-in or an
   * error the checks keep after the end must not keep everything the other side ever sent.
   */
  close(reason: Error): void {
    if (this.#closed) return;
    this.#closed = reason;
    for (const table of [
      this.#exported,
      this.#imported,
      this.#promises,
      this.#controllers,
      this.#methods,
      this.#early,
    ])
      table.clear();
  }

  #perform(message: Message & { k: 'req' }): unknown {
    switch (message.op) {
      case 'get': {
        const target = this.#object(message.target);
        const key = this.#key(message.key);
        const value = Reflect.get(target, key);
        // A method the object inherits (a class's prototype method): the asker may keep it for this object.
        if (typeof value === 'function' && !Object.hasOwn(target, key)) return new Inherited(value);
        return value;
      }
      case 'set':
        return Reflect.set(
          this.#object(message.target),
          this.#key(message.key),
          this.decode(message.value as Wire),
        );
      case 'has':
        return Reflect.has(this.#object(message.target), this.#key(message.key));
      case 'keys':
        return Reflect.ownKeys(this.#object(message.target)).filter((key) => typeof key === 'string');
      case 'describe': {
        const descriptor = Reflect.getOwnPropertyDescriptor(
          this.#object(message.target),
          this.#key(message.key),
        );
        if (!descriptor) return undefined;
        return {
          enumerable: Boolean(descriptor.enumerable),
          value: 'value' in descriptor ? descriptor.value : undefined,
        };
      }
      case 'call': {
        const fn = this.#object(message.fn);
        if (typeof fn !== 'function') throw this.#breach('a call of something that is not a function');
        const args = this.#args(message.args);
        return Reflect.apply(fn, this.decode(message.this as Wire), args);
      }
      case 'construct': {
        const fn = this.#object(message.fn);
        if (typeof fn !== 'function')
          throw this.#breach('a construction of something that is not a function');
        return Reflect.construct(fn, this.#args(message.args));
      }
      case 'settle': {
        const record = this.#promise(this.#id(message.promise));
        const value = this.decode(message.value as Wire);
        if (message.ok) record.resolve(value);
        else record.reject(value);
        return undefined;
      }
      case 'abort': {
        const controller = this.#controllers.get(this.#id(message.signal));
        if (!controller) throw this.#breach('an abort of a signal it never sent');
        if (!controller.signal.aborted) controller.abort(this.decode(message.reason as Wire));
        return undefined;
      }
      default:
        if (!this.#hooks.serve) throw this.#breach(`an unknown request \`${message.op}\``);
        return this.#hooks.serve(message);
    }
  }

  /** Turns a value into data that can cross. */
  encode(value: unknown, seen = new Map<object, number>()): Wire {
    if (value === null || value === undefined) return value;
    const type = typeof value;
    if (type === 'boolean' || type === 'number' || type === 'string' || type === 'bigint')
      return value as Wire;
    if (type === 'symbol') {
      const name = WELL_KNOWN.find((known) => Symbol[known] === value);
      return { $: 'symbol', name: name ?? '' };
    }
    const object = value as object;
    const back = this.#importedIds.get(object);
    if (back !== undefined) return { $: 'yours', id: back };
    const cycle = seen.get(object);
    if (cycle !== undefined) return { $: 'same', id: cycle };
    const id = this.#export(object);
    if (typeof object === 'function') return { $: 'fn', id, name: safeName(object), ...thenless(object) };
    if (object instanceof Promise) {
      this.#watchPromise(object, id);
      return { $: 'promise', id };
    }
    if (object instanceof AbortSignal) {
      this.#watchSignal(object, id);
      return {
        $: 'signal',
        id,
        aborted: object.aborted,
        reason: object.aborted ? this.encode(object.reason, seen) : undefined,
      };
    }
    if (object instanceof Error || (typeof DOMException === 'function' && object instanceof DOMException)) {
      seen.set(object, id);
      return this.#encodeError(object as Error, id, seen);
    }
    if (Array.isArray(object)) {
      seen.set(object, id);
      return { $: 'array', id, items: Array.from(object, (item) => this.encode(item, seen)) };
    }
    // A module's exports cross once too, as a copy holding handles: reading an export costs no round trip, and an
    // export the module reassigns later (`export let`) keeps the value it had when the module was handed over.
    if (
      isModuleNamespaceObject(object) ||
      (isPlain(object) && isData(object, this.#hooks.copiesObjectsWithFunctions === true))
    ) {
      seen.set(object, id);
      const entries: [string, Wire][] = Object.keys(object).map((key) => [
        key,
        this.encode((object as Record<string, unknown>)[key], seen),
      ]);
      return { $: 'object', id, entries, nullProto: Object.getPrototypeOf(object) === null };
    }
    if (object instanceof Date || object instanceof RegExp || object instanceof ArrayBuffer) {
      return { $: 'raw', value: object };
    }
    if (ArrayBuffer.isView(object)) return { $: 'raw', value: object };
    return { $: 'ref', id, className: className(object), ...thenless(object) };
  }

  /** Turns data that crossed back into a value: originals for what this side sent, stand-ins for the rest. */
  decode(wire: Wire, building = new Map<number, unknown>()): unknown {
    if (wire === null || typeof wire !== 'object') return wire;
    switch (wire.$) {
      case 'yours': {
        if (!this.#exported.has(wire.id)) throw this.#breach(`a handle ${wire.id} this side never sent`);
        return this.#exported.get(wire.id);
      }
      case 'same':
        if (!building.has(wire.id)) throw this.#breach('a cycle to nothing');
        return building.get(wire.id);
      case 'symbol':
        return (WELL_KNOWN as readonly string[]).includes(wire.name)
          ? Symbol[wire.name as (typeof WELL_KNOWN)[number]]
          : Symbol('from the other side');
      case 'raw':
        return wire.value;
      case 'fn':
        if (wire.inherited === true) this.#inherited = true;
        return (
          this.#cached(wire.id) ??
          this.#register(wire.id, this.#functionProxy(wire.id, String(wire.name), wire.thenless === true))
        );
      case 'ref':
        return (
          this.#cached(wire.id) ??
          this.#register(wire.id, this.#objectProxy(wire.id, String(wire.className), wire.thenless === true))
        );
      case 'promise':
        return this.#promise(wire.id).promise;
      case 'signal': {
        const known = this.#controllers.get(wire.id);
        if (known) return known.signal;
        const controller = this.#hooks.mirrorSignal?.(wire.id) ?? new AbortController();
        this.#controllers.set(wire.id, controller);
        this.#register(wire.id, controller.signal);
        if (wire.aborted) controller.abort(this.decode(wire.reason as Wire, building));
        return controller.signal;
      }
      case 'error': {
        const known = this.#cached(wire.id);
        if (known) {
          // Seen in an earlier message: a later copy in this one arrives as `same`, and must find it.
          building.set(wire.id, known);
          return known;
        }
        return this.#decodeError(wire, building);
      }
      case 'array': {
        const array = (this.#cached(wire.id) as unknown[] | undefined) ?? this.#register(wire.id, []);
        if (!Array.isArray(array)) throw this.#breach('an array handle that names something else');
        building.set(wire.id, array);
        array.length = 0;
        for (const item of wire.items) array.push(this.decode(item, building));
        return array;
      }
      case 'object': {
        const known = this.#cached(wire.id) as Record<string, unknown> | undefined;
        const object = known ?? this.#register(wire.id, wire.nullProto ? Object.create(null) : {});
        building.set(wire.id, object);
        if (known) for (const key of Object.keys(object)) delete object[key];
        for (const [key, item] of wire.entries) {
          if (key === '__proto__') continue;
          object[String(key)] = this.decode(item, building);
        }
        return object;
      }
      default:
        throw this.#breach('a value of an unknown kind');
    }
  }

  #encodeError(error: Error, id: number, seen: Map<object, number>): Wire {
    const props: [string, Wire][] = [];
    // SuppressedError keeps what it combines in own properties that are not enumerable.
    const suppressed = errorKind(error) === 'SuppressedError' ? ['error', 'suppressed'] : [];
    for (const key of new Set([...Object.keys(error), ...suppressed])) {
      if (key === 'cause' || key === 'errors') continue;
      props.push([key, this.encode((error as unknown as Record<string, unknown>)[key], seen)]);
    }
    const kind = error instanceof DOMException ? 'DOMException' : errorKind(error);
    let stack: string | undefined;
    try {
      stack = this.stacks && typeof error.stack === 'string' ? error.stack : undefined;
    } catch {
      stack = undefined;
    }
    return {
      $: 'error',
      id,
      kind,
      name: String(error.name),
      message: String(error.message),
      stack,
      props,
      hasCause: 'cause' in error,
      cause: 'cause' in error ? this.encode(error.cause, seen) : undefined,
      errors:
        error instanceof AggregateError
          ? Array.from(error.errors, (item) => this.encode(item, seen))
          : undefined,
    };
  }

  #decodeError(wire: Extract<Wire, { $: 'error' }>, building: Map<number, unknown>): Error {
    const message = String(wire.message);
    let error: Error;
    if (wire.kind === 'DOMException') error = new DOMException(message, String(wire.name));
    else if (wire.kind === 'AggregateError') error = new AggregateError([], message);
    else if (wire.kind === 'SuppressedError' && nativeSuppressedError)
      error = new nativeSuppressedError(undefined, undefined, message);
    else error = new (ERROR_CLASSES[wire.kind] ?? Error)(message);
    this.#register(wire.id, error);
    building.set(wire.id, error);
    if (error.name !== wire.name) {
      Object.defineProperty(error, 'name', { value: String(wire.name), writable: true, configurable: true });
    }
    if (typeof wire.stack === 'string') {
      Object.defineProperty(error, 'stack', { value: wire.stack, writable: true, configurable: true });
    }
    if (wire.hasCause) {
      Object.defineProperty(error, 'cause', {
        value: this.decode(wire.cause as Wire, building),
        writable: true,
        configurable: true,
      });
    }
    if (wire.errors && error instanceof AggregateError) {
      Object.defineProperty(error, 'errors', {
        value: wire.errors.map((item) => this.decode(item, building)),
        writable: true,
        configurable: true,
      });
    }
    for (const [key, item] of wire.props) {
      if (key === '__proto__') continue;
      try {
        (error as unknown as Record<string, unknown>)[String(key)] = this.decode(item, building);
      } catch {
        // A read-only property of the rebuilt error (DOMException's code): the original's value is the same.
      }
    }
    return error;
  }

  #functionProxy(id: number, name: string, thenless: boolean): unknown {
    const target = Object.defineProperty(function remote() {}, 'name', { value: name });
    return new Proxy(target, {
      ...this.#objectTraps(id, target, thenless),
      apply: (_target, thisArg, args) =>
        this.request('call', { fn: id, this: this.encode(thisArg), args: this.#encodeArgs(args) }),
      construct: (_target, args) =>
        this.request('construct', { fn: id, args: this.#encodeArgs(args) }) as object,
    });
  }

  #objectProxy(id: number, name: string, thenless: boolean): unknown {
    const shared = (SHARED_CLASSES as readonly string[]).includes(name)
      ? (globalThis as unknown as Record<string, { prototype: object }>)[name]?.prototype
      : undefined;
    const target = Object.create(shared ?? Object.prototype) as object;
    return new Proxy(target, this.#objectTraps(id, target, thenless));
  }

  /** `thenless`: the original had no `then` when it was sent, so awaiting its stand-in needs no round trip. */
  #objectTraps(id: number, target: object, thenless: boolean): ProxyHandler<object> {
    const encodeKey = (key: string | symbol): Wire => (typeof key === 'symbol' ? this.encode(key) : key);
    const remote = (key: string | symbol) =>
      typeof key === 'string' || WELL_KNOWN.some((known) => Symbol[known] === key);
    return {
      get: (_target, key) => {
        if (key === inspectCustom) return undefined;
        if (!remote(key) || (thenless && key === 'then')) return undefined;
        const methods = this.#methods.get(id);
        if (methods?.has(key)) return methods.get(key);
        this.#inherited = false;
        const value = this.request('get', { target: id, key: encodeKey(key) });
        if (this.#inherited) {
          if (methods) methods.set(key, value);
          else this.#methods.set(id, new Map([[key, value]]));
        }
        return value;
      },
      set: (_target, key, value) => {
        if (!remote(key)) return false;
        return Boolean(this.request('set', { target: id, key: encodeKey(key), value: this.encode(value) }));
      },
      has: (_target, key) => remote(key) && Boolean(this.request('has', { target: id, key: encodeKey(key) })),
      ownKeys: () => {
        const keys = this.request('keys', { target: id }) as string[];
        const fixed = Reflect.ownKeys(target).filter(
          (key) => Reflect.getOwnPropertyDescriptor(target, key)?.configurable === false,
        );
        return [...new Set([...keys.map(String), ...fixed])];
      },
      getOwnPropertyDescriptor: (_target, key) => {
        const own = Reflect.getOwnPropertyDescriptor(target, key);
        if (own && !own.configurable) return own;
        if (!remote(key)) return undefined;
        const found = this.request('describe', { target: id, key: encodeKey(key) }) as
          | { enumerable: boolean; value: unknown }
          | undefined;
        if (!found) return undefined;
        return { configurable: true, enumerable: found.enumerable, writable: true, value: found.value };
      },
      defineProperty: () => false,
      deleteProperty: () => false,
      setPrototypeOf: () => false,
    };
  }

  #encodeArgs(args: readonly unknown[]): Wire[] {
    const seen = new Map<object, number>();
    return args.map((arg) => this.encode(arg, seen));
  }

  #args(wires: unknown): unknown[] {
    if (!Array.isArray(wires)) throw this.#breach('arguments that are not a list');
    const building = new Map<number, unknown>();
    return wires.map((wire) => this.decode(wire as Wire, building));
  }

  #object(id: unknown): object {
    const value = this.#exported.get(this.#id(id));
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null) {
      throw this.#breach(`a handle ${String(id)} this side never sent`);
    }
    return value;
  }

  #key(key: unknown): string | symbol {
    if (typeof key === 'string') return key;
    const decoded = this.decode(key as Wire);
    if (typeof decoded !== 'symbol')
      throw this.#breach('a property key that is neither a string nor a symbol');
    return decoded;
  }

  #id(id: unknown): number {
    if (typeof id !== 'number' || !Number.isSafeInteger(id)) throw this.#breach('a malformed handle');
    return id;
  }

  #export(object: object): number {
    const known = this.#exportedIds.get(object);
    if (known !== undefined) return known;
    const id = this.#nextId++;
    this.#exported.set(id, object);
    this.#exportedIds.set(object, id);
    return id;
  }

  #watchPromise(promise: Promise<unknown>, id: number): void {
    if (this.#watchedPromises.has(promise)) return;
    this.#watchedPromises.add(promise);
    promise.then(
      (value) => this.#settled(id, true, value),
      (reason: unknown) => this.#settled(id, false, reason),
    );
  }
  readonly #watchedPromises = new WeakSet<Promise<unknown>>();

  #settled(id: number, ok: boolean, value: unknown): void {
    if (this.#closed) return;
    let wire: Wire;
    try {
      wire = this.encode(value);
    } catch {
      wire = this.encode(new Error('a value that could not be copied'));
    }
    this.tell('settle', { promise: id, ok, value: wire });
  }

  #watchSignal(signal: AbortSignal, id: number): void {
    if (this.#watchedSignals.has(signal) || signal.aborted) return;
    this.#watchedSignals.add(signal);
    const onAbort = () => {
      if (!this.#closed) this.tell('abort', { signal: id, reason: this.encode(signal.reason) });
    };
    if (this.#hooks.listen) this.#hooks.listen(signal, onAbort);
    else signal.addEventListener('abort', onAbort, { once: true });
  }
  readonly #watchedSignals = new WeakSet<AbortSignal>();

  /**
   * Tells the other side something that needs no answer (a stand-in's original settled or aborted, or a side's own
   * note): with `tellAsRequests`, at this side's top level it waits for the next request (and `queued` is called);
   * otherwise it is sent now.
   */
  tell(op: string, fields: Record<string, unknown>): void {
    try {
      if (this.#tellsAsRequests && this.#depth === 0) {
        // The subject runs nothing between requests: what it is told can wait for the next one.
        this.#queued.push({ ...fields, k: 'note', op } as Message);
        this.#hooks.queued?.();
      } else {
        // In the middle of a request the other side is running and must see it now (an abort from a callback).
        this.notify(op, fields);
      }
    } catch {
      // The other side is gone (`closed` says why): whoever waits on it reports that, not this callback.
    }
  }

  /**
   * The checks' side tells as requests (the subject must run its microtasks before time moves on); the subject's
   * side tells as notifications (the checks' side is waiting for it anyway).
   */
  #tellsAsRequests = false;
  /** Notifications waiting for the next request (see `tell`). */
  readonly #queued: Message[] = [];

  /** Whether notifications wait to be sent with the next request. */
  get hasQueued(): boolean {
    return this.#queued.length > 0;
  }
  tellAsRequests(): this {
    this.#tellsAsRequests = true;
    return this;
  }

  #promise(id: number): ImportedPromise {
    let record = this.#promises.get(id);
    if (!record) {
      let resolve!: (value: unknown) => void;
      let reject!: (reason: unknown) => void;
      const promise = new Promise<unknown>((yes, no) => {
        resolve = yes;
        reject = no;
      });
      // A stand-in's rejection is the original's: whether it is handled is for the code that holds it to show.
      promise.catch(() => {});
      record = { promise, resolve, reject };
      this.#promises.set(id, record);
      this.#register(id, promise);
    }
    return record;
  }

  #cached(id: number): unknown {
    return this.#imported.get(id);
  }

  #register<T>(id: number, value: T): T {
    this.#imported.set(id, value);
    if ((typeof value === 'object' && value !== null) || typeof value === 'function') {
      this.#importedIds.set(value as object, id);
    }
    return value;
  }

  /** Handles the other side sent for notes (a `settle` or `abort` notification). */
  settleNote(message: Message & { k: 'note' }): void {
    if (message.op === 'settle') {
      const record = this.#promise(this.#id(message.promise));
      const value = this.decode(message.value as Wire);
      if (message.ok) record.resolve(value);
      else record.reject(value);
      return;
    }
    if (message.op === 'abort') {
      const controller = this.#controllers.get(this.#id(message.signal));
      if (!controller) throw this.#breach('an abort of a signal it never sent');
      if (!controller.signal.aborted) controller.abort(this.decode(message.reason as Wire));
      return;
    }
    throw this.#breach(`an unknown notification \`${message.op}\``);
  }

  /** The original of a handle this side sent, if `value` is the other side's stand-in for it. */
  importedId(value: object): number | undefined {
    return this.#importedIds.get(value);
  }

  #send(...messages: Message[]): void {
    try {
      this.#frames.sendAll(messages);
    } catch (error) {
      throw this.#lost(error);
    }
  }

  #receive(): Message {
    let message: unknown;
    try {
      message = this.#frames.receive();
    } catch (error) {
      throw this.#lost(error);
    }
    if (!isMessage(message)) throw this.#breach('a message of no known shape');
    this.#hooks.received?.(message);
    if (TRACE)
      process.stderr.write(
        `${(Number(process.hrtime.bigint() / 1000n) / 1000).toFixed(3)} ${process.pid} <- ${JSON.stringify(message, (_k, v) => (typeof v === 'bigint' ? String(v) : v)).slice(0, 200)}\n`,
      );
    return message;
  }

  #lost(error: unknown): Error {
    const reason = error instanceof Error ? error : new ChannelClosed(String(error));
    this.close(reason);
    return reason;
  }

  #breach(what: string): ProtocolError {
    const error = new ProtocolError(`the other side sent ${what}`);
    this.close(error);
    return error;
  }
}

/** A method the object inherits, as a `get` found it (see `#methods`). */
class Inherited {
  constructor(readonly method: unknown) {}
}

function isMessage(value: unknown): value is Message {
  if (typeof value !== 'object' || value === null) return false;
  const { k, id, op } = value as Record<string, unknown>;
  if (k === 'note') return typeof op === 'string';
  if (k === 'req') return typeof op === 'string' && typeof id === 'number';
  if (k === 'ret') return typeof id === 'number' && typeof (value as { ok?: unknown }).ok === 'boolean';
  return false;
}

/**
 * `{ thenless: true }` when `object` has no `then`, own or inherited, found without running any of its code (no
 * proxy on the way): a promise resolved with it, or an `await` of it, reads `then`, and the stand-in can answer that
 * itself. A `then` added after the object was sent is not seen.
 */
function thenless(object: object): { thenless?: true } {
  for (let level: object | null = object; level !== null; level = Object.getPrototypeOf(level)) {
    if (isProxy(level) || Object.hasOwn(level, 'then')) return {};
  }
  return { thenless: true };
}

function isPlain(object: object): boolean {
  const proto = Object.getPrototypeOf(object);
  return proto === Object.prototype || proto === null;
}

/**
 * Whether a plain object is only data: no getters or setters, and no methods unless `functions` are allowed (as
 * values that cross as handles). Such objects cross as copies; an object with behaviour (a client with methods, a
 * live `active` getter) crosses as a handle, so it stays alive.
 */
function isData(object: object, functions: boolean): boolean {
  for (const key of Reflect.ownKeys(object)) {
    if (typeof key === 'symbol') return false;
    const descriptor = Reflect.getOwnPropertyDescriptor(object, key);
    if (!descriptor || !('value' in descriptor)) return false;
    if (typeof descriptor.value === 'function' && !functions) return false;
  }
  return true;
}

/** `SuppressedError`, where this Node has it (24 and later). */
const nativeSuppressedError = (
  globalThis as {
    SuppressedError?: new (error: unknown, suppressed: unknown, message?: string) => Error;
  }
).SuppressedError;

function errorKind(error: Error): string {
  if (error instanceof AggregateError) return 'AggregateError';
  if (nativeSuppressedError && error instanceof nativeSuppressedError) return 'SuppressedError';
  for (const [name, kind] of Object.entries(ERROR_CLASSES)) {
    if (name !== 'Error' && error instanceof kind) return name;
  }
  return 'Error';
}

/**
 * The shared class `object` belongs to, looked up by the names on its prototype chain before the class itself:
 * reading `Response`, `Request` or `Headers` the first time loads undici (about 60 ms of CPU in a new process), which
 * a subject that makes no request never needs.
 */
function sharedClassOf(object: object): string | undefined {
  try {
    let prototype = Object.getPrototypeOf(object) as { constructor?: { name?: unknown } } | null;
    for (let depth = 0; prototype !== null && depth < 8; depth++) {
      const name = prototype.constructor?.name;
      if (typeof name === 'string' && (SHARED_CLASSES as readonly string[]).includes(name)) {
        const shared = (globalThis as Record<string, unknown>)[name];
        if (typeof shared === 'function' && object instanceof shared) return name;
      }
      prototype = Object.getPrototypeOf(prototype);
    }
  } catch {
    // A proxy or a getter of the student's threw: not a shared class.
  }
  return undefined;
}

function className(object: object): string {
  const shared = sharedClassOf(object);
  if (shared) return shared;
  try {
    const name = (object as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' ? name : 'Object';
  } catch {
    return 'Object';
  }
}

function safeName(fn: object): string {
  try {
    const name = (fn as { name?: unknown }).name;
    return typeof name === 'string' ? name : '';
  } catch {
    return '';
  }
}
