/**
 * @file Review queue state (renderer/src/lib/tags.svelte.ts): a tab chosen while a page of
 * the old tab is still on its way gets its own page; the old one, when it comes, is
 * dropped. This is what left the Accepted tab empty in the e2e Tags test after a decision
 * (the Suggested refill still loading when Accepted was clicked).
 */
import { describe, expect, it, vi } from 'vitest';
import type { ChannelInput } from '../../electron/shared/contract.js';
import type { SearchResult } from '../../electron/shared/types.js';
import { invoke } from '../../renderer/src/lib/api.js';
import { TagsState } from '../../renderer/src/lib/tags.svelte.js';

vi.mock(import('../../renderer/src/lib/api.js'), async (importOriginal) => ({
  ...(await importOriginal()),
  invoke: vi.fn(),
}));

const photo = (name: string): SearchResult => ({
  path: `/photos/${name}`,
  kind: 'image',
  score: 0.3,
  takenAt: null,
  width: 640,
  height: 480,
  thumbnail: null,
});

describe('TagsState review queue', () => {
  it('loads the tab chosen while the old tab’s page is on its way, and drops that page', async () => {
    let answerSuggested = (_: SearchResult[]) => {};
    const asked: string[] = [];
    vi.mocked(invoke).mockImplementation(((channel: string, input: ChannelInput<'tags:review'>) => {
      if (channel !== 'tags:review') return Promise.reject(new Error(`unexpected ${channel}`));
      const state = input.state ?? 'suggested';
      asked.push(state);
      const page = (items: SearchResult[]) => ({
        tag: { id: 'colours/blue', name: 'Blue', category: 'Colours' },
        items,
        total: items.length,
      });
      if (state === 'suggested')
        return new Promise((resolve) => (answerSuggested = (items) => resolve(page(items))));
      return Promise.resolve(page([photo('blue.jpg')]));
    }) as typeof invoke);

    const tags = new TagsState();
    const opening = tags.open('colours/blue');
    expect(tags.loadingQueue).toBe(true);
    await tags.showTab('accepted');
    expect(asked).toEqual(['suggested', 'accepted']);
    expect(tags.items.map((item) => item.path)).toEqual(['/photos/blue.jpg']);
    expect(tags.loadingQueue).toBe(false);

    answerSuggested([photo('stale.jpg')]);
    await opening;
    expect(tags.tab).toBe('accepted');
    expect(tags.items.map((item) => item.path)).toEqual(['/photos/blue.jpg']);
    expect(tags.total).toBe(1);
    expect(tags.loadingQueue).toBe(false);
  });
});
