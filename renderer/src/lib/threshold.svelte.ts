/**
 * @file The threshold slider's state (renderer): for a saved tag or a new phrase, the offset
 * over the calibrated threshold, what it would tag (`tags:preview`, asked again shortly after
 * the slider stops), and saving it (`tags:threshold`; a phrase is added first with
 * `tags:edit`). While the slider moves, the count comes from the last answer's histogram at
 * once, so dragging never waits on the engine.
 */
import type { TagCount, TagPreview } from '../../../electron/shared/types.js';
import { errorMessage, invoke } from './api.js';

/** The engine's bound on an offset (MAX_OFFSET in engine/tags/library-vocabulary.ts). */
export const MAX_OFFSET = 0.2;
/** Fine enough to move one photo across in a dense band of scores. */
export const OFFSET_STEP = 0.005;
/** How long the slider must rest before the engine is asked for the exact answer. */
export const PREVIEW_DELAY_MS = 150;
/** Photos shown on each side of the threshold. */
export const NEAR = 6;

export type ThresholdTarget =
  { kind: 'tag'; id: string; name: string } | { kind: 'phrase'; phrase: string; category: string };

/**
 * How many scored files reach `threshold`, read from the histogram: whole bins at or above
 * it, plus the share of the bin it falls in (scores taken as spread evenly inside a bin).
 */
export function countFromHistogram(histogram: TagPreview['histogram'], threshold: number): number {
  const { min, max, counts } = histogram;
  if (counts.length === 0) return 0;
  const width = (max - min) / counts.length;
  if (!(width > 0)) return threshold <= min ? counts.reduce((a, b) => a + b, 0) : 0;
  let sum = 0;
  counts.forEach((count, bin) => {
    const low = min + bin * width;
    const high = low + width;
    if (low >= threshold) sum += count;
    else if (high > threshold) sum += (count * (high - threshold)) / width;
  });
  return Math.round(sum);
}

/** An offset as a person reads it: signed, three decimals, 0 without a sign. */
export function formatOffset(offset: number): string {
  const rounded = Math.round(offset * 1000) / 1000;
  if (rounded === 0) return '0.000';
  return `${rounded > 0 ? '+' : '−'}${Math.abs(rounded).toFixed(3)}`;
}

/** Clamps to the engine's range and to the slider's steps (no 0.30000000000000004). */
export function clampOffset(offset: number): number {
  const stepped = Math.round(offset / OFFSET_STEP) * OFFSET_STEP;
  return Math.round(Math.min(MAX_OFFSET, Math.max(-MAX_OFFSET, stepped)) * 1000) / 1000;
}

export class ThresholdState {
  target = $state.raw<ThresholdTarget>({ kind: 'phrase', phrase: '', category: 'Custom' });
  offset = $state(0);
  /** The offset the tag has saved (0 for a phrase): Save is offered only for a change. */
  saved = $state(0);
  /** The last exact answer; its histogram serves the count while the slider moves. */
  preview = $state.raw<TagPreview | null>(null);
  loading = $state(false);
  saving = $state(false);
  error = $state<string | null>(null);

  /** The count shown: exact when the answer is for this offset, else from the histogram. */
  count = $derived.by(() => {
    const preview = this.preview;
    if (!preview) return null;
    if (Math.abs(preview.offset - this.offset) < 1e-9) return preview.count;
    return countFromHistogram(preview.histogram, preview.calibrated + this.offset);
  });
  /** Whether `count` is the engine's answer for the offset shown (not the estimate). */
  exact = $derived(this.preview !== null && Math.abs(this.preview.offset - this.offset) < 1e-9);
  dirty = $derived(
    this.target.kind === 'phrase'
      ? this.target.phrase.trim() !== ''
      : Math.abs(this.offset - this.saved) > 1e-9,
  );

  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped by every request, so an answer that arrives after a newer one is dropped. */
  #generation = 0;

  /** Starts over on a saved tag at its saved offset, and asks what it tags now. */
  forTag(tag: TagCount): Promise<void> {
    this.target = { kind: 'tag', id: tag.id, name: tag.name };
    this.offset = tag.offset;
    this.saved = tag.offset;
    this.preview = null;
    this.error = null;
    return this.refresh();
  }

  /** Starts over on a new phrase (nothing asked until it has words). */
  forPhrase(category = 'Custom'): void {
    this.cancel();
    this.target = { kind: 'phrase', phrase: '', category };
    this.offset = 0;
    this.saved = 0;
    this.preview = null;
    this.error = null;
  }

  /** A new phrase or category: the old answer no longer applies. */
  setPhrase(phrase: string, category: string): void {
    if (this.target.kind !== 'phrase') return;
    const changed = phrase.trim() !== this.target.phrase.trim();
    this.target = { kind: 'phrase', phrase, category };
    if (!changed) return;
    this.preview = null;
    this.schedule();
  }

  /** The slider moved: the count follows at once, the exact answer a moment later. */
  setOffset(offset: number): void {
    this.offset = clampOffset(offset);
    this.schedule();
  }

  reset(): void {
    this.setOffset(0);
  }

  schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.refresh(), PREVIEW_DELAY_MS);
  }

  cancel(): void {
    clearTimeout(this.#timer);
    this.#generation += 1;
    this.loading = false;
  }

  async refresh(): Promise<void> {
    clearTimeout(this.#timer);
    const target = this.target;
    const subject =
      target.kind === 'tag' ? { tag: target.id } : { phrase: target.phrase.trim() || undefined };
    if (!subject.tag && !subject.phrase) return;
    const generation = ++this.#generation;
    this.loading = true;
    try {
      const preview = await invoke('tags:preview', { ...subject, offset: this.offset, near: NEAR });
      if (generation !== this.#generation) return;
      this.preview = preview;
      this.error = null;
    } catch (error) {
      if (generation === this.#generation) this.error = errorMessage(error);
    } finally {
      if (generation === this.#generation) this.loading = false;
    }
  }

  /**
   * Saves: a tag's offset, or a phrase as a new tag (with its offset when not 0). Returns
   * the vocabulary the engine answered and the saved tag's id, or null when it failed.
   */
  async save(): Promise<{ tags: TagCount[]; id: string } | null> {
    const target = this.target;
    const offset = this.offset;
    this.saving = true;
    try {
      let id: string;
      let tags: TagCount[];
      if (target.kind === 'tag') {
        id = target.id;
        tags = await invoke('tags:threshold', { tag: id, offset });
      } else {
        const name = target.phrase.trim();
        const category = target.category.trim() || 'Custom';
        const before = await invoke('tags:edit', { edit: { op: 'add', name, category } });
        const added = findAdded(before, name, category);
        if (!added) throw new Error(`The engine did not list the new tag “${name}”.`);
        id = added.id;
        tags = offset === 0 ? before : await invoke('tags:threshold', { tag: id, offset });
      }
      this.saved = offset;
      this.error = null;
      return { tags, id };
    } catch (error) {
      this.error = errorMessage(error);
      return null;
    } finally {
      this.saving = false;
    }
  }
}

/** The custom tag just added: by its name and category, any case. */
function findAdded(tags: TagCount[], name: string, category: string): TagCount | undefined {
  const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();
  return (
    tags.find(
      (tag) => tag.origin === 'custom' && same(tag.name, name) && same(tag.category, category),
    ) ?? tags.find((tag) => tag.origin === 'custom' && same(tag.name, name))
  );
}
