/**
 * @file The Tags view's threshold slider and vocabulary edits against a fake engine: a tag's
 * scores are a fixed list (f-20 … f-39 scoring 0.20 … 0.39, calibrated at 0.30), so every
 * position of the slider has one right count and one right pair of "just make it" / "just
 * miss" rows. Checked: the count follows the slider at once (from the histogram, before the
 * engine answers) and exactly once it answers; Save sends the offset; a new phrase is added
 * with tags:edit and its offset saved; rename, hide/show and merge send their edits and the
 * list becomes the answer; keyword tags offer no edits; failures show as alerts.
 */
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import type { ChannelInput } from '../../electron/shared/contract.js';
import type { TagCount, TagPreview, TagPreviewFile } from '../../electron/shared/types.js';
import App from '../../renderer/src/App.svelte';
import { countFromHistogram, formatOffset } from '../../renderer/src/lib/threshold.svelte.js';
import { installFakeBackend } from './fake-backend.js';

/** Scores 0.20 … 0.39, one file each; the names say the score. */
const SCORES = Array.from({ length: 20 }, (_, i) => ({
  path: `/photos/f-${20 + i}.jpg`,
  score: (20 + i) / 100,
}));
const CALIBRATED = 0.3;
const WAIT = { timeout: 3000 };
// Several debounced round trips per test; generous on a loaded machine.
vi.setConfig({ testTimeout: 20_000 });

function tag(id: string, name: string, category: string, more: Partial<TagCount> = {}): TagCount {
  return {
    id,
    name,
    category,
    hidden: false,
    origin: 'vocabulary',
    offset: 0,
    accepted: 0,
    suggested: 2,
    rejected: 0,
    ...more,
  };
}

/** A fake engine: the vocabulary it edits, the previews it answers and every call it took. */
function fakeEngine() {
  let tags: TagCount[] = [
    tag('colours/red', 'Red', 'Colours'),
    tag('colours/blue', 'Blue', 'Colours'),
    tag('colours/green', 'Green', 'Colours'),
    tag('keyword/holiday', 'holiday', 'Keywords', { origin: 'keyword' }),
    tag('scenes/secret', 'Secret', 'Scenes', { hidden: true }),
  ];
  const previews: ChannelInput<'tags:preview'>[] = [];
  const thresholds: ChannelInput<'tags:threshold'>[] = [];
  const edits: ChannelInput<'tags:edit'>['edit'][] = [];
  /** While set, previews wait for `release`: what the view shows meanwhile is its own. */
  let held: (() => void)[] | null = null;

  function preview(input: ChannelInput<'tags:preview'>): TagPreview {
    const saved = tags.find((t) => t.id === input.tag);
    const offset = input.offset ?? saved?.offset ?? 0;
    const threshold = CALIBRATED + offset;
    const file = ({ path, score }: (typeof SCORES)[number]): TagPreviewFile => ({
      path,
      score,
      kind: 'image',
      thumbnail: `/cache${path}.webp`,
    });
    const passing = SCORES.filter((s) => s.score >= threshold - 1e-9);
    const missing = SCORES.filter((s) => s.score < threshold - 1e-9).reverse();
    return {
      tag: saved ? { id: saved.id, name: saved.name, category: saved.category } : null,
      calibrated: CALIBRATED,
      offset,
      threshold,
      total: SCORES.length,
      count: passing.length,
      histogram: { min: 0.2, max: 0.4, counts: SCORES.map(() => 1) },
      justIn: passing.slice(0, input.near ?? 5).map(file),
      justMiss: missing.slice(0, input.near ?? 5).map(file),
    };
  }

  const handlers = {
    'tags:list': () => tags,
    'tags:review': (input: ChannelInput<'tags:review'>) => {
      const t = tags.find((x) => x.id === input.tag)!;
      return { tag: { id: t.id, name: t.name, category: t.category }, items: [], total: 0 };
    },
    'tags:preview': async (input: ChannelInput<'tags:preview'>) => {
      previews.push(input);
      if (held) await new Promise<void>((resolve) => held!.push(resolve));
      return preview(input);
    },
    'tags:threshold': (input: ChannelInput<'tags:threshold'>) => {
      thresholds.push(input);
      tags = tags.map((t) => (t.id === input.tag ? { ...t, offset: input.offset } : t));
      return tags;
    },
    'tags:edit': ({ edit }: ChannelInput<'tags:edit'>) => {
      edits.push(edit);
      if (edit.op === 'add')
        tags = [
          ...tags,
          tag(`custom/${edit.name.replace(/\s+/g, '-')}`, edit.name, edit.category, {
            origin: 'custom',
          }),
        ];
      if (edit.op === 'rename')
        tags = tags.map((t) => (t.id === edit.id ? { ...t, name: edit.name } : t));
      if (edit.op === 'hide')
        tags = tags.map((t) => (t.id === edit.id ? { ...t, hidden: edit.hidden } : t));
      if (edit.op === 'merge') tags = tags.filter((t) => t.id !== edit.from);
      return tags;
    },
  };
  return {
    handlers,
    previews,
    thresholds,
    edits,
    hold: () => (held = []),
    release: () => {
      const waiting = held ?? [];
      held = null;
      for (const resolve of waiting) resolve();
    },
  };
}

