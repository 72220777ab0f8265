/**
 * @file The vector index's query settings (native/store/library-store.ts): how many
 * candidates an indexed search re-ranks exactly. The budget was chosen on
 * toy-clip-gap text queries (test/bench/vectors.ts), where re-ranking 1 000 for the
 * engine's 200 candidates gave recall@10 0.88 and 2 000 gave 0.957 within p95 50 ms.
 */
import { describe, expect, it } from 'vitest';
import { REFINE_CANDIDATES, refineFactorFor } from '../../native/store/index.js';

describe('refineFactorFor', () => {
  it("re-ranks 2 000 candidates for the engine's 200-candidate search", () => {
    expect(REFINE_CANDIDATES).toBe(2000);
    expect(refineFactorFor(200)).toBe(10);
    expect(refineFactorFor(200) * 200).toBeGreaterThanOrEqual(REFINE_CANDIDATES);
  });

  it('keeps the budget for other limits and never goes below 1', () => {
    expect(refineFactorFor(10)).toBe(200);
    expect(refineFactorFor(3000)).toBe(1);
  });
});
