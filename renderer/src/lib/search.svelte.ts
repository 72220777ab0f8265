/**
 * @file Search state (renderer): the query, filters and sort a person has chosen, and the
 * results of the latest search. Typing is debounced; changing a filter searches at once;
 * an answer that arrives after a newer search started is dropped, so results never jump
 * back to an older query.
 */
import type { ChannelInput } from '../../../electron/shared/contract.js';
import type {
  MonthCount,
  SearchResult,
  SortOrder,
  TagFacet,
} from '../../../electron/shared/types.js';
import { errorMessage, invoke } from './api.js';
import { dateInputToMs } from './format.js';

export type KindFilter = 'all' | 'image' | 'video';

/** Typing pauses longer than this search; shorter ones are still typing. */
export const SEARCH_DEBOUNCE_MS = 250;

/**
 * How many results one search asks for. The engine's relevance cut-off usually returns
 * far fewer; this bounds the answer (~150 bytes a result) while the grid stays smooth
 * at the contract's maximum of 100 000.
 */
export const RESULT_LIMIT = 5000;

/**
 * Rows per `library:browse` call. The engine sorts the whole listing per call (~0.6 s at
 * 100 000 files on a loaded 2-core machine), so pages are large and loaded only when their
 * tiles come near the screen.
 */
export const LIBRARY_PAGE = 2000;

// In UTC on both sides: the month is already the person's, only its name is formatted here.
const monthFormat = new Intl.DateTimeFormat(undefined, {
  month: 'long',
  year: 'numeric',
  timeZone: 'UTC',
});

/** "May 2024" for the engine's `2024-05`. */
export function formatMonth(month: string): string {
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  if (!match) return month;
  return monthFormat.format(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1));
}

export class SearchState {
  query = $state('');
  kind = $state<KindFilter>('all');
  /** A library root, or '' for every folder. */
  folder = $state('');
  /** `<input type="date">` values, '' when unset. */
  from = $state('');
  to = $state('');
  sort = $state<SortOrder>('relevance');
  /** Ask for every match up to the limit, not only those above the relevance cut-off. */
  allMatches = $state(false);
  /** Set while showing files similar to this one instead of a typed query. */
  similarTo = $state<string | null>(null);

  /** Raw: 100 000 results must not become 100 000 deep proxies. */
  results = $state.raw<SearchResult[]>([]);
  /** Weaker matches the relevance cut-off left out of `results` (0 with allMatches). */
  hidden = $state(0);
  /** The tags the results carry, with counts (the engine's facets; none for "similar"). */
  facets = $state.raw<TagFacet[]>([]);
  loading = $state(false);
  error = $state<string | null>(null);
  /** Whether `results` answers the current query (false while nothing was searched yet). */
  searched = $state(false);

  /**
   * The library without a query, newest first: as long as the whole listing, with holes
   * where a page is not loaded yet. Raw, like `results`.
   */
  library = $state.raw<(SearchResult | undefined)[]>([]);
  /** The listing's months, newest first, with how many files each holds. */
  months = $state.raw<MonthCount[]>([]);
  /** Whether `library` answers the current filters (false before the first listing). */
  browsed = $state(false);
  libraryError = $state<string | null>(null);

  active = $derived(this.similarTo !== null || this.query.trim().length > 0);

  #sequence = 0;
  #browseSequence = 0;
  /** Pages of the current listing already asked for (loaded or on their way); not shown, so not reactive. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping nothing renders
  #pagesAsked = new Set<number>();
  #timer: ReturnType<typeof setTimeout> | null = null;
  readonly #debounceMs: number;

  constructor(debounceMs = SEARCH_DEBOUNCE_MS) {
    this.#debounceMs = debounceMs;
  }

  /** The person typed: search once they pause. */
  setQuery(text: string): void {
    this.query = text;
    this.similarTo = null;
    this.#schedule();
  }

  /** A filter or the sort changed: search now, with the same query. */
  setFilters(
    change: Partial<Pick<SearchState, 'kind' | 'folder' | 'from' | 'to' | 'sort' | 'allMatches'>>,
  ): void {
    Object.assign(this, change);
    void this.run();
  }

  findSimilar(path: string): void {
    this.similarTo = path;
    this.query = '';
    void this.run();
  }

  /** Narrow the search to a tag: `tag:<id>` joins the query (once), and it runs now. */
  addTag(tag: string): void {
    const term = `tag:${tag}`;
    if (this.query.split(/\s+/).includes(term)) return;
    this.query = `${this.query.trim()} ${term}`.trim();
    this.similarTo = null;
    void this.run();
  }

