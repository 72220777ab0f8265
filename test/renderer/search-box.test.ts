/**
 * @file The search box: it is the searchbox named "Search", it searches once typing
 * pauses (debounced), and an answer that arrives after a newer search started is ignored.
 * The backend is mocked at its one boundary, renderer/src/lib/api.ts.
 */
import { fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SearchAnswer } from '../../electron/shared/types.js';
import SearchBox from '../../renderer/src/components/search/SearchBox.svelte';
import { ApiError, invoke } from '../../renderer/src/lib/api.js';
import { SEARCH_DEBOUNCE_MS, SearchState } from '../../renderer/src/lib/search.svelte.js';
import { deferred, makeResults } from './fixtures.js';

vi.mock(import('../../renderer/src/lib/api.js'), async (importOriginal) => ({
  ...(await importOriginal()),
  invoke: vi.fn(),
  shell: () => 'browser' as const,
  pathForFile: () => null,
}));

const invokeMock = vi.mocked(invoke);

function setup() {
  const search = new SearchState();
  render(SearchBox, { search });
  return { search, box: screen.getByRole('searchbox', { name: 'Search' }) };
}

async function type(box: HTMLElement, text: string) {
  await fireEvent.input(box, { target: { value: text } });
}

beforeEach(() => {
  vi.useFakeTimers();
  invokeMock.mockReset();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('SearchBox', () => {
  it('is a searchbox whose accessible name is "Search", described by the query hint', () => {
    const { box } = setup();
    expect(box.tagName).toBe('INPUT');
    expect(box.getAttribute('type')).toBe('search');
    const hint = document.getElementById(box.getAttribute('aria-describedby') ?? '');
    expect(hint?.textContent).toContain('-night');
  });

  it('searches once typing pauses for the debounce interval, with the last text only', async () => {
    invokeMock.mockResolvedValue({ results: [], hidden: 0 });
    const { box } = setup();
    await type(box, 'b');
    await vi.advanceTimersByTimeAsync(100);
    await type(box, 'bl');
    await vi.advanceTimersByTimeAsync(100);
    await type(box, 'blue');
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS - 1);
    expect(invokeMock).not.toHaveBeenCalled();

    await vi.advanceTimersByTimeAsync(1);
    expect(invokeMock).toHaveBeenCalledTimes(1);
    expect(invokeMock).toHaveBeenCalledWith(
      'search:query',
      expect.objectContaining({ query: 'blue', sort: 'relevance' }),
    );
  });

  it('Enter searches at once, without waiting for the debounce', async () => {
    invokeMock.mockResolvedValue({ results: [], hidden: 0 });
    const { box } = setup();
    await type(box, 'red car');
    await fireEvent.keyDown(box, { key: 'Enter' });
    expect(invokeMock).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS * 2);
    expect(invokeMock).toHaveBeenCalledTimes(1);
  });

  it('ignores a slow answer to an older query that arrives after the newer one', async () => {
    const first = deferred<SearchAnswer>();
    const second = deferred<SearchAnswer>();
    invokeMock.mockReturnValueOnce(first.promise).mockReturnValueOnce(second.promise);
    const { search, box } = setup();

    await type(box, 'red');
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS);
    await type(box, 'blue');
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS);
    expect(invokeMock).toHaveBeenCalledTimes(2);

    const blue = makeResults(2);
    second.resolve({ results: blue, hidden: 0 });
    await vi.advanceTimersByTimeAsync(0);
    expect(search.results).toEqual(blue);

    first.resolve({ results: makeResults(7), hidden: 0 });
    await vi.advanceTimersByTimeAsync(0);
    expect(search.results).toEqual(blue);
    expect(search.loading).toBe(false);
  });

  it('ignores a late error from an older query too', async () => {
    const first = deferred<SearchAnswer>();
    invokeMock
      .mockReturnValueOnce(first.promise)
      .mockResolvedValueOnce({ results: makeResults(1), hidden: 0 });
    const { search, box } = setup();
    await type(box, 'red');
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS);
    await type(box, 'blue');
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS);
    first.reject(new ApiError('INTERNAL', 'old failure'));
    await vi.advanceTimersByTimeAsync(0);
    expect(search.error).toBeNull();
    expect(search.results).toHaveLength(1);
  });

  it('keeps the error sentence of a failed search for the view to show', async () => {
    invokeMock.mockRejectedValue(
      new ApiError('INVALID_INPUT', 'The search only excludes things: add a term to look for.'),
    );
    const { search, box } = setup();
    await type(box, '-night');
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS);
    expect(search.error).toBe('The search only excludes things: add a term to look for.');
  });

  it('does not call the backend for blank text, and Esc clears the box', async () => {
    invokeMock.mockResolvedValue({ results: [], hidden: 0 });
    const { search, box } = setup();
    await type(box, '   ');
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS);
    // Blank text shows the library (library:browse); it never searches.
    expect(invokeMock).not.toHaveBeenCalledWith('search:query', expect.anything());

    await type(box, 'dog');
    await fireEvent.keyDown(box, { key: 'Escape' });
    expect(search.query).toBe('');
    expect((box as HTMLInputElement).value).toBe('');
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS);
    expect(invokeMock).not.toHaveBeenCalledWith('search:query', expect.anything());
  });
});
