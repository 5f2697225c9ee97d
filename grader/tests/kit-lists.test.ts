import { describe, expect, test } from 'vitest';
import { type ExerciseSpec, manifest } from '../manifest.ts';
import { KIT_ROOT } from '../node/grading/run.ts';
import { fillRegion, staleLists, totals } from '../node/kit/kit-lists.ts';

/** The kit's lists of exercises are generated from the manifest, between markers, and never go stale. */
const exercises = manifest as readonly ExerciseSpec[];

describe('the lists of exercises', () => {
  test('README.md and docs/student-guide.md list exactly the manifest (else: npm run new -- --lists)', () => {
    expect(staleLists(KIT_ROOT, exercises)).toEqual([]);
  });
});

describe('fillRegion()', () => {
  const before =
    'Hand-written, kept.\n<!-- list:start (generated) -->\nold\nlines\n<!-- list:end -->\nAlso kept.\n';

  test('rewrites only what lies between the markers', () => {
    expect(fillRegion(before, 'X.md', 'list', 'new')).toBe(
      'Hand-written, kept.\n<!-- list:start (generated) -->\nnew\n<!-- list:end -->\nAlso kept.\n',
    );
  });

  test('leaves other regions alone, and gives the same text when run twice', () => {
    const two = `${before}<!-- other:start -->\nmine\n<!-- other:end -->\n`;
    const once = fillRegion(two, 'X.md', 'list', 'new');
    expect(once).toContain('<!-- other:start -->\nmine\n<!-- other:end -->');
    expect(fillRegion(once, 'X.md', 'list', 'new')).toBe(once);
  });

  test('throws naming the file and the markers when they are missing', () => {
    expect(() => fillRegion('no markers here\n', 'README.md', 'list', 'new')).toThrow(
      'README.md: expected the markers <!-- list:start --> and <!-- list:end -->',
    );
    expect(() => fillRegion('<!-- list:start -->\nno end\n', 'README.md', 'list', 'new')).toThrow(
      'README.md',
    );
  });
});

describe('totals()', () => {
  const spec = (id: string, points: number): ExerciseSpec => ({
    id,
    title: id,
    points,
    hints: ['h'],
    checks: [{ id: 'c', title: 'c', points, hint: 'h' }],
  });

  test('counts the exercises and adds up their points', () => {
    expect(totals([spec('01-a', 20), spec('02-b', 20)])).toBe('Two exercises of 20 points each, 40 in all.');
    expect(totals([spec('01-a', 20), spec('02-b', 10)])).toBe('Two exercises, 30 points in all.');
    expect(totals([spec('01-a', 20)])).toBe('One exercise, 20 points in all.');
  });
});
