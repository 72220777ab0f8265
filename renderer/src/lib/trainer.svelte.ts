/**
 * @file The learned-tag trainer's state (renderer): a name, a search whose results are the
 * photos to pick from (`search:query`, or `library:browse` with no words), the person's
 * marks on them (example or counter-example), and the `tags:learn` call with its answer.
 * Marks are kept by path across searches, so examples can be gathered from several.
 */
import { SvelteMap } from 'svelte/reactivity';
import type { LearnedTagAnswer, SearchResult } from '../../../electron/shared/types.js';
import { errorMessage, invoke } from './api.js';

export type Mark = 'example' | 'negative';

/** The engine's least number of examples (contract `tags:learn`: examples min 3). */
export const MIN_EXAMPLES = 3;
/** Enough photos to pick from; a person narrows with words rather than scrolling far. */
export const TRAINER_PAGE = 500;

/** A click cycles: unmarked → example → counter-example → unmarked. */
export function nextMark(mark: Mark | undefined): Mark | undefined {
  if (mark === undefined) return 'example';
  if (mark === 'example') return 'negative';
  return undefined;
}

export class TrainerState {
  name = $state('');
  query = $state('');
  results = $state.raw<SearchResult[]>([]);
  readonly marks = new SvelteMap<string, Mark>();
  searching = $state(false);
  learning = $state(false);
  error = $state<string | null>(null);
  /** The last learn's answer; cleared when the marks change (it no longer describes them). */
  answer = $state.raw<LearnedTagAnswer | null>(null);

  /** The photos the last learn suggests the tag on, shown in the grid so wrong ones get marked. */
  suggested = $derived(
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- rebuilt whole, never mutated
    new Set(this.answer?.suggested.map((file) => file.path) ?? []),
  );

  examples = $derived([...this.marks].filter(([, mark]) => mark === 'example').map(([p]) => p));
  negatives = $derived([...this.marks].filter(([, mark]) => mark === 'negative').map(([p]) => p));

  /** Why "Learn" cannot run yet, in words for the person; null when it can. */
  blocked = $derived.by(() => {
    const missing = MIN_EXAMPLES - this.examples.length;
    if (missing > 0)
      return `Mark ${missing} more example${missing === 1 ? '' : 's'} (at least ${MIN_EXAMPLES}) to learn.`;
    if (this.name.trim() === '') return 'Give the tag a name to learn.';
    if (this.learning) return 'Learning…';
    return null;
  });

  /** Bumped per search, so an answer that comes late is dropped. */
  #generation = 0;

  /** The photos matching the words, or the library newest first when there are none. */
  async search(): Promise<void> {
    const generation = ++this.#generation;
    const query = this.query.trim();
    this.searching = true;
    try {
      const items =
        query === ''
          ? (await invoke('library:browse', { offset: 0, limit: TRAINER_PAGE })).items
          : (await invoke('search:query', { query, limit: TRAINER_PAGE })).results;
      if (generation !== this.#generation) return;
      this.results = items;
      this.error = null;
    } catch (error) {
      if (generation === this.#generation) this.error = errorMessage(error);
    } finally {
      if (generation === this.#generation) this.searching = false;
    }
  }

  mark(path: string): Mark | undefined {
    return this.marks.get(path);
  }

  /** Sets `path`'s mark; `undefined` unmarks it. */
  setMark(path: string, mark: Mark | undefined): void {
    if (mark === undefined) this.marks.delete(path);
    else this.marks.set(path, mark);
    this.answer = null;
  }

  cycle(path: string): void {
    this.setMark(path, nextMark(this.marks.get(path)));
  }

  /** E and N: a second press of the same key unmarks. */
  toggle(path: string, mark: Mark): void {
    this.setMark(path, this.marks.get(path) === mark ? undefined : mark);
  }

  clearMarks(): void {
    this.marks.clear();
    this.answer = null;
  }

  /** Learns the tag from the marks; the answer says how many photos it now suggests. */
  async learn(): Promise<LearnedTagAnswer | null> {
    if (this.blocked) return null;
    this.learning = true;
    try {
      const negatives = this.negatives;
      this.answer = await invoke('tags:learn', {
        name: this.name.trim(),
        examples: this.examples,
        ...(negatives.length > 0 ? { negatives } : {}),
      });
      this.error = null;
      return this.answer;
    } catch (error) {
      this.error = errorMessage(error);
      return null;
    } finally {
      this.learning = false;
    }
  }
}
