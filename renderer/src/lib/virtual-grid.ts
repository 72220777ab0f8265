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

/**
 * A grid in sections, each opened by a full-width heading (the library's months). Sections
 * are laid out from their counts alone, so every heading has its place before the tiles in
 * between are loaded, and the scroll bar spans the whole library from the start.
 */
export interface SectionGeometry extends Omit<GridGeometry, 'count'> {
  /** How many tiles each section holds, in order. */
  sections: readonly number[];
  headingHeight: number;
}

export interface PlacedHeading {
  section: number;
  top: number;
}

export interface PlacedTile {
  /** Index of the tile in the whole listing. */
  index: number;
  top: number;
  column: number;
}

export interface SectionWindow {
  columns: number;
  headings: PlacedHeading[];
  tiles: PlacedTile[];
  /** Index of the first and one past the last tile placed. */
  start: number;
  end: number;
  totalHeight: number;
}

export function columnsFor(width: number, minTileWidth: number, gap: number): number {
  return Math.max(1, Math.floor((width + gap) / (minTileWidth + gap)));
}

/** One pass over the sections (a few hundred months at most), not over the tiles. */
export function sectionWindow(g: SectionGeometry): SectionWindow {
  const columns = columnsFor(g.width, g.minTileWidth, g.gap);
  const pitch = g.rowHeight + g.gap;
  const low = Math.max(0, g.scrollTop) - g.overscanRows * pitch;
  const high = Math.max(0, g.scrollTop) + g.height + g.overscanRows * pitch;
  const headings: PlacedHeading[] = [];
  const tiles: PlacedTile[] = [];
  let top = 0;
  let first = 0;
  g.sections.forEach((count, section) => {
    const rows = Math.ceil(count / columns);
    const rowsTop = top + g.headingHeight;
    const bottom = rowsTop + rows * pitch;
    if (bottom > low && top < high) {
      if (rowsTop > low) headings.push({ section, top });
      const firstRow = Math.max(0, Math.floor((low - rowsTop) / pitch));
      const lastRow = Math.min(rows, Math.ceil((high - rowsTop) / pitch));
      for (let row = firstRow; row < lastRow; row++) {
        for (let column = 0; column < columns; column++) {
          const within = row * columns + column;
          if (within >= count) break;
          tiles.push({ index: first + within, top: rowsTop + row * pitch, column });
        }
      }
    }
    top = bottom;
    first += count;
  });
  return {
    columns,
    headings,
    tiles,
    start: tiles[0]?.index ?? 0,
    end: (tiles.at(-1)?.index ?? -1) + 1,
    totalHeight: Math.max(0, top - g.gap),
  };
}

/** Where tile `index` sits in a sectioned grid (for scrolling it into view). */
export function sectionTileTop(
  index: number,
  sections: readonly number[],
  columns: number,
  rowHeight: number,
  headingHeight: number,
  gap: number,
): number {
  const pitch = rowHeight + gap;
  let top = 0;
  let first = 0;
  for (const count of sections) {
    if (index < first + count) {
      return top + headingHeight + Math.floor((index - first) / columns) * pitch;
    }
    top += headingHeight + Math.ceil(count / columns) * pitch;
    first += count;
  }
  return top;
}

/**
 * Where a grid key moves the focus from tile `current` (arrows, Page Up/Down by the rows
 * that fit `viewport`, Home, End), or undefined for a key that is no move. Not clamped:
 * the grid's reveal() clamps to its tiles.
 */
export function gridKeyTarget(
  key: string,
  current: number,
  g: { columns: number; count: number; viewport: number; rowHeight: number; gap: number },
): number | undefined {
  const pageRows = Math.max(1, Math.floor(g.viewport / (g.rowHeight + g.gap)));
  const moves: Record<string, number> = {
    ArrowRight: current + 1,
    ArrowLeft: current - 1,
    ArrowDown: current + g.columns,
    ArrowUp: current - g.columns,
    PageDown: current + g.columns * pageRows,
    PageUp: current - g.columns * pageRows,
    Home: 0,
    End: g.count - 1,
  };
  return moves[key];
}
