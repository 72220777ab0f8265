/**
 * @file The learned-tag trainer, the XMP opt-in and a file's tags in the lightbox, against
 * the fake backend: tiles marked by mouse (example → counter-example → unmarked) and by
 * keyboard (arrows, Enter, E, N); "Learn" disabled below three examples with the reason;
 * the tags:learn payload and the answer's count; "Review suggestions" opening the learned
 * tag's queue; the XMP checkbox sending settings:set; the lightbox's chips accepting a
 * suggestion, hiding rejected tags, and a video's range playing that stretch.
 */
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChannelInput } from '../../electron/shared/contract.js';
import type { FileTag, FileTags } from '../../electron/shared/types.js';
import Lightbox from '../../renderer/src/components/search/Lightbox.svelte';
import TagsView from '../../renderer/src/components/tags/TagsView.svelte';
import { JobsState } from '../../renderer/src/lib/jobs.svelte.js';
import { TagsState } from '../../renderer/src/lib/tags.svelte.js';
import { installFakeBackend, settings } from './fake-backend.js';
import { makeResults, makeVideoResult } from './fixtures.js';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

function renderTagsView(handlers: Parameters<typeof installFakeBackend>[0] = {}) {
  const learns: ChannelInput<'tags:learn'>[] = [];
  const fake = installFakeBackend({
    'tags:list': () => [],
    'library:browse': () => ({ items: makeResults(6), total: 6, months: [] }),
    'search:query': ({ query }) => ({
      results: makeResults(2).map((r) => ({ ...r, path: r.path.replace('img', query) })),
      hidden: 0,
    }),
    'tags:learn': (input) => {
      learns.push(input);
      return {
        tag: 'learned/garden',
        threshold: 0.21,
        suggested: [
          { path: '/photos/img-5.jpg', score: 0.3 },
          { path: '/photos/b.jpg', score: 0.28 },
          { path: '/photos/c.jpg', score: 0.25 },
        ],
      };
    },
    'tags:review': ({ tag }) => ({
      tag: { id: tag, name: 'garden', category: 'Learned' },
      items: [],
      total: 0,
    }),
    ...handlers,
  });
  const tags = new TagsState();
  render(TagsView, { tags, jobs: new JobsState() });
  return { fake, tags, learns };
}

async function openTrainer() {
  await fireEvent.click(screen.getByRole('button', { name: 'Teach a tag' }));
  const dialog = screen.getByRole('dialog', { name: 'Teach a tag' });
  const grid = await within(dialog).findByRole('list', { name: 'Photos to teach from' });
  return { dialog, grid };
}

function tile(grid: HTMLElement, index: number): HTMLElement {
  const found = grid.querySelector<HTMLElement>(`.tile[data-index="${index}"]`);
  if (!found) throw new Error(`no tile ${index}`);
  return found;
}

