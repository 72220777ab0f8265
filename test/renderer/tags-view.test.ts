/**
 * @file The Tags view against a fake tagging backend kept in memory: the vocabulary grouped
 * by category with counts, unused tags last, the filter and collapsing; the empty state
 * before any run; "Tag library" starting a job and disabled while one runs; the review
 * queue with `a`/`r` on the focused photo, bulk decisions on a selection, and the tabs
 * that undo a mistake — each checked on the payload `tags:decide` receives.
 */
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { ChannelInput, JobSnapshot } from '../../electron/shared/contract.js';
import type { SearchResult, TagCount } from '../../electron/shared/types.js';
import App from '../../renderer/src/App.svelte';
import { groupTags, REVIEW_PAGE } from '../../renderer/src/lib/tags.svelte.js';
import { installFakeBackend } from './fake-backend.js';

type State = 'suggested' | 'accepted' | 'rejected';
interface FakeTag {
  id: string;
  name: string;
  category: string;
  hidden?: boolean;
}

const VOCAB: FakeTag[] = [
  { id: 'animals/cat', name: 'Cat', category: 'Animals' },
  { id: 'colours/red', name: 'Red', category: 'Colours' },
  { id: 'colours/blue', name: 'Blue', category: 'Colours' },
  { id: 'colours/green', name: 'Green', category: 'Colours' },
  { id: 'scenes/beach', name: 'Beach', category: 'Scenes' },
  { id: 'scenes/forest', name: 'Forest', category: 'Scenes' },
  { id: 'scenes/secret', name: 'Secret', category: 'Scenes', hidden: true },
];

function photo(name: string, score: number): SearchResult {
  return {
    path: `/photos/${name}`,
    kind: 'image',
    score,
    takenAt: null,
    width: 640,
    height: 480,
    thumbnail: `/cache/${name}.webp`,
  };
}

/** Tag states per tag id, per path; the photos' scores are their review order. */
function fakeTagging(states: Record<string, Record<string, State>>) {
  const photos = new Map<string, SearchResult>();
  const decisions: ChannelInput<'tags:decide'>[] = [];
  const reviews: ChannelInput<'tags:review'>[] = [];
  function list(): TagCount[] {
    return VOCAB.map((tag) => {
      const of = Object.values(states[tag.id] ?? {});
      return {
        ...tag,
        hidden: tag.hidden ?? false,
        origin: 'vocabulary' as const,
        offset: 0,
        accepted: of.filter((s) => s === 'accepted').length,
        suggested: of.filter((s) => s === 'suggested').length,
        rejected: of.filter((s) => s === 'rejected').length,
      };
    });
  }
  const handlers = {
    'tags:list': () => list(),
    'tags:review': (input: ChannelInput<'tags:review'>) => {
      reviews.push(input);
      const tag = VOCAB.find((t) => t.id === input.tag);
      if (!tag) throw new Error(`No tag ${input.tag}.`);
      const wanted = input.state ?? 'suggested';
      const all = Object.entries(states[tag.id] ?? {})
        .filter(([, s]) => s === wanted)
        .map(([path]) => photos.get(path) ?? photo(path.slice(8), 0.2))
        .sort((a, b) => b.score - a.score);
      const offset = input.offset ?? 0;
      return {
        tag: { id: tag.id, name: tag.name, category: tag.category },
        items: all.slice(offset, offset + (input.limit ?? 100)),
        total: all.length,
      };
    },
    'tags:decide': (input: ChannelInput<'tags:decide'>) => {
      decisions.push(input);
      const of = (states[input.tag] ??= {});
      for (const path of input.paths) of[path] = input.state;
      return input.paths.map((path) => ({ path, tags: [] }));
    },
  };
  return { handlers, decisions, reviews, photos };
}

function blueQueue() {
  const fake = fakeTagging({
    'colours/blue': {
      '/photos/sky.jpg': 'suggested',
      '/photos/sea.jpg': 'suggested',
      '/photos/jeans.jpg': 'suggested',
      '/photos/lake.jpg': 'accepted',
      '/photos/car.jpg': 'rejected',
    },
    'colours/red': { '/photos/rose.jpg': 'suggested' },
    'scenes/beach': { '/photos/sea.jpg': 'accepted' },
  });
  fake.photos.set('/photos/sky.jpg', photo('sky.jpg', 0.31));
  fake.photos.set('/photos/sea.jpg', photo('sea.jpg', 0.29));
  fake.photos.set('/photos/jeans.jpg', photo('jeans.jpg', 0.27));
  return fake;
}

