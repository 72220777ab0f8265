/**
 * @file Tag facets next to search results: the tags the results carry, with counts, and a
 * click that narrows the search to one of them (`tag:<id>` joins the query, once).
 */
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import SearchView from '../../renderer/src/components/search/SearchView.svelte';
import { JobsState } from '../../renderer/src/lib/jobs.svelte.js';
import { LibraryState } from '../../renderer/src/lib/library.svelte.js';
import { SearchState } from '../../renderer/src/lib/search.svelte.js';
import { installFakeBackend, status } from './fake-backend.js';
import { makeResults } from './fixtures.js';

afterEach(cleanup);

describe('tag facets', () => {
  it('lists the tags of the results and narrows the search to one on click', async () => {
    const fake = installFakeBackend({
      'library:status': () => ({ ...status, images: 5 }),
      'search:query': () => ({
        results: makeResults(3),
        hidden: 0,
        facets: [
          { tag: 'scenes/beach', name: 'Beach', count: 3 },
          { tag: 'colours/blue', name: 'Blue', count: 1 },
        ],
      }),
    });
    const search = new SearchState(0);
    render(SearchView, {
      search,
      library: new LibraryState(),
      jobs: new JobsState(),
      onnotice: vi.fn(),
    });
    search.setQuery('sunset');
    await search.run();
    const facets = await screen.findByRole('navigation', { name: 'Tags in these results' });
    expect(facets.textContent).toMatch(/Beach\s*3/);
    await fireEvent.click(screen.getByRole('button', { name: /^Blue/ }));
    expect(search.query).toBe('sunset tag:colours/blue');
    await vi.waitFor(() =>
      expect(fake.invoke).toHaveBeenLastCalledWith(
        'search:query',
        expect.objectContaining({ query: 'sunset tag:colours/blue' }),
      ),
    );
    // Clicking the same tag again does not repeat it.
    search.addTag('colours/blue');
    expect(search.query).toBe('sunset tag:colours/blue');
  });
});