describe('the learned-tag trainer', () => {
  it('cycles a tile example → counter-example → unmarked on clicks, with a badge and its name saying so', async () => {
    const { fake } = renderTagsView();
    const { grid } = await openTrainer();
    // No words yet: the library, newest first, to pick from.
    expect(fake.invoke).toHaveBeenCalledWith('library:browse', { offset: 0, limit: 500 });

    const first = tile(grid, 0);
    expect(first.getAttribute('aria-label')).toBe('img-0.jpg');
    await fireEvent.click(first);
    expect(first.getAttribute('aria-label')).toBe('img-0.jpg, example');
    expect(first.querySelector('.mark')?.textContent).toBe('✓');
    await fireEvent.click(first);
    expect(first.getAttribute('aria-label')).toBe('img-0.jpg, counter-example');
    expect(first.querySelector('.mark')?.textContent).toBe('✕');
    await fireEvent.click(first);
    expect(first.getAttribute('aria-label')).toBe('img-0.jpg');
    expect(first.querySelector('.mark')).toBeNull();
  });

  it('marks from the keyboard: arrows move, E and N mark, Enter cycles', async () => {
    renderTagsView();
    const { grid } = await openTrainer();
    tile(grid, 0).focus();
    await fireEvent.keyDown(tile(grid, 0), { key: 'ArrowRight' });
    await waitFor(() => expect(document.activeElement).toBe(tile(grid, 1)));

    await fireEvent.keyDown(tile(grid, 1), { key: 'e' });
    expect(tile(grid, 1).getAttribute('aria-label')).toBe('img-1.jpg, example');
    await fireEvent.keyDown(tile(grid, 1), { key: 'n' });
    expect(tile(grid, 1).getAttribute('aria-label')).toBe('img-1.jpg, counter-example');
    await fireEvent.keyDown(tile(grid, 1), { key: 'n' });
    expect(tile(grid, 1).getAttribute('aria-label')).toBe('img-1.jpg');
    await fireEvent.keyDown(tile(grid, 1), { key: 'Enter' });
    expect(tile(grid, 1).getAttribute('aria-label')).toBe('img-1.jpg, example');
    await fireEvent.keyDown(tile(grid, 1), { key: 'Enter' });
    expect(tile(grid, 1).getAttribute('aria-label')).toBe('img-1.jpg, counter-example');
  });

  it('keeps Learn disabled below three examples and says why, then learns from examples and counter-examples', async () => {
    const { learns } = renderTagsView();
    const { dialog, grid } = await openTrainer();
    const learn = within(dialog).getByRole('button', { name: 'Learn' });
    const reason = () => document.getElementById(learn.getAttribute('aria-describedby') ?? '');

    expect(learn).toHaveProperty('disabled', true);
    expect(reason()?.textContent).toContain('Mark 3 more examples');

    await fireEvent.click(tile(grid, 0));
    await fireEvent.click(tile(grid, 1));
    expect(learn).toHaveProperty('disabled', true);
    expect(reason()?.textContent).toContain('Mark 1 more example ');
    // A counter-example is not an example.
    await fireEvent.click(tile(grid, 4));
    await fireEvent.click(tile(grid, 4));
    expect(learn).toHaveProperty('disabled', true);

    // Marks survive a new search: the third example comes from other words.
    await fireEvent.input(within(dialog).getByRole('searchbox'), {
      target: { value: 'garden' },
    });
    await fireEvent.submit(within(dialog).getByRole('searchbox').closest('form')!);
    await waitFor(() => expect(tile(grid, 0).getAttribute('aria-label')).toBe('garden-0.jpg'));
    await fireEvent.click(tile(grid, 0));

    expect(learn).toHaveProperty('disabled', true);
    expect(reason()?.textContent).toContain('Give the tag a name');
    await fireEvent.input(within(dialog).getByRole('textbox', { name: 'Tag name' }), {
      target: { value: ' Garden ' },
    });
    expect(learn).toHaveProperty('disabled', false);
    expect(reason()?.textContent).toBe('');

    await fireEvent.click(learn);
    await within(dialog).findByText(/suggested on 3 photos/);
    expect(learns).toEqual([
      {
        name: 'Garden',
        examples: ['/photos/img-0.jpg', '/photos/img-1.jpg', '/photos/garden-0.jpg'],
        negatives: ['/photos/img-4.jpg'],
      },
    ]);
  });

  it('stars what the tag now suggests, sends no negatives when there are none, and opens the learned tag’s queue', async () => {
    const { learns, fake, tags } = renderTagsView();
    const { dialog, grid } = await openTrainer();
    for (const index of [0, 1, 2]) await fireEvent.click(tile(grid, index));
    await fireEvent.input(within(dialog).getByRole('textbox', { name: 'Tag name' }), {
      target: { value: 'Garden' },
    });
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Learn' }));
    await within(dialog).findByRole('button', { name: 'Review suggestions' });
    // What the tag now picks is starred in the grid, so a wrong one can be marked.
    expect(tile(grid, 5).getAttribute('aria-label')).toBe('img-5.jpg, suggested');
    expect(tile(grid, 4).getAttribute('aria-label')).toBe('img-4.jpg');
    await fireEvent.click(tile(grid, 5));
    expect(tile(grid, 5).getAttribute('aria-label')).toBe('img-5.jpg, example');
    await fireEvent.click(tile(grid, 5));
    await fireEvent.click(tile(grid, 5));
    // The marks changed: the answer no longer describes them.
    expect(tile(grid, 5).getAttribute('aria-label')).toBe('img-5.jpg');
    expect(within(dialog).queryByRole('button', { name: 'Review suggestions' })).toBeNull();
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Learn' }));
    await fireEvent.click(
      await within(dialog).findByRole('button', { name: 'Review suggestions' }),
    );
    expect(learns[0]).not.toHaveProperty('negatives');

    expect(screen.queryByRole('dialog', { name: 'Teach a tag' })).toBeNull();
    await waitFor(() =>
      expect(fake.invoke).toHaveBeenCalledWith(
        'tags:review',
        expect.objectContaining({ tag: 'learned/garden', state: 'suggested' }),
      ),
    );
    expect(tags.selected).toBe('learned/garden');
  });
});

