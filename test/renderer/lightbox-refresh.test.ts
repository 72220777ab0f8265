/**
 * @file The open lightbox across index runs that finish under it (a watched folder's batch,
 * a re-index): a run that changed nothing leaves the results alone; one that did re-runs
 * the search, and the lightbox stays on the same file wherever it now ranks, closing only
 * when that file is no longer among the results.
 */
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { JobSnapshot } from '../../electron/shared/contract.js';
import type { IndexReport, SearchResult } from '../../electron/shared/types.js';
import App from '../../renderer/src/App.svelte';
import { installFakeBackend } from './fake-backend.js';
import { makeResults } from './fixtures.js';

const report = (over: Partial<IndexReport>): IndexReport => ({
  indexed: 0,
  unchanged: 3,
  removed: 0,
  moved: 0,
  failed: [],
  offline: [],
  cancelled: false,
  ...over,
});

const finished = (id: string, done: IndexReport): JobSnapshot => ({
  id,
  kind: 'index',
  state: 'done',
  label: 'Watched folders',
  progress: null,
  report: done,
  clips: null,
  error: null,
});

describe('the lightbox while index runs finish', () => {
  it('stays on its file through a refreshed search, and closes when the file is gone', async () => {
    let answer: SearchResult[] = makeResults(3);
    const fake = installFakeBackend({
      'search:query': () => ({ results: answer, hidden: 0 }),
    });
    render(App);
    const box = await screen.findByRole('searchbox', { name: 'Search' });
    await fireEvent.input(box, { target: { value: 'blue' } });
    const grid = await screen.findByRole('list', { name: 'Results' });
    await fireEvent.click(within(grid).getByRole('button', { name: 'img-2.jpg' }));
    const dialog = screen.getByRole('dialog', { name: 'img-2.jpg' });
    expect(dialog.textContent).toContain('3 of 3');
    const searches = () =>
      fake.invoke.mock.calls.filter(([channel]) => channel === 'search:query').length;
    const before = searches();

    // A re-scan that found nothing new: no search, the same dialog.
    fake.emit('job:progress', finished('w1', report({})));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(searches()).toBe(before);
    expect(screen.getByRole('dialog', { name: 'img-2.jpg' })).toBe(dialog);

    // New files ranked above it: the search runs again, the lightbox keeps img-2, now 5th.
    const fresh = makeResults(2).map((result, i) => ({ ...result, path: `/new/new-${i}.jpg` }));
    answer = [...fresh, ...makeResults(3)];
    fake.emit('job:progress', finished('w2', report({ indexed: 2 })));
    await waitFor(() => expect(searches()).toBe(before + 1));
    await waitFor(() => expect(dialog.textContent).toContain('5 of 5'));
    expect(screen.getByRole('dialog', { name: 'img-2.jpg' })).toBe(dialog);

    // The file itself removed: it is no longer among the results, so the lightbox closes.
    answer = answer.filter((result) => result.path !== '/photos/img-2.jpg');
    fake.emit('job:progress', finished('w3', report({ removed: 1 })));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });
});
