/**
 * Exercise 03, producers and consumers over a bounded queue. The checks live next to this file, by topic:
 * - `03-producer-consumer/order.checks.ts`: FIFO, never overfull, backpressure;
 * - `03-producer-consumer/waiting.checks.ts`: aborted gets and puts (with scheduler interleavings), no busy waiting;
 * - `03-producer-consumer/lifecycle.checks.ts`: join and taskDone, close, async iteration;
 * - `03-producer-consumer/pipeline.checks.ts`: runPipeline's exactly once, concurrency, bound and termination;
 * - `03-producer-consumer/stops.checks.ts`: runPipeline on the first error or an abort.
 * The report lists them in manifest order, whatever the order they are registered in.
 */
import './03-producer-consumer/order.checks.ts';
import './03-producer-consumer/waiting.checks.ts';
import './03-producer-consumer/lifecycle.checks.ts';
import './03-producer-consumer/pipeline.checks.ts';
import './03-producer-consumer/stops.checks.ts';
import { includeHiddenChecks } from '../lab/index.ts';

// The hidden checks (grader/suites/03-producer-consumer.hidden.ts, left out of the student template) run in this file too.
await includeHiddenChecks('03-producer-consumer');
