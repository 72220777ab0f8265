/**
 * @file The vector index's query settings (native/store/vector-index.ts): how many
 * candidates an indexed search re-ranks exactly and how many partitions it probes
 * ([Note: 4-bit RaBitQ partitions]).
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_NPROBES,
  REFINE_CANDIDATES,
  refineFactorFor,
  ROWS_PER_PARTITION,
} from '../../native/store/index.js';

describe('refineFactorFor', () => {
  it("re-ranks exactly the engine's 200 candidates, and as many for a smaller limit", () => {
    expect(REFINE_CANDIDATES).toBe(200);
    expect(refineFactorFor(200)).toBe(1);
    expect(refineFactorFor(10) * 10).toBeGreaterThanOrEqual(REFINE_CANDIDATES);
    expect(refineFactorFor(3) * 3).toBeGreaterThanOrEqual(REFINE_CANDIDATES);
  });

  it('keeps the budget for other limits and never goes below 1', () => {
    expect(refineFactorFor(10)).toBe(20);
    expect(refineFactorFor(3000)).toBe(1);
  });
});

describe('DEFAULT_NPROBES', () => {
  it('probes every partition of a 50 000-photo library and 40 of a million-photo one', () => {
    const partitions = (rows: number) => Math.max(1, Math.round(rows / ROWS_PER_PARTITION));
    expect(partitions(50_000)).toBeLessThanOrEqual(DEFAULT_NPROBES);
    expect(partitions(1_000_000)).toBeGreaterThan(DEFAULT_NPROBES);
    expect(DEFAULT_NPROBES).toBe(40);
  });
});
