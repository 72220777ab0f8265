/**
 * @file The result grid: with 100 000 results only a bounded number of tiles exist in
 * the DOM, each named by its file name with the score in its tooltip; scrolling changes
 * which are rendered; the keyboard moves between tiles. jsdom has no layout, so the grid
 * uses its fallback viewport (1024 × 768 px): 5 columns of 168 px tiles.
 */
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import ResultGrid from '../../renderer/src/components/search/ResultGrid.svelte';
import { makeResults, makeVideoResult } from './fixtures.js';

vi.mock(import('../../renderer/src/lib/api.js'), async (importOriginal) => ({
  ...(await importOriginal()),
  invoke: vi.fn(),
  mediaUrl: (path: string) => `/media?path=${encodeURIComponent(path)}`,
  shell: () => 'browser' as const,
}));

const ROW_PITCH = 168 + 6; // row height + gap
/** A viewport of 768 px shows 6 rows; overscan adds 2 each side: never more than 10 rows of 5. */
const MAX_RENDERED = 10 * 5;

function setup(count: number) {
  const onopen = vi.fn();
  const onsimilar = vi.fn();
  const { container } = render(ResultGrid, { results: makeResults(count), onopen, onsimilar });
  const list = screen.getByRole('list', { name: 'Results' });
  const scroller = container.querySelector<HTMLElement>('.scroller');
  if (!scroller) throw new Error('the grid has no scroll container');
  return { list, scroller, onopen, onsimilar };
}

const tiles = (list: HTMLElement) => within(list).getAllByRole('listitem');

describe('ResultGrid', () => {
  it('renders a bounded number of tiles for 100 000 results', () => {
    const { list, scroller } = setup(100_000);
    expect(tiles(list).length).toBeGreaterThan(0);
    expect(tiles(list).length).toBeLessThanOrEqual(MAX_RENDERED);
    expect(list.querySelectorAll('img').length).toBeLessThanOrEqual(MAX_RENDERED);
    // One scroll container, as tall as all 20 000 rows.
    const spacer = scroller.firstElementChild as HTMLElement;
    expect(spacer.style.height).toBe(`${20_000 * ROW_PITCH - 6}px`);
  });

  it('names each tile by its file name and puts the score in its tooltip', () => {
    const { list } = setup(100_000);
    const first = within(list).getByRole('button', { name: 'img-0.jpg' });
    expect(first.getAttribute('title')).toBe('img-0.jpg — score 0.400');
    expect(first.querySelector('img')?.getAttribute('src')).toBe(
      `/media?path=${encodeURIComponent('/cache/thumbnails/0.webp')}`,
    );
    // The whole set's size is announced, not only the rendered part.
    expect(tiles(list)[0]?.getAttribute('aria-setsize')).toBe('100000');
  });

  it('renders other tiles after scrolling, and still a bounded number', async () => {
    const { list, scroller } = setup(100_000);
    scroller.scrollTop = 10_000 * ROW_PITCH; // row 10 000 starts at result 50 000
    await fireEvent.scroll(scroller);

    expect(within(list).queryByRole('button', { name: 'img-0.jpg' })).toBeNull();
    expect(within(list).getByRole('button', { name: 'img-50000.jpg' })).toBeTruthy();
    expect(tiles(list).length).toBeLessThanOrEqual(MAX_RENDERED);
    const positions = tiles(list).map((item) => Number(item.getAttribute('aria-posinset')));
    expect(Math.min(...positions)).toBe(50_000 - 2 * 5 + 1); // two rows of overscan above
  });

  it('opens a tile on click and finds similar from its context button', async () => {
    const { list, onopen, onsimilar } = setup(30);
    await fireEvent.click(within(list).getByRole('button', { name: 'img-3.jpg' }));
    expect(onopen).toHaveBeenCalledWith(3);

    const item = tiles(list)[4] as HTMLElement;
    await fireEvent.click(within(item).getByRole('button', { name: 'Find similar' }));
    expect(onsimilar).toHaveBeenCalledWith('/photos/img-4.jpg');
  });

  it('has one tab stop and moves focus with the arrow keys, scrolling as needed', async () => {
    const { list, scroller } = setup(1000);
    const first = within(list).getByRole('button', { name: 'img-0.jpg' });
    const tabStops = [...list.querySelectorAll('.tile')].filter(
      (t) => t.getAttribute('tabindex') === '0',
    );
    expect(tabStops).toEqual([first]);

    first.focus();
    await fireEvent.keyDown(first, { key: 'ArrowRight' });
    expect(document.activeElement?.getAttribute('aria-label')).toBe('img-1.jpg');
    await fireEvent.keyDown(document.activeElement as HTMLElement, { key: 'ArrowDown' });
    expect(document.activeElement?.getAttribute('aria-label')).toBe('img-6.jpg');

    await fireEvent.keyDown(document.activeElement as HTMLElement, { key: 'End' });
    expect(document.activeElement?.getAttribute('aria-label')).toBe('img-999.jpg');
    expect(scroller.scrollTop).toBeGreaterThan(0);
  });

  it('shows a video tile named by its file, with its thumbnail, a play mark and its length', () => {
    const results = [makeVideoResult({ duration: 83.4 }), ...makeResults(2)];
    render(ResultGrid, { results, onopen: vi.fn(), onsimilar: vi.fn() });
    const tile = screen.getByRole('button', { name: 'beach.mp4' });
    expect(tile.dataset['kind']).toBe('video');
    expect(tile.querySelector('img')?.getAttribute('src')).toBe(
      `/media?path=${encodeURIComponent('/cache/thumbnails/beach.webp')}`,
    );
    expect(tile.querySelector('.duration')?.textContent).toBe('1:23');
    expect(tile.querySelector('.play svg')).toBeTruthy();
    expect(tile.getAttribute('title')).toBe('beach.mp4 — video, 1:23 — score 0.310');
    // Photos carry neither.
    const photo = screen.getByRole('button', { name: 'img-0.jpg' });
    expect(photo.querySelector('.duration')).toBeNull();
    expect(photo.querySelector('.play')).toBeNull();
  });
});
