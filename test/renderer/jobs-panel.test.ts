/**
 * @file Finished job banners collapse (only the latest shows; earlier ones fold into one
 * line), and "N failed" after an index run leads to the failed files in the Library view.
 */
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { JobSnapshot } from '../../electron/shared/contract.js';
import App from '../../renderer/src/App.svelte';
import { installFakeBackend } from './fake-backend.js';

function indexJob(id: string, label: string, failed: string[]): JobSnapshot {
  return {
    id,
    kind: 'index',
    state: 'done',
    label,
    progress: null,
    report: {
      indexed: 3,
      unchanged: 0,
      removed: 0,
      moved: 0,
      failed: failed.map((path) => ({ path, error: 'The file is empty (0 bytes).' })),
      offline: [],
      cancelled: false,
    },
    clips: null,
    error: null,
  };
}

describe('finished job banners', () => {
  it('show only the latest, and link its failures to the failed files', async () => {
    const fake = installFakeBackend({
      'library:failures': () => [
        { path: '/photos/a.jpg', root: '/photos', code: 'EMPTY_FILE', error: 'The file is empty.' },
        { path: '/photos/b.jpg', root: '/photos', code: 'EMPTY_FILE', error: 'The file is empty.' },
      ],
    });
    render(App);
    await screen.findByRole('searchbox', { name: 'Search' });
    // Three index runs finish while the window is open.
    fake.emit('job:progress', indexJob('job-1', '/old', []));
    fake.emit('job:progress', indexJob('job-2', '/older', []));
    fake.emit('job:progress', indexJob('job-3', '/photos', ['/photos/a.jpg', '/photos/b.jpg']));
    const panel = await screen.findByRole('region', { name: 'Progress' });
    expect(await within(panel).findByText(/2 earlier jobs finished/)).toBeTruthy();
    expect(within(panel).queryByText(/Indexing \/old\b/)).toBeNull();
    expect(within(panel).getByText(/Indexing \/photos/)).toBeTruthy();

    await fireEvent.click(
      within(panel).getByRole('button', { name: 'See the 2 files that failed' }),
    );
    const failed = await screen.findByRole('region', { name: /Failed files/ });
    expect((await within(failed).findAllByText(/a\.jpg/)).length).toBeGreaterThan(0);

    await fireEvent.click(within(panel).getByRole('button', { name: 'Show' }));
    expect(within(panel).getByText(/Indexing \/old\b/)).toBeTruthy();
  });
});
