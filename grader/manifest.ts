/**
 * The kit's one manifest: every exercise and every check, in learning order.
 *
 * Ids, titles, points, hints and visibility live here and nowhere else. Suites refer to checks by id
 * (`check('starts-all-at-once', ...)`), the grader reads titles and points from here, and `validateManifest`
 * refuses a manifest that could grade wrongly (duplicate ids, points that do not add up, empty hints).
 */

/** `public` checks ship in the student template; `hidden` ones are graded on push only. */
export type Visibility = 'public' | 'hidden';

export interface CheckSpec {
  /** Kebab-case id, unique within its exercise; the suite's test title. */
  readonly id: string;
  /** One line a student reads in the score table. */
  readonly title: string;
  /** Whole points; a check gives all or nothing. */
  readonly points: number;
  /** What to look at when the check fails, for a learner. */
  readonly hint: string;
  /** @default 'public' */
  readonly visibility?: Visibility;
}

export interface ExerciseSpec {
  /** `NN-slug`: the folder under `exercises/` and `solutions/`, and the suite `grader/suites/<id>.test.ts`. */
  readonly id: string;
  readonly title: string;
  /** What the exercise is worth; its checks' points must add up to this. */
  readonly points: number;
  /** Progressive hints, gentlest first (`npm run hint`). */
  readonly hints: readonly string[];
  readonly checks: readonly CheckSpec[];
}

export const manifest = [
  {
    id: '01-fetch-all',
    title: 'Fetch five URLs at once',
    points: 20,
    hints: [
      'Start every request first, then wait for all of them: create the promises in one pass, await them in another.',
      '`Promise.allSettled` never rejects; `Promise.all` rejects on the first failure. Turn each failure into an Outcome inside its own promise and either works.',
      'Give every request its own AbortController (or `AbortSignal.any([signal, AbortSignal.timeout(ms)])`) so a timeout really stops it.',
    ],
    checks: [
      {
        id: 'starts-all-at-once',
        title: 'fetchAll() - every request starts before any response arrives',
        points: 2,
        hint: 'Call fetch for every URL before awaiting any of them (this is the classic `await` in a loop).',
      },
      {
        id: 'total-is-slowest',
        title: 'fetchAll() - takes as long as the slowest request, not the sum',
        points: 2,
        hint: 'If the requests overlap, the total is the slowest one. Await them together with Promise.all or Promise.allSettled.',
      },
      {
        id: 'outcomes-in-input-order',
        title: 'fetchAll() - one Outcome per URL, in input order',
        points: 2,
        hint: 'Promise.all keeps input order whatever order the promises settle in; pushing into an array as results arrive does not.',
      },
      {
        id: 'failures-become-outcomes',
        title: "fetchAll() - never rejects: a non-2xx is 'http', a network failure is 'network'",
        points: 2,
        hint: 'fetch resolves for a 404 or 500: check `res.ok`. Catch each request on its own so one failure cannot take the others down.',
      },
      {
        id: 'timeout-per-request',
        title: "fetchAll() - a request over timeoutMs is aborted and is 'timeout'; the others are unaffected",
        points: 2,
        hint: 'Racing a timer does not stop the request: abort it with its own AbortController or AbortSignal.timeout, and clear any timer you start.',
      },
      {
        id: 'abort-signal',
        title: "fetchAll() - aborting `signal` ends every running request as 'aborted' at once",
        points: 2,
        hint: 'Pass a signal that follows `options.signal` to every fetch (AbortSignal.any combines signals). Check `signal.aborted` before sending anything.',
      },
      {
        id: 'leaves-nothing-pending',
        title: 'fetchAll() - [] gives [], and nothing is left pending when it settles',
        points: 1,
        hint: 'Every setTimeout needs its clearTimeout, and every addEventListener its removeEventListener, once the request is over.',
      },
      {
        id: 'first-success-wins',
        title: 'fetchFirst() - the first success wins; a fast failure does not',
        points: 2,
        hint: 'Promise.race settles with the first promise to settle, failures included. Promise.any waits for the first success.',
      },
      {
        id: 'first-aborts-losers',
        title: 'fetchFirst() - the requests still running are aborted once one succeeds',
        points: 1,
        hint: 'Share one AbortController between the requests and abort it when the winner arrives.',
      },
      {
        id: 'first-all-fail',
        title: 'fetchFirst() - rejects with an AggregateError (one error per URL) when none succeeds',
        points: 1,
        hint: 'Promise.any rejects with an AggregateError when every promise rejects; `[]` must reject too.',
        visibility: 'hidden',
      },
      {
        id: 'as-completed-order',
        title: 'fetchAsCompleted() - yields Outcomes in completion order while all requests run',
        points: 2,
        hint: 'Start every request first, then repeatedly await whichever settles next (like asyncio.as_completed).',
      },
      {
        id: 'as-completed-break-aborts',
        title: 'fetchAsCompleted() - a consumer that stops early aborts the rest',
        points: 1,
        hint: 'A `break` in for await calls the generator’s return(): a try/finally in the generator runs then.',
      },
    ],
  },
  // ANCHOR 02-rate-limited-client (replace this line with the exercise's entry)
  // ANCHOR 03-producer-consumer (replace this line with the exercise's entry)
  // ANCHOR 04-polite-scraper (replace this line with the exercise's entry)
  // ANCHOR 05-backoff-retry (replace this line with the exercise's entry)
] as const satisfies readonly ExerciseSpec[];