async function openTags() {
  await fireEvent.click(await screen.findByRole('button', { name: 'Tags' }));
  return screen.findByRole('navigation', { name: 'Tags' });
}

async function openBlue() {
  await openTags();
  await fireEvent.click(await screen.findByRole('button', { name: /^Blue:/ }));
  return screen.findByRole('listbox', { name: 'Suggested photos for Blue' });
}

const names = (list: HTMLElement) =>
  within(list)
    .getAllByRole('option')
    .map((option) => option.getAttribute('aria-label'));

describe('the tag vocabulary', () => {
  it('groups tags by category in vocabulary order, in-use tags first, hidden ones left out', () => {
    const fake = blueQueue();
    const groups = groupTags(fake.handlers['tags:list'](), '');
    // Animals comes first in the vocabulary, but no file has any of its tags.
    expect(groups.map((g) => g.category)).toEqual(['Colours', 'Scenes', 'Animals']);
    // Green has no file: it sinks below Red and Blue; Secret is hidden.
    expect(groups[0]?.tags.map((t) => t.name)).toEqual(['Red', 'Blue', 'Green']);
    expect(groups[1]?.tags.map((t) => t.name)).toEqual(['Beach', 'Forest']);
    expect(groupTags(fake.handlers['tags:list'](), 'BEA').flatMap((g) => g.tags)).toHaveLength(1);
  });

  it('shows counts, dims unused tags, filters, and collapses a category', async () => {
    installFakeBackend(blueQueue().handlers);
    render(App);
    const nav = await openTags();
    const blue = await within(nav).findByRole('button', { name: /^Blue:/ });
    expect(blue.getAttribute('aria-label')).toBe('Blue: 1 accepted, 3 suggested');
    expect(blue.textContent).toMatch(/1\s·\s3/);
    const colours = within(nav).getByRole('list', { name: 'Colours' });
    expect(names2(colours)).toEqual(['Red', 'Blue', 'Green']);
    expect(within(nav).getByRole('button', { name: /^Green:/ }).classList).toContain('unused');
    expect(within(nav).queryByRole('button', { name: /^Secret/ })).toBeNull();

    await fireEvent.input(within(nav).getByRole('searchbox', { name: 'Find a tag' }), {
      target: { value: 'for' },
    });
    expect(
      within(nav)
        .getAllByRole('button', { name: /accepted/ })
        .map(label),
    ).toEqual(['Forest']);
    await fireEvent.input(within(nav).getByRole('searchbox', { name: 'Find a tag' }), {
      target: { value: 'zebra' },
    });
    expect(within(nav).getByRole('status').textContent).toContain('No tag matches “zebra”');
    await fireEvent.input(within(nav).getByRole('searchbox', { name: 'Find a tag' }), {
      target: { value: '' },
    });

    const scenes = within(nav).getByRole('button', { name: /^Scenes/ });
    expect(scenes.getAttribute('aria-expanded')).toBe('true');
    await fireEvent.click(scenes);
    expect(scenes.getAttribute('aria-expanded')).toBe('false');
    expect(within(nav).queryByRole('button', { name: /^Beach:/ })).toBeNull();
    expect(within(nav).getByRole('button', { name: /^Blue:/ })).toBeTruthy();
  });

  it('says to tag the library before any run, and Tag library starts a job', async () => {
    const running: JobSnapshot = {
      id: 'job-1',
      kind: 'tag',
      label: 'library',
      state: 'running',
      progress: null,
      report: null,
      clips: null,
      error: null,
    };
    const fake = fakeTagging({});
    let runs = 0;
    installFakeBackend({
      ...fake.handlers,
      'tags:run': () => {
        runs += 1;
        return running;
      },
    });
    render(App);
    await openTags();
    expect((await screen.findByText('Tag your library to get suggestions.')).textContent).toBe(
      'Tag your library to get suggestions.',
    );
    const button = screen.getByRole('button', { name: 'Tag library' });
    expect(button).toHaveProperty('disabled', false);
    await fireEvent.click(button);
    await waitFor(() => expect(button).toHaveProperty('disabled', true));
    expect(runs).toBe(1);
    expect(screen.getByText(/Tagging is running/)).toBeTruthy();
  });
});

