import { describe, expect, it } from 'vitest';
import type { IndexProgress } from '../../electron/shared/types.js';
import { rateProgress } from '../../electron/engine/util/rate-progress.js';

describe('rateProgress', () => {
  it('reports the rate since it was made and the time left at that rate', () => {
    let clock = 1_000;
    const seen: IndexProgress[] = [];
    const onProgress = rateProgress(
      (p) => seen.push(p),
      '/photos',
      () => clock,
    );
    clock += 4_000;
    onProgress(200, 1_000);
    expect(seen[0]).toEqual({
      phase: 'indexing',
      done: 200,
      total: 1_000,
      rate: 50,
      etaSeconds: 16,
      currentFile: '/photos',
    });
  });

  it('has no rate or time left before any time has passed or anything is done', () => {
    const seen: IndexProgress[] = [];
    const onProgress = rateProgress(
      (p) => seen.push(p),
      null,
      () => 5,
    );
    onProgress(10, 100);
    expect(seen[0]).toMatchObject({ rate: 0, etaSeconds: null, currentFile: null });
  });
});
