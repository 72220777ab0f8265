/**
 * @file The vector index's query settings (native/store/vector-index.ts): how many
 * candidates an indexed search re-ranks exactly ([Note: an HNSW graph per partition]).
 */
import { describe, expect, it } from 'vitest';
import { REFINE_CANDIDATES, refineFactorFor } from '../../native/store/index.js';

describe('refineFactorFor', () => {
  it("re-ranks at least 500 candidates for the engine's 200-candidate search", () => {
    expect(REFINE_CANDIDATES).toBe(500);
    expect(refineFactorFor(200)).toBe(3);
    expect(refineFactorFor(200) * 200).toBeGreaterThanOrEqual(REFINE_CANDIDATES);
  });

  it('keeps the budget for other limits and never goes below 1', () => {
    expect(refineFactorFor(10)).toBe(50);
    expect(refineFactorFor(3000)).toBe(1);
  });
});
