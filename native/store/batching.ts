/**
 * @file Helpers for shaping LanceDB's writes and streaming its reads (engine worker, plain Node).
 */
import type * as ArrowModule from 'apache-arrow';
import { guarded } from './errors.js';

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

/**
 * A query's record batches of at most `maxBatchLength` rows, streamed, with LanceDB's errors
 * turned into StoreErrors naming the library. `execute` is public in LanceDB's JavaScript
 * (query.js) but typed protected in 0.31; iterating the query itself would give batches of
 * LanceDB's own size, so a page could not be bounded. LanceDB 0.31 fills each batch across
 * fragments (30 one-row writes read as batches of 8, 8, 8, 6 for 8), so a store read
 * mid-index, before compaction, still gives full pages (cli-export.test.ts).
 */
export async function* batchesOf(
  query: object,
  maxBatchLength: number,
  dir: string,
  action: string,
): AsyncGenerator<ArrowModule.RecordBatch> {
  const streamed = query as {
    execute(options: { maxBatchLength: number }): AsyncIterable<ArrowModule.RecordBatch>;
  };
  const iterator = await guarded(action, dir, () =>
    Promise.resolve(streamed.execute({ maxBatchLength })[Symbol.asyncIterator]()),
  );
  for (;;) {
    const next = await guarded(action, dir, () => iterator.next());
    if (next.done) return;
    if (next.value.numRows > 0) yield next.value;
  }
}
