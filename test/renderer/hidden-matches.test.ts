/**
 * @file The search screen says how many weaker matches the relevance cut-off hid, and
 * "Show them" searches again with the cut-off off (noCutoff), against a fake backend.
 */
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import App from '../../renderer/src/App.svelte';
import { installFakeBackend } from './fake-backend.js';
import { makeResults } from './fixtures.js';

describe('weaker matches', () => {
  it('says how many are hidden, and "Show them" asks for every match', async () => {
    const fake = installFakeBackend({
      'search:query': (input) =>
        input.noCutoff
          ? { results: makeResults(15), hidden: 0 }
          : { results: makeResults(3), hidden: 12 },
    });
    render(App);
    const box = await screen.findByRole('searchbox', { name: 'Search' });
    await fireEvent.input(box, { target: { value: 'blue' } });
    expect(await screen.findByText(/12 weaker matches hidden/)).toBeTruthy();

    await fireEvent.click(screen.getByRole('button', { name: 'Show them' }));
    await waitFor(() =>
      expect(fake.invoke).toHaveBeenLastCalledWith(
        'search:query',
        expect.objectContaining({ query: 'blue', noCutoff: true }),
      ),
    );
    await waitFor(() => expect(screen.queryByText(/hidden/)).toBeNull());
    const showAll = screen.getByRole<HTMLInputElement>('checkbox', { name: 'Show weaker matches' });
    expect(showAll.checked).toBe(true);
    expect(await screen.findByText('15 results')).toBeTruthy();
  });
});
