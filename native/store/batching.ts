/**
 * @file Helpers for shaping writes to LanceDB (engine worker, plain Node).
 */

/** Split a list into pieces of at most `size`, e.g. to keep SQL `IN (…)` lists short. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}

/** Last row per key wins: mergeInsert refuses a batch that matches one row twice. */
export function lastPerKey<T>(rows: readonly T[], key: (row: T) => string): T[] {
  return [...new Map(rows.map((row) => [key(row), row])).values()];
}