  /** Search by an example image through the query algebra, so words can be added to it. */
  searchByImage(path: string): void {
    this.setQuery(`"${path}"`);
  }

  clear(): void {
    this.query = '';
    this.similarTo = null;
    this.#cancelTimer();
    this.#sequence += 1;
    this.results = [];
    this.hidden = 0;
    this.facets = [];
    this.error = null;
    this.loading = false;
    this.searched = false;
    void this.browse();
  }

  /** Run the current search now; results of any earlier, slower search are ignored. */
  async run(): Promise<void> {
    this.#cancelTimer();
    const sequence = ++this.#sequence;
    const query = this.query.trim();
    if (!this.similarTo && !query) {
      this.results = [];
      this.hidden = 0;
      this.error = null;
      this.loading = false;
      this.searched = false;
      await this.browse();
      return;
    }
    this.loading = true;
    try {
      const answer = this.similarTo
        ? await invoke('search:similar', { ...this.#filters(), path: this.similarTo })
        : await invoke('search:query', {
            ...this.#filters(),
            query,
            ...(this.allMatches ? { noCutoff: true } : {}),
          });
      if (sequence !== this.#sequence) return;
      this.results = answer.results;
      this.hidden = answer.hidden;
      this.facets = answer.facets ?? [];
      this.error = null;
    } catch (error) {
      if (sequence !== this.#sequence) return;
      this.results = [];
      this.hidden = 0;
      this.facets = [];
      this.error = errorMessage(error);
    }
    this.loading = false;
    this.searched = true;
  }

  /** List the library with the current filters from its first page (no query needed). */
  async browse(): Promise<void> {
    const sequence = ++this.#browseSequence;
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping nothing renders
    this.#pagesAsked = new Set([0]);
    try {
      const page = await invoke('library:browse', {
        ...this.#filterFields(),
        offset: 0,
        limit: LIBRARY_PAGE,
      });
      if (sequence !== this.#browseSequence) return;
      const items = new Array<SearchResult | undefined>(page.total);
      page.items.forEach((item, i) => (items[i] = item));
      this.library = items;
      this.months = page.months;
      this.libraryError = null;
    } catch (error) {
      if (sequence !== this.#browseSequence) return;
      this.library = [];
      this.months = [];
      this.libraryError = errorMessage(error);
    }
    this.browsed = true;
  }

  /** Tiles `start` to `end` came near the screen: load the pages holding them, once each. */
  showRange(start: number, end: number): void {
    for (let page = Math.floor(start / LIBRARY_PAGE); page * LIBRARY_PAGE < end; page++) {
      if (this.#pagesAsked.has(page)) continue;
      this.#pagesAsked.add(page);
      void this.#loadPage(page, this.#browseSequence);
    }
  }

  async #loadPage(page: number, sequence: number): Promise<void> {
    try {
      const answer = await invoke('library:browse', {
        ...this.#filterFields(),
        offset: page * LIBRARY_PAGE,
        limit: LIBRARY_PAGE,
      });
      if (sequence !== this.#browseSequence) return;
      // The library changed between pages (files added or removed): list it afresh.
      if (answer.total !== this.library.length) return void this.browse();
      const items = this.library.slice();
      answer.items.forEach((item, i) => (items[page * LIBRARY_PAGE + i] = item));
      this.library = items;
    } catch {
      // Asked again when its tiles next come into view.
      if (sequence === this.#browseSequence) this.#pagesAsked.delete(page);
    }
  }

  /** The filters as the contract takes them: absent keys, never `undefined` values. */
  #filters(): Omit<ChannelInput<'search:query'>, 'query'> {
    return { limit: RESULT_LIMIT, sort: this.sort, ...this.#filterFields() };
  }

  #filterFields(): Omit<ChannelInput<'library:browse'>, 'offset' | 'limit'> {
    const from = dateInputToMs(this.from, 'start');
    const to = dateInputToMs(this.to, 'end');
    return {
      ...(this.kind !== 'all' ? { kind: this.kind } : {}),
      ...(this.folder ? { folder: this.folder } : {}),
      ...(from !== null ? { from } : {}),
      ...(to !== null ? { to } : {}),
    };
  }

  #schedule(): void {
    this.#cancelTimer();
    this.#timer = setTimeout(() => void this.run(), this.#debounceMs);
  }

  #cancelTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
