/**
 * Exercise 09's test doubles: a `create`/`destroy` pair that records every resource in virtual time, clients that
 * borrow a resource with `await using`, and the words and pictures drawn from those records.
 */
import type * as Api from '../../../exercises/09-async-resources/index.ts';
import { fc, type GanttRow, gantt, type Lab, maxOverlap, show } from '../../lab/index.ts';

export type { Api };

/** A resource the check's `create` made: the very object the pool hands out. */
export interface Resource {
  id: string;
}

/** One call of `create`, and what became of its resource. */
export interface Made {
  resource: Resource;
  start: number;
  /** When create settled. */
  end?: number;
  failed: boolean;
  /** Every call of destroy on it (exactly one is right). */
  destroyedAt: number[];
  /** Whether create received a signal, and when it fired. */
  hadSignal: boolean;
  abortedAt?: number;
}

export interface FactoryScript {
  /** Virtual ms create k takes (the list repeats). @default [0] */
  latencies?: readonly number[];
  /** Creates (0-based) that reject. */
  failing?: ReadonlySet<number>;
}

/** `create` and `destroy` for createPool, recording every resource. */
export function factory(lab: Lab, script: FactoryScript = {}) {
  const { latencies = [0], failing = new Set<number>() } = script;
  const made: Made[] = [];
  const errors: unknown[] = [];
  const create = (context?: { signal?: AbortSignal }): Promise<Resource> => {
    const k = made.length;
    const entry: Made = {
      resource: { id: `r${k}` },
      start: lab.now(),
      failed: failing.has(k),
      destroyedAt: [],
      hadSignal: context?.signal !== undefined,
    };
    made.push(entry);
    // Only recorded: this create runs to its end either way.
    const signal = context?.signal;
    if (signal?.aborted) entry.abortedAt = lab.now();
    else signal?.addEventListener('abort', () => (entry.abortedAt = lab.now()), { once: true });
    const ms = latencies.length === 0 ? 0 : latencies[k % latencies.length];
    return new Promise((resolve, reject) => {
      const finish = () => {
        entry.end = lab.now();
        if (entry.failed) {
          const error = new Error(`create #${k} failed`);
          errors[k] = error;
          reject(error);
        } else resolve(entry.resource);
      };
      if (ms > 0) lab.clock.labTimeout(finish, ms);
      else finish();
    });
  };
  const destroy = (resource: Resource): void => {
    const entry = made.find((m) => m.resource === resource);
    entry?.destroyedAt.push(lab.now());
  };
  return { create, destroy, made, errors };
}

/** A client of the pool: arrives, acquires, holds the resource, leaves its `await using` block. */
export interface Client {
  arrive: number;
  hold: number;
  /** Aborts its acquire at this virtual ms (after it arrived). */
  abortAfter?: number;
}

export interface Visit {
  client: number;
  arrive: number;
  grantedAt?: number;
  resource?: Resource;
  /** When it left its `await using` block (the lease was disposed). */
  releasedAt?: number;
  rejectedAt?: number;
  error?: unknown;
}

/** Lets every client visit the pool with `await using`; resolves when all are done. Never rejects. */
export function visit(lab: Lab, pool: Api.Pool<Resource>, clients: readonly Client[]) {
  const visits: Visit[] = clients.map((client, i) => ({ client: i, arrive: client.arrive }));
  const done = clients.map(
    (client, i) =>
      new Promise<void>((finish) => {
        lab.clock.labTimeout(async () => {
          const record = visits[i];
          const controller = client.abortAfter === undefined ? undefined : lab.controller();
          if (controller)
            lab.clock.labTimeout(
              () => controller.abort(new Error(`client ${i} gave up`)),
              client.abortAfter as number,
            );
          try {
            await using lease = await pool.acquire(controller ? { signal: controller.signal } : undefined);
            record.grantedAt = lab.now();
            record.resource = lease.resource;
            await sleep(lab, client.hold);
            record.releasedAt = lab.now();
          } catch (error) {
            record.rejectedAt = lab.now();
            record.error = error;
          }
          finish();
        }, client.arrive);
      }),
  );
  return { visits, done: Promise.all(done) };
}

/** A virtual sleep on a lab timer (never counted as the student's). */
export function sleep(lab: Lab, ms: number): Promise<void> {
  return new Promise((resolve) => lab.clock.labTimeout(() => resolve(), ms));
}

/** Clients arriving within 0–400 ms, holding 1–300 ms. */
export const clientsArbitrary = fc.array(
  fc.record({ arrive: fc.integer({ min: 0, max: 400 }), hold: fc.integer({ min: 1, max: 300 }) }),
  { minLength: 1, maxLength: 8 },
);

export function describeClients(clients: readonly Client[]): string {
  return clients
    .map(
      (c, i) =>
        `client ${i} at ${c.arrive} ms holding ${c.hold} ms${c.abortAfter === undefined ? '' : `, aborting after ${c.abortAfter} ms`}`,
    )
    .join('; ');
}

/** A resource is live from the call of create until destroy is called (or create fails). */
export function liveSpans(made: readonly Made[]) {
  return made.map((m) => ({ start: m.start, end: m.failed ? m.end : m.destroyedAt[0] }));
}

export function mostLive(made: readonly Made[]) {
  return maxOverlap(liveSpans(made));
}

/** Resources and visits on one axis, for messages. */
export function poolPicture(
  made: readonly Made[],
  visits: readonly Visit[] = [],
  marker?: { at: number; note: string },
) {
  const rows: GanttRow[] = [
    ...made.map((m) => ({
      label: `${m.resource.id} ${m.failed ? 'create failed' : 'live'}`,
      start: m.start,
      end: m.failed ? m.end : m.destroyedAt[0],
      mark: m.failed ? ('!' as const) : m.destroyedAt.length > 0 ? ('×' as const) : ('…' as const),
    })),
    ...visits.map((v) => ({
      label: `client ${v.client}${v.resource ? ` (${v.resource.id})` : ''}`,
      start: v.arrive,
      end: v.releasedAt ?? v.rejectedAt,
      mark:
        v.rejectedAt !== undefined
          ? ('!' as const)
          : v.releasedAt !== undefined
            ? ('✓' as const)
            : ('…' as const),
    })),
  ];
  return `\n\n${gantt(rows, { marker, maxRows: 24 })}`;
}

/** What a visit came to, in words. */
export function visitOutcome(v: Visit): string {
  if (v.grantedAt !== undefined) return `got ${v.resource?.id} at ${v.grantedAt} ms`;
  if (v.rejectedAt !== undefined) return `was rejected at ${v.rejectedAt} ms with ${show(v.error)}`;
  return 'was still waiting';
}
