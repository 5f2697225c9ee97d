/**
 * Exercise 08, async streams with back-pressure. The checks live next to this file, by topic:
 * - `08-async-streams/paginate.checks.ts`: paginate(), pages fetched only when needed, stops and failed pages;
 * - `08-async-streams/map.checks.ts`: mapConcurrent(), the in-flight limit, ordering, errors and early stops;
 * - `08-async-streams/merge.checks.ts`: merge(), fairness and closing every source.
 * The report lists them in manifest order, whatever the order they are registered in.
 */
import './08-async-streams/paginate.checks.ts';
import './08-async-streams/map.checks.ts';
import './08-async-streams/merge.checks.ts';
import { includeHiddenChecks } from '../lab/index.ts';

// The hidden checks (grader/suites/08-async-streams.hidden.ts, left out of the student template) run in this file too.
await includeHiddenChecks('08-async-streams');