/** Every exercise id the manifest declares, in learning order. */
export type ExerciseId = (typeof manifest)[number]['id'];

/**
 * Throws an Error naming every problem that would make grading wrong.
 * Called when the manifest is loaded by the grader and by `verify`.
 */
export function validateManifest(exercises: readonly ExerciseSpec[]): void {
  const problems: string[] = [];
  const exerciseIds = new Set<string>();
  for (const exercise of exercises) {
    const where = `grader/manifest.ts: exercise \`${exercise.id}\``;
    if (!/^\d\d-[a-z0-9]+(-[a-z0-9]+)*$/.test(exercise.id))
      problems.push(`${where}: id must look like \`NN-slug\``);
    if (exerciseIds.has(exercise.id)) problems.push(`${where}: duplicate exercise id`);
    exerciseIds.add(exercise.id);
    if (exercise.hints.length === 0 || exercise.hints.some((hint) => hint.trim() === '')) {
      problems.push(`${where}: needs at least one non-empty hint`);
    }
    const checkIds = new Set<string>();
    let total = 0;
    for (const check of exercise.checks) {
      if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(check.id))
        problems.push(`${where}: check id \`${check.id}\` is not kebab-case`);
      if (checkIds.has(check.id)) problems.push(`${where}: duplicate check id \`${check.id}\``);
      checkIds.add(check.id);
      if (!Number.isInteger(check.points) || check.points <= 0) {
        problems.push(`${where}: check \`${check.id}\` must be worth a positive whole number of points`);
      }
      if (check.hint.trim() === '') problems.push(`${where}: check \`${check.id}\` has an empty hint`);
      if (check.title.trim() === '') problems.push(`${where}: check \`${check.id}\` has an empty title`);
      total += check.points;
    }
    if (total !== exercise.points) {
      problems.push(`${where}: checks add up to ${total} points, the exercise declares ${exercise.points}`);
    }
  }
  if (problems.length > 0) throw new Error(`The manifest is invalid:\n- ${problems.join('\n- ')}`);
}

validateManifest(manifest);

/** The exercise with this id; throws naming the known ids when there is none. */
export function findExercise(id: string): ExerciseSpec {
  const exercise = (manifest as readonly ExerciseSpec[]).find((candidate) => candidate.id === id);
  if (!exercise) {
    throw new Error(`Unknown exercise \`${id}\`; the manifest has ${manifest.map((e) => e.id).join(', ')}`);
  }
  return exercise;
}

/** Accepts `02`, `2` or the full id `02-rate-limited-client`; returns the full id. */
export function resolveExerciseId(selector: string): string {
  const exercises = manifest as readonly ExerciseSpec[];
  const exact = exercises.find((exercise) => exercise.id === selector);
  if (exact) return exact.id;
  if (/^\d{1,2}$/.test(selector)) {
    const prefix = selector.padStart(2, '0');
    const byNumber = exercises.find((exercise) => exercise.id.startsWith(`${prefix}-`));
    if (byNumber) return byNumber.id;
  }
  const bySlug = exercises.find((exercise) => exercise.id.slice(3) === selector);
  if (bySlug) return bySlug.id;
  throw new Error(`Unknown exercise \`${selector}\`; try one of ${exercises.map((e) => e.id).join(', ')}`);
}

/** Visibility with its default applied. */
export function visibilityOf(check: CheckSpec): Visibility {
  return check.visibility ?? 'public';
}