describe('the XMP opt-in', () => {
  it('turns writing sidecars on through settings:set and says originals are untouched', async () => {
    const sets: ChannelInput<'settings:set'>[] = [];
    renderTagsView({
      'settings:set': (change) => {
        sets.push(change);
        return { ...settings, writeXmp: change.writeXmp ?? settings.writeXmp };
      },
    });
    const box = screen.getByRole('checkbox', { name: /Write accepted tags to XMP sidecars/ });
    await waitFor(() => expect(box).toHaveProperty('disabled', false));
    expect(box).toHaveProperty('checked', false);
    expect(screen.getByText(/originals are never modified/)).toBeTruthy();

    await fireEvent.click(box);
    await waitFor(() => expect(sets).toEqual([{ writeXmp: true }]));
    expect(box).toHaveProperty('checked', true);
  });

  it('shows the box unticked again, with the error, when the engine refuses', async () => {
    renderTagsView({
      'settings:set': () => {
        throw new Error('The library is read-only.');
      },
    });
    const box = screen.getByRole('checkbox', { name: /XMP sidecars/ });
    await waitFor(() => expect(box).toHaveProperty('disabled', false));
    await fireEvent.click(box);
    expect((await screen.findByRole('alert')).textContent).toContain('read-only');
    expect(box).toHaveProperty('checked', false);
  });
});

describe('a file’s tags in the lightbox', () => {
  function tag(over: Partial<FileTag>): FileTag {
    return {
      tag: 'scenes/beach',
      name: 'Beach',
      category: 'Scenes',
      score: 0.3,
      state: 'suggested',
      source: 'auto',
      ...over,
    };
  }

  function openLightbox(path: string, start: FileTag[], result = makeResults(1)[0]!) {
    const decisions: ChannelInput<'tags:decide'>[] = [];
    let current = start;
    installFakeBackend({
      'tags:ofFiles': ({ paths }): FileTags[] => paths.map((p) => ({ path: p, tags: current })),
      'tags:decide': (input): FileTags[] => {
        decisions.push(input);
        current = current.map((t) => (t.tag === input.tag ? { ...t, state: input.state } : t));
        return [{ path, tags: current }];
      },
    });
    render(Lightbox, {
      results: [result],
      index: 0,
      query: '',
      jobs: new JobsState(),
      ffmpegProblem: null,
      onindex: vi.fn(),
      onclose: vi.fn(),
      onsimilar: vi.fn(),
    });
    return decisions;
  }

  it('shows accepted and suggested tags, hides rejected ones, and accepts a suggestion', async () => {
    const decisions = openLightbox('/photos/img-0.jpg', [
      tag({ tag: 'colours/red', name: 'Red', state: 'accepted', category: 'Colours' }),
      tag({}),
      tag({ tag: 'animals/cat', name: 'Cat', state: 'rejected', category: 'Animals' }),
    ]);
    const chips = await screen.findByRole('region', { name: 'Tags' });
    const items = within(chips).getAllByRole('listitem');
    expect(items.map((li) => li.querySelector('.name')?.textContent)).toEqual(['Red', 'Beach']);
    expect(within(chips).queryByRole('button', { name: 'Accept Red' })).toBeNull();

    await fireEvent.click(within(chips).getByRole('button', { name: 'Accept Beach' }));
    expect(decisions).toEqual([
      { paths: ['/photos/img-0.jpg'], tag: 'scenes/beach', state: 'accepted' },
    ]);
    await waitFor(() =>
      expect(within(chips).queryByRole('button', { name: 'Accept Beach' })).toBeNull(),
    );

    // Beach is accepted now: still a chip, without the buttons.
    expect(within(chips).getAllByRole('listitem')).toHaveLength(2);
  });

  it('removes a rejected suggestion', async () => {
    const decisions = openLightbox('/photos/img-0.jpg', [tag({})]);
    const chips = await screen.findByRole('region', { name: 'Tags' });
    await fireEvent.click(within(chips).getByRole('button', { name: 'Reject Beach' }));
    expect(decisions[0]?.state).toBe('rejected');
    await waitFor(() => expect(screen.queryByRole('region', { name: 'Tags' })).toBeNull());
  });

  describe('a video', () => {
    let play: ReturnType<typeof vi.spyOn>;
    beforeEach(() => {
      play = vi.spyOn(HTMLMediaElement.prototype, 'play').mockResolvedValue();
      vi.spyOn(HTMLMediaElement.prototype, 'pause').mockImplementation(() => {});
    });

    it('plays the stretch of a tag’s range when its m:ss–m:ss link is pressed', async () => {
      openLightbox(
        '/videos/beach.mp4',
        [
          tag({
            state: 'accepted',
            ranges: [
              [12, 15.5],
              [70, 75],
            ],
          }),
        ],
        makeVideoResult(),
      );
      const chips = await screen.findByRole('region', { name: 'Tags' });
      const link = within(chips).getByRole('button', { name: 'Play Beach from 0:12 to 0:15' });
      expect(link.textContent).toBe('0:12–0:15');
      expect(
        within(chips).getByRole('button', { name: 'Play Beach from 1:10 to 1:15' }),
      ).toBeTruthy();

      const video = screen.getByRole('dialog').querySelector('video')!;
      await fireEvent.click(link);
      expect(video.currentTime).toBe(12);
      expect(play).toHaveBeenCalled();
    });
  });
});
