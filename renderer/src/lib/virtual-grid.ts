/**
 * @file Windowing arithmetic for the result grid (renderer): which rows of a fixed-height
 * grid are on screen, so only those (plus a little overscan) exist in the DOM. Pure, so
 * it is tested without layout.
 */

export interface GridGeometry {
  count: number;
  /** Content width and height of the scroll container, in CSS pixels. */
  width: number;
  height: number;
  scrollTop: number;
  /** Tiles are at least this wide; the columns share what is left over. */
  minTileWidth: number;
  rowHeight: number;
  gap: number;
  /** Extra rows rendered above and below the viewport, so fast scrolling shows no gaps. */
  overscanRows: number;
}

export interface GridWindow {
  columns: number;
  rows: number;
  /** Index of the first and one past the last result rendered. */
  start: number;
  end: number;
  /** Where the first rendered row sits, and the height of the whole grid. */
  offsetTop: number;
  totalHeight: number;
}

export function gridWindow(g: GridGeometry): GridWindow {
  const columns = Math.max(1, Math.floor((g.width + g.gap) / (g.minTileWidth + g.gap)));
  const rows = Math.ceil(g.count / columns);
  const pitch = g.rowHeight + g.gap;
  // Clamped to the last row: scrollTop can briefly point past the end when results shrink.
  const firstVisible = Math.min(
    Math.max(0, rows - 1),
    Math.floor(Math.max(0, g.scrollTop) / pitch),
  );
  const visibleRows = Math.ceil(g.height / pitch) + 1;
  const firstRow = Math.min(rows, Math.max(0, firstVisible - g.overscanRows));
  const lastRow = Math.min(rows, firstVisible + visibleRows + g.overscanRows);
  return {
    columns,
    rows,
    start: firstRow * columns,
    end: Math.min(g.count, lastRow * columns),
    offsetTop: firstRow * pitch,
    totalHeight: Math.max(0, rows * pitch - g.gap),
  };
}

/** The scrollTop that brings row `row` fully into view, or null when it already is. */
export function scrollToRow(
  row: number,
  scrollTop: number,
  height: number,
  rowHeight: number,
  gap: number,
): number | null {
  const top = row * (rowHeight + gap);
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + height) return top + rowHeight - height;
  return null;
}