async function openTag(name: string) {
  await fireEvent.click(await screen.findByRole('button', { name: 'Tags' }));
  const nav = await screen.findByRole('navigation', { name: 'Tags' });
  await fireEvent.click(await within(nav).findByRole('button', { name: new RegExp(`^${name}:`) }));
  return nav;
}

/** The panel's live count (the App has other status regions). */
const countText = () =>
  screen
    .getAllByRole('status')
    .map((status) => status.textContent?.trim() ?? '')
    .find((text) => text.startsWith('Would tag')) ?? '';
const row = (title: string) =>
  within(screen.getByRole('list', { name: title }))
    .getAllByRole('listitem')
    .map((item) => item.getAttribute('aria-label')?.split(',')[0]);

describe('the count from the histogram', () => {
  it('counts whole bins above the threshold and the share of the bin it cuts', () => {
    const histogram = { min: 0, max: 1, counts: [4, 4, 4, 4] };
    expect(countFromHistogram(histogram, 0.5)).toBe(8);
    expect(countFromHistogram(histogram, 0.625)).toBe(6);
    expect(countFromHistogram(histogram, -1)).toBe(16);
    expect(countFromHistogram(histogram, 2)).toBe(0);
    expect(formatOffset(0.01)).toBe('+0.010');
    expect(formatOffset(-0.2)).toBe('−0.200');
  });
});

