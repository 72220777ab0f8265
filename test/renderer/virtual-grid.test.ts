/**
 * @file The grid's windowing arithmetic, without a DOM.
 */
import { describe, expect, it } from 'vitest';
import { gridWindow, scrollToRow } from '../../renderer/src/lib/virtual-grid.js';

const base = {
  count: 100_000,
  width: 1000,
  height: 600,
  scrollTop: 0,
  minTileWidth: 150,
  rowHeight: 150,
  gap: 10,
  overscanRows: 2,
};

describe('gridWindow', () => {
  it('fits as many columns as the width allows and sizes the whole grid', () => {
    const win = gridWindow(base);
    expect(win.columns).toBe(6); // 6 × 150 + 5 × 10 = 950 ≤ 1000
    expect(win.rows).toBe(Math.ceil(100_000 / 6));
    expect(win.totalHeight).toBe(win.rows * 160 - 10);
  });

  it('renders the visible rows plus overscan, wherever the scroll is', () => {
    const top = gridWindow(base);
    expect(top.start).toBe(0);
    expect(top.end).toBe((Math.ceil(600 / 160) + 1 + 2) * 6);

    const middle = gridWindow({ ...base, scrollTop: 1000 * 160 });
    expect(middle.start).toBe(998 * 6);
    expect(middle.offsetTop).toBe(998 * 160);
    expect(middle.end - middle.start).toBeLessThanOrEqual((2 + 5 + 2) * 6);

    const bottom = gridWindow({ ...base, scrollTop: 10_000_000 });
    expect(bottom.end).toBe(100_000);
    expect(bottom.start).toBeLessThanOrEqual(bottom.end);
  });

  it('handles no results and a container narrower than one tile', () => {
    expect(gridWindow({ ...base, count: 0 })).toMatchObject({ start: 0, end: 0, totalHeight: 0 });
    expect(gridWindow({ ...base, width: 40 }).columns).toBe(1);
  });
});

describe('scrollToRow', () => {
  it('scrolls only when the row is outside the viewport', () => {
    expect(scrollToRow(2, 0, 600, 150, 10)).toBeNull();
    expect(scrollToRow(10, 0, 600, 150, 10)).toBe(10 * 160 + 150 - 600);
    expect(scrollToRow(1, 800, 600, 150, 10)).toBe(160);
  });
});
