import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { findExercise } from '../../manifest.ts';

/** Where the kit remembers which hints a student has unlocked (gitignored: it is theirs, not the kit's). */
export const HINT_STATE_FILE = '.awaitlings/hints.json';

export interface HintState {
  schema: 'awaitlings.hints/1';
  /** Exercise id → how many of its hints have been shown. */
  shown: Record<string, number>;
}

export interface UnlockedHints {
  exercise: string;
  /** Every hint shown so far, in order; the last one is the newest. */
  hints: string[];
  total: number;
  /** False when every hint had already been shown: nothing new was unlocked. */
  unlocked: boolean;
}

/** Reads the state; a missing or unreadable file means no hint has been shown yet. */
export async function readHintState(root: string): Promise<HintState> {
  try {
    const state = JSON.parse(await readFile(join(root, HINT_STATE_FILE), 'utf8')) as HintState;
    if (state?.schema === 'awaitlings.hints/1' && typeof state.shown === 'object') return state;
  } catch {
    // first use, or a file someone edited by hand: start over
  }
  return { schema: 'awaitlings.hints/1', shown: {} };
}

export async function writeHintState(root: string, state: HintState): Promise<void> {
  const file = join(root, HINT_STATE_FILE);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(state, null, 2)}\n`);
}

/**
 * Unlocks the next of an exercise's progressive hints (gentlest first, from the manifest) and remembers it.
 *
 * @example
 * const { hints, total } = await unlockNextHint(KIT_ROOT, '02-rate-limited-client'); // hints.at(-1) is the new one
 */
export async function unlockNextHint(root: string, exercise: string): Promise<UnlockedHints> {
  const { hints } = findExercise(exercise);
  const state = await readHintState(root);
  const before = Math.min(state.shown[exercise] ?? 0, hints.length);
  const after = Math.min(before + 1, hints.length);
  if (after !== before)
    await writeHintState(root, { ...state, shown: { ...state.shown, [exercise]: after } });
  return { exercise, hints: hints.slice(0, after), total: hints.length, unlocked: after > before };
}

/** Forgets the hints shown for `exercise`, or for every exercise. */
export async function resetHints(root: string, exercise?: string): Promise<void> {
  const state = await readHintState(root);
  const shown = exercise ? { ...state.shown, [exercise]: 0 } : {};
  await writeHintState(root, { ...state, shown });
}
