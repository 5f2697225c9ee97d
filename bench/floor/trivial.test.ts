import { expect, test } from 'vitest';

test('one trivial test: the cost of starting the test runner at all', () => {
  expect(1 + 1).toBe(2);
});