describe('the threshold slider of a tag', () => {
  it('moves with the arrow keys: the count follows at once, then the engine’s photos; Save sends the offset', async () => {
    const engine = fakeEngine();
    installFakeBackend(engine.handlers);
    render(App);
    await openTag('Blue');
    const toggle = await screen.findByRole('button', { name: 'Threshold' });
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    await fireEvent.click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');

    const slider = await screen.findByRole('slider', { name: 'Threshold offset' });
    expect(slider.getAttribute('aria-valuetext')).toBe('calibrated');
    await waitFor(() => expect(countText()).toMatch(/Would tag 10 of 20 photos$/), WAIT);
    expect(engine.previews[0]).toMatchObject({ tag: 'colours/blue', offset: 0 });
    expect(row('Just make it').slice(0, 2)).toEqual(['f-30.jpg', 'f-31.jpg']);
    expect(row('Just miss').slice(0, 2)).toEqual(['f-29.jpg', 'f-28.jpg']);
    expect(screen.getByRole('button', { name: 'Save threshold' })).toHaveProperty('disabled', true);

    // Stricter by two steps: the count is the histogram's before the engine answers.
    engine.hold();
    await fireEvent.keyDown(slider, { key: 'ArrowRight' });
    await fireEvent.keyDown(slider, { key: 'ArrowRight' });
    expect(slider.getAttribute('aria-valuetext')).toBe('+0.010 over calibrated, stricter');
    expect(countText()).toMatch(/Would tag 9 of 20 photos \(estimate\)/);
    await waitFor(() => expect(engine.previews.at(-1)?.offset).toBe(0.01), WAIT);
    engine.release();
    await waitFor(() => expect(countText()).toMatch(/Would tag 9 of 20 photos$/), WAIT);
    expect(row('Just make it')[0]).toBe('f-31.jpg');
    expect(row('Just miss')[0]).toBe('f-30.jpg');

    // Looser: Home goes to the far end; PageUp steps four at a time.
    await fireEvent.keyDown(slider, { key: 'Home' });
    await fireEvent.keyDown(slider, { key: 'PageUp' });
    expect(slider.getAttribute('aria-valuetext')).toBe('−0.180 over calibrated, looser');
    await waitFor(() => expect(countText()).toMatch(/Would tag 20 of 20 photos$/), WAIT);
    expect(screen.getByText('Every photo does.')).toBeTruthy();

    await fireEvent.click(screen.getByRole('button', { name: 'Reset to calibrated' }));
    expect(slider.getAttribute('aria-valuetext')).toBe('calibrated');
    await fireEvent.keyDown(slider, { key: 'ArrowUp' });
    await fireEvent.keyDown(slider, { key: 'ArrowUp' });
    await waitFor(() => expect(countText()).toMatch(/Would tag 9 of 20 photos$/), WAIT);
    await fireEvent.click(screen.getByRole('button', { name: 'Save threshold' }));
    await waitFor(() => expect(engine.thresholds).toEqual([{ tag: 'colours/blue', offset: 0.01 }]));
    // The list is the engine's answer: Blue now carries its offset.
    await waitFor(() =>
      expect(screen.getByRole('button', { name: /^Blue:/ }).getAttribute('aria-label')).toBe(
        'Blue: 0 accepted, 2 suggested, threshold +0.010',
      ),
    );
    expect(screen.getByRole('button', { name: 'Threshold (+0.010)' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Save threshold' })).toHaveProperty('disabled', true);
  });

  it('shows what the engine says when it cannot preview', async () => {
    const engine = fakeEngine();
    installFakeBackend({
      ...engine.handlers,
      'tags:preview': () => {
        throw new Error('The threshold slider is not available in this build.');
      },
    });
    render(App);
    await openTag('Blue');
    await fireEvent.click(await screen.findByRole('button', { name: 'Threshold' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The threshold slider is not available in this build.');
  });

  it('keeps the offset unsaved and says why when the engine refuses it', async () => {
    const engine = fakeEngine();
    installFakeBackend({
      ...engine.handlers,
      'tags:threshold': () => {
        throw new Error('The library is busy; try again in a moment.');
      },
    });
    render(App);
    await openTag('Blue');
    await fireEvent.click(await screen.findByRole('button', { name: 'Threshold' }));
    const slider = await screen.findByRole('slider', { name: 'Threshold offset' });
    await fireEvent.keyDown(slider, { key: 'End' });
    await fireEvent.click(screen.getByRole('button', { name: 'Save threshold' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The library is busy; try again in a moment.');
    expect(screen.getByRole('button', { name: 'Save threshold' })).toHaveProperty(
      'disabled',
      false,
    );
    expect(screen.getByRole('button', { name: /^Blue:/ }).getAttribute('aria-label')).toBe(
      'Blue: 0 accepted, 2 suggested',
    );
  });

  it('offers no threshold and no edits on a keyword tag', async () => {
    installFakeBackend(fakeEngine().handlers);
    render(App);
    await openTag('holiday');
    await screen.findByRole('heading', { name: /holiday/ });
    expect(screen.queryByRole('button', { name: 'Threshold' })).toBeNull();
    expect(screen.queryByRole('group', { name: /^Edit/ })).toBeNull();
  });
});

describe('a new tag from a phrase', () => {
  it('previews the phrase, then adds it with tags:edit and saves its offset', async () => {
    const engine = fakeEngine();
    installFakeBackend(engine.handlers);
    render(App);
    await fireEvent.click(await screen.findByRole('button', { name: 'Tags' }));
    await fireEvent.click(await screen.findByRole('button', { name: 'New tag…' }));
    expect(screen.getByRole('button', { name: 'Add tag' })).toHaveProperty('disabled', true);
    expect(screen.getByRole('textbox', { name: 'Category' })).toHaveProperty('value', 'Custom');
    await fireEvent.input(screen.getByRole('textbox', { name: 'Phrase' }), {
      target: { value: 'birthday cake' },
    });
    await waitFor(() => expect(countText()).toMatch(/Would tag 10 of 20 photos$/), WAIT);
    expect(engine.previews.at(-1)).toMatchObject({ phrase: 'birthday cake', offset: 0 });

    const slider = screen.getByRole('slider', { name: 'Threshold offset' });
    await fireEvent.keyDown(slider, { key: 'ArrowLeft' });
    await fireEvent.keyDown(slider, { key: 'ArrowDown' });
    await waitFor(() => expect(countText()).toMatch(/Would tag 11 of 20 photos$/), WAIT);
    expect(row('Just make it')[0]).toBe('f-29.jpg');

    await fireEvent.click(screen.getByRole('button', { name: 'Add tag' }));
    await waitFor(() =>
      expect(engine.thresholds).toEqual([{ tag: 'custom/birthday-cake', offset: -0.01 }]),
    );
    expect(engine.edits).toEqual([{ op: 'add', name: 'birthday cake', category: 'Custom' }]);
    // The new tag is listed, marked as the person's own, and its review opens.
    const added = await screen.findByRole('button', { name: /^birthday cake:/ });
    expect(added.getAttribute('aria-label')).toBe(
      'birthday cake: 0 accepted, 2 suggested, your own tag, threshold −0.010',
    );
    expect(added.getAttribute('aria-current')).toBe('true');
    expect(screen.queryByRole('slider')).toBeNull();
  });
});

describe('editing the vocabulary', () => {
  it('renames with Enter, hides and shows again, and merges, each as one tags:edit', async () => {
    const engine = fakeEngine();
    installFakeBackend(engine.handlers);
    render(App);
    const nav = await openTag('Red');
    const editor = await within(nav).findByRole('group', { name: 'Edit Red' });
    await fireEvent.click(within(editor).getByRole('button', { name: 'Rename' }));
    const field = within(nav).getByRole('textbox', { name: 'New name for Red' });
    await waitFor(() => expect(document.activeElement).toBe(field));
    await fireEvent.input(field, { target: { value: 'Crimson' } });
    await fireEvent.keyDown(field, { key: 'Enter' });
    await within(nav).findByRole('button', { name: /^Crimson:/ });
    expect(engine.edits).toEqual([{ op: 'rename', id: 'colours/red', name: 'Crimson' }]);

    // Escape leaves the name as it was and sends nothing.
    await fireEvent.click(within(nav).getByRole('button', { name: 'Rename' }));
    const again = within(nav).getByRole('textbox', { name: 'New name for Crimson' });
    await fireEvent.input(again, { target: { value: 'Scarlet' } });
    await fireEvent.keyDown(again, { key: 'Escape' });
    expect(within(nav).queryByRole('textbox')).toBeNull();
    expect(engine.edits).toHaveLength(1);

    await fireEvent.click(within(nav).getByRole('button', { name: 'Hide' }));
    await waitFor(() =>
      expect(within(nav).queryByRole('button', { name: /^Crimson:/ })).toBeNull(),
    );
    expect(engine.edits[1]).toEqual({ op: 'hide', id: 'colours/red', hidden: true });
    const hidden = within(nav).getByRole('button', { name: /^Hidden/ });
    expect(hidden.getAttribute('aria-expanded')).toBe('false');
    await fireEvent.click(hidden);
    const hiddenList = within(nav).getByRole('list', { name: 'Hidden tags' });
    expect(
      within(hiddenList)
        .getAllByRole('listitem')
        .map((li) => li.textContent?.trim()),
    ).toEqual([expect.stringMatching(/^Crimson/), expect.stringMatching(/^Secret/)]);
    await fireEvent.click(within(hiddenList).getByRole('button', { name: 'Show Crimson again' }));
    await within(nav).findByRole('button', { name: /^Crimson:/ });
    expect(engine.edits[2]).toEqual({ op: 'hide', id: 'colours/red', hidden: false });

    await fireEvent.click(within(nav).getByRole('button', { name: /^Green:/ }));
    const green = await within(nav).findByRole('group', { name: 'Edit Green' });
    await fireEvent.click(within(green).getByRole('button', { name: 'Merge into…' }));
    const into = within(nav).getByRole('combobox', { name: 'Merge Green into' });
    // Only the vocabulary's and the person's own visible tags: not a keyword, not Green itself.
    expect(
      within(into)
        .getAllByRole('option')
        .map((o) => o.textContent),
    ).toEqual(['Merge into…', 'Colours › Blue', 'Colours › Crimson']);
    await fireEvent.change(into, { target: { value: 'colours/blue' } });
    await fireEvent.click(within(nav).getByRole('button', { name: 'Merge' }));
    await waitFor(() => expect(within(nav).queryByRole('button', { name: /^Green:/ })).toBeNull());
    expect(engine.edits[3]).toEqual({ op: 'merge', from: 'colours/green', into: 'colours/blue' });
    // The review follows Green's files into Blue.
    await waitFor(() =>
      expect(
        within(nav)
          .getByRole('button', { name: /^Blue:/ })
          .getAttribute('aria-current'),
      ).toBe('true'),
    );
  });
});