describe('the review queue', () => {
  it('lists the suggestions strongest first; `a` accepts and `r` rejects the focused photo', async () => {
    const fake = blueQueue();
    const { invoke } = installFakeBackend(fake.handlers);
    render(App);
    const grid = await openBlue();
    expect(names(grid)).toEqual(['sky.jpg', 'sea.jpg', 'jeans.jpg']);
    expect(fake.reviews[0]).toMatchObject({ tag: 'colours/blue', state: 'suggested', offset: 0 });
    expect(within(grid).getByRole('option', { name: 'sky.jpg' }).textContent).toContain('0.31');

    const sky = within(grid).getByRole('option', { name: 'sky.jpg' });
    sky.focus();
    await fireEvent.keyDown(sky, { key: 'ArrowRight' });
    await waitFor(() => expect(document.activeElement?.getAttribute('aria-label')).toBe('sea.jpg'));
    await fireEvent.keyDown(document.activeElement!, { key: 'a' });
    await waitFor(() => expect(names(grid)).toEqual(['sky.jpg', 'jeans.jpg']));
    expect(fake.decisions).toEqual([
      { paths: ['/photos/sea.jpg'], tag: 'colours/blue', state: 'accepted' },
    ]);
    // The counts are the backend's again, and the focus moved to the photo that took its place.
    await waitFor(() =>
      expect(screen.getByRole('button', { name: /^Blue:/ }).getAttribute('aria-label')).toBe(
        'Blue: 2 accepted, 2 suggested',
      ),
    );
    expect(screen.getByRole('tab', { name: /Accepted/ }).textContent).toMatch(/2/);
    await waitFor(() =>
      expect(document.activeElement?.getAttribute('aria-label')).toBe('jeans.jpg'),
    );

    await fireEvent.keyDown(document.activeElement!, { key: 'r' });
    await waitFor(() => expect(names(grid)).toEqual(['sky.jpg']));
    expect(fake.decisions[1]).toEqual({
      paths: ['/photos/jeans.jpg'],
      tag: 'colours/blue',
      state: 'rejected',
    });
    expect(invoke).toHaveBeenCalledWith('tags:list', {});
  });

  it('accepts a Shift+click range and rejects all with Ctrl+A, in one call each', async () => {
    const fake = blueQueue();
    installFakeBackend(fake.handlers);
    render(App);
    const grid = await openBlue();
    const accept = screen.getByRole('button', { name: 'Accept selected' });
    expect(accept).toHaveProperty('disabled', true);
    await fireEvent.click(within(grid).getByRole('option', { name: 'sky.jpg' }));
    await fireEvent.click(within(grid).getByRole('option', { name: 'sea.jpg' }), {
      shiftKey: true,
    });
    expect(
      within(grid)
        .getAllByRole('option', { selected: true })
        .map((o) => o.getAttribute('aria-label')),
    ).toEqual(['sky.jpg', 'sea.jpg']);
    expect(screen.getByText('2 selected')).toBeTruthy();
    await fireEvent.click(accept);
    await waitFor(() => expect(names(grid)).toEqual(['jeans.jpg']));
    expect(fake.decisions).toEqual([
      { paths: ['/photos/sky.jpg', '/photos/sea.jpg'], tag: 'colours/blue', state: 'accepted' },
    ]);

    const jeans = within(grid).getByRole('option', { name: 'jeans.jpg' });
    await fireEvent.keyDown(jeans, { key: 'a', ctrlKey: true });
    expect(jeans.getAttribute('aria-selected')).toBe('true');
    await fireEvent.click(screen.getByRole('button', { name: 'Reject selected' }));
    await waitFor(() => expect(screen.getByText('No suggestions left to review for this tag.')));
    expect(fake.decisions[1]).toEqual({
      paths: ['/photos/jeans.jpg'],
      tag: 'colours/blue',
      state: 'rejected',
    });
  });

  it('undoes a rejection from the Rejected tab', async () => {
    const fake = blueQueue();
    installFakeBackend(fake.handlers);
    render(App);
    await openBlue();
    const rejectedTab = screen.getByRole('tab', { name: /Rejected/ });
    await fireEvent.click(rejectedTab);
    expect(rejectedTab.getAttribute('aria-selected')).toBe('true');
    const grid = await screen.findByRole('listbox', { name: 'Rejected photos for Blue' });
    expect(names(grid)).toEqual(['car.jpg']);
    expect(fake.reviews.at(-1)).toMatchObject({ tag: 'colours/blue', state: 'rejected' });
    // Rejecting again means nothing here: only the way back is offered.
    expect(screen.queryByRole('button', { name: 'Reject selected' })).toBeNull();

    const car = within(grid).getByRole('option', { name: 'car.jpg' });
    car.focus();
    await fireEvent.keyDown(car, { key: 'r' });
    expect(fake.decisions).toEqual([]);
    await fireEvent.keyDown(car, { key: 'a' });
    await waitFor(() =>
      expect(
        screen.getByText('Nothing rejected. Rejected photos are never suggested this tag again.'),
      ),
    );
    expect(fake.decisions).toEqual([
      { paths: ['/photos/car.jpg'], tag: 'colours/blue', state: 'accepted' },
    ]);
    await fireEvent.click(screen.getByRole('tab', { name: /Accepted/ }));
    const accepted = await screen.findByRole('listbox', { name: 'Accepted photos for Blue' });
    await waitFor(() => expect(names(accepted).sort()).toEqual(['car.jpg', 'lake.jpg']));
  });

  it('keeps thousands of suggestions light: a bounded DOM, the next page loaded near the end', async () => {
    const many: Record<string, State> = {};
    for (let i = 0; i < 5000; i++)
      many[`/photos/p-${String(i).padStart(4, '0')}.jpg`] = 'suggested';
    const fake = fakeTagging({ 'colours/blue': many });
    for (let i = 0; i < 5000; i++) {
      const name = `p-${String(i).padStart(4, '0')}.jpg`;
      fake.photos.set(`/photos/${name}`, photo(name, 0.4 - i / 1e5));
    }
    installFakeBackend(fake.handlers);
    render(App);
    const grid = await openBlue();
    expect(fake.reviews).toEqual([
      { tag: 'colours/blue', state: 'suggested', limit: REVIEW_PAGE, offset: 0 },
    ]);
    const options = within(grid).getAllByRole('option');
    expect(options.length).toBeLessThan(100);
    expect(options[0]?.getAttribute('aria-setsize')).toBe(String(REVIEW_PAGE));
    options[0]?.focus();
    await fireEvent.keyDown(options[0]!, { key: 'End' });
    await waitFor(() =>
      expect(fake.reviews.at(-1)).toMatchObject({ offset: REVIEW_PAGE, limit: REVIEW_PAGE }),
    );
    await waitFor(() =>
      expect(within(grid).getAllByRole('option')[0]?.getAttribute('aria-setsize')).toBe(
        String(2 * REVIEW_PAGE),
      ),
    );
    expect(within(grid).getAllByRole('option').length).toBeLessThan(100);
  });

  it('shows a failed decision as a sentence and keeps the photo in the queue', async () => {
    const fake = blueQueue();
    installFakeBackend({
      ...fake.handlers,
      'tags:decide': () => {
        throw new Error('The library is busy; try again in a moment.');
      },
    });
    render(App);
    const grid = await openBlue();
    const sky = within(grid).getByRole('option', { name: 'sky.jpg' });
    sky.focus();
    await fireEvent.keyDown(sky, { key: 'a' });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The library is busy; try again in a moment.');
    expect(names(grid)).toEqual(['sky.jpg', 'sea.jpg', 'jeans.jpg']);
  });
});

function label(button: HTMLElement): string {
  return (button.getAttribute('aria-label') ?? '').split(':')[0] ?? '';
}

function names2(list: HTMLElement): string[] {
  return within(list).getAllByRole('button').map(label);
}
