/**
 * @file The Search view with nothing typed shows the library: every file newest first under
 * month headings, a bounded number of tiles for 100 000 files, each tile named by its file
 * (name on hover/focus) and a video with its length, pages loaded as they come near the
 * screen, and the same filters as search (against a fake backend's `library:browse`).
 */
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { ChannelInput } from '../../electron/shared/contract.js';
import type { LibraryPage, MonthCount, SearchResult } from '../../electron/shared/types.js';
import App from '../../renderer/src/App.svelte';
import { LIBRARY_PAGE } from '../../renderer/src/lib/search.svelte.js';
import { installFakeBackend } from './fake-backend.js';

const TOTAL = 100_000;

/**
 * The fake library, newest first: a video and a photo from May 2024, then 99 998 photos from
 * April 2024 (the engine does the sorting; the view must keep its order and months).
 */
function libraryFile(i: number): SearchResult {
  if (i === 0)
    return {
      path: '/videos/beach.mp4',
      kind: 'video',
      score: 0,
      duration: 75,
      takenAt: new Date(2024, 4, 20).getTime(),
      width: 1920,
      height: 1080,
      thumbnail: '/cache/beach.webp',
    };
  return {
    path: i === 1 ? '/photos/cake.jpg' : `/photos/april-${i}.jpg`,
    kind: 'image',
    score: 0,
    takenAt: new Date(2024, i === 1 ? 4 : 3, 2).getTime(),
    width: 640,
    height: 480,
    thumbnail: `/cache/${i}.webp`,
  };
}

function browse(input: ChannelInput<'library:browse'>): LibraryPage {
  if (input.kind === 'video') {
    const items = input.offset === 0 ? [libraryFile(0)] : [];
    return { items, total: 1, months: [{ month: '2024-05', count: 1 }] };
  }
  const months: MonthCount[] = [
    { month: '2024-05', count: 2 },
    { month: '2024-04', count: TOTAL - 2 },
  ];
  const end = Math.min(TOTAL, input.offset + input.limit);
  const items = Array.from({ length: Math.max(0, end - input.offset) }, (_, k) =>
    libraryFile(input.offset + k),
  );
  return { items, total: TOTAL, months };
}

describe('the library without a query', () => {
  it('shows every file newest first under month headings, bounded in the DOM', async () => {
    const fake = installFakeBackend({ 'library:browse': browse });
    const { container } = render(App);
    const list = await screen.findByRole('list', { name: 'Library' });
    expect(await screen.findByText('100,000 photos and videos')).toBeTruthy();

    const headings = within(list)
      .getAllByRole('heading')
      .map((h) => h.textContent);
    expect(headings).toEqual(['May 2024', 'April 2024']);
    // Newest first: the May video, then the May photo, then April.
    const names = within(list)
      .getAllByRole('button', { name: /\.(mp4|jpg)$/ })
      .map((b) => b.getAttribute('aria-label'));
    expect(names.slice(0, 3)).toEqual(['beach.mp4', 'cake.jpg', 'april-2.jpg']);
    // 100 000 files, a screenful of tiles.
    expect(list.querySelectorAll('.tile').length).toBeLessThanOrEqual(60);
    expect(fake.invoke).toHaveBeenCalledWith('library:browse', { offset: 0, limit: LIBRARY_PAGE });

    // The file name is on the tile for hover and focus; a video shows its length; no score.
    const video = within(list).getByRole('button', { name: 'beach.mp4' });
    expect(video.querySelector('.name')?.textContent).toBe('beach.mp4');
    expect(video.querySelector('.duration')?.textContent).toBe('1:15');
    expect(video.getAttribute('title')).toBe('beach.mp4 — video, 1:15');

    // Scrolling far down loads the page holding the tiles now on screen.
    const scroller = container.querySelector<HTMLElement>('.scroller');
    if (!scroller) throw new Error('the library has no scroll container');
    scroller.scrollTop = 10_000 * 174; // about tile 50 000 at 5 columns
    await fireEvent.scroll(scroller);
    await waitFor(() =>
      expect(fake.invoke).toHaveBeenCalledWith('library:browse', {
        offset: 24 * LIBRARY_PAGE,
        limit: LIBRARY_PAGE,
      }),
    );
    expect(await within(list).findByRole('button', { name: 'april-50000.jpg' })).toBeTruthy();
    expect(within(list).queryByRole('heading', { name: 'May 2024' })).toBeNull();
  });

  it('applies the filters to the listing', async () => {
    const fake = installFakeBackend({ 'library:browse': browse });
    render(App);
    await screen.findByRole('list', { name: 'Library' });
    await fireEvent.click(screen.getByRole('radio', { name: 'Videos' }));
    await waitFor(() =>
      expect(fake.invoke).toHaveBeenCalledWith('library:browse', {
        kind: 'video',
        offset: 0,
        limit: LIBRARY_PAGE,
      }),
    );
    expect(await screen.findByText('1 photo or video')).toBeTruthy();
    const list = screen.getByRole('list', { name: 'Library' });
    expect(within(list).getAllByRole('button', { name: /\.(mp4|jpg)$/ }).length).toBe(1);
    expect(within(list).getByRole('button', { name: 'beach.mp4' })).toBeTruthy();
  });

  it('says so when the library has nothing to show, rather than an empty box', async () => {
    installFakeBackend();
    render(App);
    expect(await screen.findByText('No photos or videos here yet')).toBeTruthy();
  });
});
