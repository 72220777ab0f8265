/**
 * @file Filters and sort: each change searches again at once with exactly the input the
 * contract expects (absent keys rather than undefined values).
 */
import { fireEvent, render, screen } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import Filters from '../../renderer/src/components/search/Filters.svelte';
import { invoke } from '../../renderer/src/lib/api.js';
import { LIBRARY_PAGE, RESULT_LIMIT, SearchState } from '../../renderer/src/lib/search.svelte.js';

vi.mock(import('../../renderer/src/lib/api.js'), async (importOriginal) => ({
  ...(await importOriginal()),
  invoke: vi.fn(),
  shell: () => 'browser' as const,
}));

const invokeMock = vi.mocked(invoke);

function setup(query = 'dog') {
  const search = new SearchState();
  search.query = query;
  render(Filters, { search, roots: ['/photos', '/videos'] });
  return search;
}

const lastCall = () => invokeMock.mock.calls.at(-1);

beforeEach(() => {
  invokeMock.mockReset();
  invokeMock.mockResolvedValue({ results: [], hidden: 0 });
});

describe('Filters', () => {
  it('kind: Photos and Videos filter, All removes the key', async () => {
    setup();
    await fireEvent.click(screen.getByRole('radio', { name: 'Photos' }));
    expect(lastCall()).toEqual([
      'search:query',
      { query: 'dog', kind: 'image', sort: 'relevance', limit: RESULT_LIMIT },
    ]);
    await fireEvent.click(screen.getByRole('radio', { name: 'Videos' }));
    expect(lastCall()?.[1]).toMatchObject({ kind: 'video' });
    await fireEvent.click(screen.getByRole('radio', { name: 'All' }));
    expect(lastCall()?.[1]).not.toHaveProperty('kind');
    expect(invokeMock).toHaveBeenCalledTimes(3);
  });

  it('sort: Date sorts by date', async () => {
    setup();
    await fireEvent.change(screen.getByRole('combobox', { name: 'Sort' }), {
      target: { value: 'date' },
    });
    expect(lastCall()).toEqual([
      'search:query',
      { query: 'dog', sort: 'date', limit: RESULT_LIMIT },
    ]);
  });

  it('dates: "from" is the start of its day and "to" the end of its day, local time', async () => {
    setup();
    await fireEvent.change(screen.getByLabelText('From date'), {
      target: { value: '2024-03-01' },
    });
    expect(lastCall()?.[1]).toEqual({
      query: 'dog',
      sort: 'relevance',
      limit: RESULT_LIMIT,
      from: new Date(2024, 2, 1).getTime(),
    });
    await fireEvent.change(screen.getByLabelText('To date'), { target: { value: '2024-03-31' } });
    expect(lastCall()?.[1]).toMatchObject({
      from: new Date(2024, 2, 1).getTime(),
      to: new Date(2024, 3, 1).getTime() - 1,
    });
    await fireEvent.change(screen.getByLabelText('From date'), { target: { value: '' } });
    expect(lastCall()?.[1]).not.toHaveProperty('from');
  });

  it('folder: one of the library roots', async () => {
    setup();
    const folder = screen.getByRole('combobox', { name: 'Folder' });
    expect([...(folder as HTMLSelectElement).options].map((o) => o.textContent)).toEqual([
      'All folders',
      '/photos',
      '/videos',
    ]);
    await fireEvent.change(folder, { target: { value: '/videos' } });
    expect(lastCall()?.[1]).toMatchObject({ folder: '/videos' });
  });

  it('offers no relevance sort or cut-off while the library is listed without a query', () => {
    setup('');
    expect(screen.queryByRole('combobox', { name: 'Sort' })).toBeNull();
    expect(screen.queryByRole('checkbox', { name: 'Show weaker matches' })).toBeNull();
    // The filters that do apply to the listing stay.
    expect(screen.getByRole('combobox', { name: 'Folder' })).toBeTruthy();
  });

  it('"Show weaker matches" turns the relevance cut-off off', async () => {
    setup();
    await fireEvent.click(screen.getByRole('checkbox', { name: 'Show weaker matches' }));
    expect(lastCall()?.[1]).toMatchObject({ noCutoff: true });
  });

  it('filters apply to "find similar" too, through search:similar', async () => {
    const search = setup('');
    search.findSimilar('/photos/a.jpg');
    await fireEvent.click(screen.getByRole('radio', { name: 'Photos' }));
    expect(lastCall()).toEqual([
      'search:similar',
      { path: '/photos/a.jpg', kind: 'image', sort: 'relevance', limit: RESULT_LIMIT },
    ]);
  });

  it('with nothing typed, changing a filter lists the library with it instead of searching', async () => {
    setup('');
    await fireEvent.click(screen.getByRole('radio', { name: 'Photos' }));
    expect(invokeMock).not.toHaveBeenCalledWith('search:query', expect.anything());
    expect(invokeMock).toHaveBeenCalledWith('library:browse', {
      kind: 'image',
      offset: 0,
      limit: LIBRARY_PAGE,
    });
  });
});
