/**
 * @file The `tags` table: which tag each file carries, in which state (suggested,
 * accepted, rejected) and from where (the auto-tagger, the person, a learned tag, the
 * file's own keywords). Runs in the engine worker (plain Node).
 *
 * [Note: tags follow the file's content, not its path or model]
 * One `tags` table per library, not one per model ([Note: one set of tables per model] in
 * meta.ts): a tag the person rejected must stay rejected after a model change (issue 10),
 * and accepted tags are the person's work. Rows are keyed by `key` = `<content hash>|<tag>`,
 * the SHA-256 of the file's bytes that media rows carry in `hash`, so a file moved or
 * renamed (a new media id) keeps its tags, and identical copies share them. A file whose
 * bytes change (an edit) starts again untagged. Writes are mergeInserts on `key`, so
 * writing the same rows again after a crash replaces rather than duplicates them
 * ([Note: store writes are atomic and idempotent] in library-store.ts).
 *
 * [Note: what a suggestion may change]
 * A decision the person made is never undone by a run. `suggest` leaves a rejected row as it
 * is, whatever the new score, model or source; on an accepted row it refreshes only what a
 * run measures (score, model, video ranges), so an accepted tag shows the current model's
 * score and where in a video it holds, while its state and source stay. Only `setState`
 * changes a state.
 *
 * [Note: one change of the tags at a time]
 * Most changes read rows and write what follows from them (a suggestion keeps an accepted
 * state; a re-run deletes the suggestions it no longer makes). Two of them at once would each
 * write from what they read before the other wrote: a tagging run (started by the watcher
 * after new photos, say) that read a file's row as suggested, then wrote it back after the
 * person accepted it, undid the decision — seen in the e2e Tags test, the accept landing
 * 11 ms before the run's write. So every change of the table waits for the one before it in
 * this process (`exclusive`, by the table's folder: while a model switch is under way the
 * serving and the pending store each hold a TagTable over it, and each change reads the
 * table's newest version, `latest`), and one process writes a library at a time
 * (library-lock.ts).
 * Deletes of suggestions also say `state = 'suggested'`, so they can never take a decision.
 */
import { resolve } from 'node:path';
import type { Table } from '@lancedb/lancedb';
import { batchesOf, chunks, lastPerKey } from './batching.js';
import { readColumn } from './columns.js';
import { guarded, StoreError } from './errors.js';
import { sqlString, whereIn } from './filters.js';
import { inTurn } from './turns.js';
import {
  check,
  checkRanges,
  COLUMNS,
  fromArrow,
  STATE_STRENGTH,
  tagKey,
  TAGS_TABLE,
  toArrow,
  VALUES_PER_STATEMENT,
  type TagDecision,
  type TagRow,
  type TagSource,
  type TagState,
  type TagSuggestion,
} from './tag-rows.js';

export {
  TAGS_TABLE,
  tagKey,
  tagSchema,
  type TagDecision,
  type TagRow,
  type TagSource,
  type TagState,
  type TagSuggestion,
} from './tag-rows.js';

/** The rows a run may remove: its own suggestions, never a person's decision. */
const SUGGESTED = `state = ${sqlString('suggested')}`;
/** Rows per streamed batch of a pass over the whole tags table. */
const ROWS_PER_READ = 8192;

function readOnly(dir: string): StoreError {
  return new StoreError(
    'INVALID_INPUT',
    `The library at ${dir} is open for reading only; another process holds it for writing.`,
  );
}

export class TagTable {
  constructor(
    /** Null until the table exists (a new library, or one opened read-only): reads are empty. */
    private table: Table | null,
    /** Creates the table on the first write; null in a read-only store. */
    private readonly create: (() => Promise<Table>) | null,
    private readonly dir: string,
    /** Opens the table if it exists by now (made through another store since), else null. */
    private readonly openIfMade: (() => Promise<Table | null>) | null = null,
  ) {}

  /**
   * Runs `change` after every change of this library's tags table started before it, by
   * any TagTable over it; see [Note: one change of the tags at a time].
   */
  private exclusive<T>(change: () => Promise<T>): Promise<T> {
    return inTurn(`${TAGS_TABLE}:${resolve(this.dir)}`, change);
  }

  /**
   * Upsert suggestions; see [Note: what a suggestion may change]. An earlier suggestion's
   * score, model, ranges and source are replaced.
   */
  async suggest(rows: readonly TagSuggestion[]): Promise<void> {
    if (rows.length === 0) return;
    this.refuseReadOnly();
    await this.exclusive(() => this.suggestNow(rows));
  }

  /** suggest, inside a change already holding its turn. */
  private async suggestNow(rows: readonly TagSuggestion[]): Promise<void> {
    for (const row of rows) {
      check(row.hash, row.tag, { source: row.source ?? 'auto' });
      checkRanges(row.tag, row.ranges);
      if (!Number.isFinite(row.score))
        throw new StoreError(
          'INVALID_INPUT',
          `Cannot save the tag "${row.tag}": its score ${row.score} is not a number.`,
        );
    }
    const unique = lastPerKey(rows, (r) => tagKey(r.hash, r.tag));
    const existing = await this.byKey(unique.map((r) => r.hash));
    const now = Date.now();
    const writes: TagRow[] = [];
    for (const row of unique) {
      const key = tagKey(row.hash, row.tag);
      const before = existing.get(key);
      if (before?.state === 'rejected') continue;
      const measured = { score: row.score, model: row.model ?? null, ranges: row.ranges ?? null };
      if (before?.state === 'accepted') writes.push({ ...before, ...measured, updatedAt: now });
      else
        writes.push({
          key,
          hash: row.hash,
          tag: row.tag,
          state: 'suggested',
          source: row.source ?? 'auto',
          ...measured,
          updatedAt: now,
        });
    }
    await this.write(writes, 'save tag suggestions');
  }

  /** A re-run for one file (replaceSuggestionsOfFiles for one). */
  async replaceSuggestions(
    hash: string,
    model: string,
    rows: readonly Omit<TagSuggestion, 'hash' | 'model'>[],
  ): Promise<void> {
    await this.replaceSuggestionsOfFiles(model, [{ hash, rows }]);
  }

  /**
   * A re-run over files: what it suggests is saved (suggest), and suggested rows of those
   * files that it no longer suggests are removed, whatever their source; accepted and
   * rejected rows stay. One write and a few deletes for the whole batch of files. With
   * `tags`, the run decided only those tags (a threshold moved, a tag added): only their
   * stale suggestions go, every other tag's rows stay as they are.
   */
  async replaceSuggestionsOfFiles(
    model: string,
    runs: readonly { hash: string; rows: readonly Omit<TagSuggestion, 'hash' | 'model'>[] }[],
    options: { tags?: ReadonlySet<string> | undefined } = {},
  ): Promise<void> {
    if (runs.length === 0) return;
    this.refuseReadOnly();
    const suggestions = runs.flatMap((run) =>
      run.rows.map((row) => ({ ...row, hash: run.hash, model })),
    );
    for (const run of runs) check(run.hash, '(any)');
    await this.exclusive(async () => {
      await this.suggestNow(suggestions);
      const wanted = new Set(suggestions.map((row) => tagKey(row.hash, row.tag)));
      const existing = await this.byKey(runs.map((run) => run.hash));
      const stale = [...existing.values()]
        .filter((row) => row.state === 'suggested' && !wanted.has(row.key))
        .filter((row) => !options.tags || options.tags.has(row.tag))
        .map((row) => row.key);
      await this.deleteSuggestions(stale);
    });
  }

  /**
   * Remove every suggestion of `tag` (a tag the person hid); accepted and rejected rows
   * stay, they are the person's decisions.
   */
  async removeSuggestionsOfTag(tag: string): Promise<void> {
    this.refuseReadOnly();
    await this.exclusive(async () => {
      const table = await this.latest();
      if (!table) return;
      await guarded('remove tag suggestions', this.dir, () =>
        table.delete(`tag = ${sqlString(tag)} AND ${SUGGESTED}`),
      );
    });
  }

  /** Accept or reject `tag` on many files at once (setStates). */
  async setState(
    hashes: readonly string[],
    tag: string,
    state: TagState,
    source?: TagSource,
  ): Promise<void> {
    await this.setStates(
      hashes.map((hash) =>
        source === undefined ? { hash, tag, state } : { hash, tag, state, source },
      ),
    );
  }

  /**
   * Record decisions, creating rows that did not exist (a tag added by hand: source 'user';
   * a rejection before any suggestion keeps it from ever being suggested). With
   * `keepDecisions`, rows already accepted or rejected are left as they are: what re-reading
   * a file's own keywords at each index uses, so a keyword the person rejected stays so.
   */
  async setStates(
    decisions: readonly TagDecision[],
    options: { keepDecisions?: boolean } = {},
  ): Promise<void> {
    if (decisions.length === 0) return;
    this.refuseReadOnly();
    for (const d of decisions) check(d.hash, d.tag, { state: d.state, source: d.source });
    await this.exclusive(() => this.setStatesNow(decisions, options));
  }

  /** setStates, inside a change already holding its turn. */
  private async setStatesNow(
    decisions: readonly TagDecision[],
    options: { keepDecisions?: boolean },
  ): Promise<void> {
    const unique = lastPerKey(decisions, (d) => tagKey(d.hash, d.tag));
    const existing = await this.byKey(unique.map((d) => d.hash));
    const now = Date.now();
    const writes: TagRow[] = [];
    for (const d of unique) {
      const key = tagKey(d.hash, d.tag);
      const before = existing.get(key);
      if (before && options.keepDecisions && before.state !== 'suggested') continue;
      writes.push({
        ...(before ?? { key, hash: d.hash, tag: d.tag, score: null, model: null, ranges: null }),
        state: d.state,
        source: d.source ?? before?.source ?? 'user',
        updatedAt: now,
      });
    }
    await this.write(writes, 'save tag decisions');
  }

  /**
   * Every row of these files, by file then tag (code-unit order: hashes and ids are keys, not
   * words for a person, and the first localeCompare in a process loads ICU's collation, ~10
   * ms of a cold `lantern search` whose results carry tags).
   */
  async forFiles(hashes: readonly string[]): Promise<TagRow[]> {
    const rows = [...(await this.byKey(hashes)).values()];
    return rows.sort((a, b) => byCodeUnits(a.hash, b.hash) || byCodeUnits(a.tag, b.tag));
  }

  /** Files per tag, counting only rows in `state` when given. */
  async countByTag(state?: TagState): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    const table = await this.latest();
    if (!table) return counts;
    const result = await guarded('count tags', this.dir, () => {
      let query = table.query().select(['tag']);
      if (state !== undefined) query = query.where(`state = ${sqlString(state)}`);
      return query.toArrow();
    });
    for (const tag of readColumn(result, 'tag'))
      counts.set(String(tag), (counts.get(String(tag)) ?? 0) + 1);
    return counts;
  }

  /** Hashes of the files that carry `tag` in one of `states`. */
  async filesWithTag(tag: string, states: readonly TagState[] = ['accepted']): Promise<string[]> {
    const table = await this.latest();
    if (!table || states.length === 0) return [];
    const result = await guarded('find tagged files', this.dir, () =>
      table
        .query()
        .where(`tag = ${sqlString(tag)} AND ${whereIn('state', states)}`)
        .select(['hash'])
        .toArrow(),
    );
    return [...new Set(readColumn(result, 'hash').map(String))];
  }

  /** A vocabulary rename; onto a tag that already has rows it is a merge (mergeTag). */
  async renameTag(from: string, to: string): Promise<void> {
    await this.mergeTag(from, to);
  }

  /**
   * Fold `from` into `into`. Per file the stronger state wins (accepted > rejected >
   * suggested), with that row's source and measurements; on equal states `into`'s row stays,
   * with the higher score. `into`'s rows are written before `from`'s are deleted, so a crash
   * between leaves both, and merging again finishes the job.
   */
  async mergeTag(from: string, into: string): Promise<void> {
    if (into.trim() === '')
      throw new StoreError('INVALID_INPUT', `Cannot merge the tag "${from}" into an empty name.`);
    this.refuseReadOnly();
    if (from === into) return;
    await this.exclusive(() => this.mergeTagNow(from, into));
  }

  /** mergeTag, inside a change already holding its turn. */
  private async mergeTagNow(from: string, into: string): Promise<void> {
    const table = await this.latest();
    if (!table) return;
    const result = await guarded('read tags to merge', this.dir, () =>
      table
        .query()
        .where(whereIn('tag', [from, into]))
        .select([...COLUMNS])
        .toArrow(),
    );
    const rows = fromArrow(result);
    const target = new Map(rows.filter((r) => r.tag === into).map((r) => [r.hash, r]));
    const now = Date.now();
    const writes: TagRow[] = [];
    for (const moved of rows.filter((r) => r.tag === from)) {
      const kept = target.get(moved.hash);
      const moves = { key: tagKey(moved.hash, into), tag: into, updatedAt: now };
      if (!kept) writes.push({ ...moved, ...moves });
      else if (STATE_STRENGTH[moved.state] > STATE_STRENGTH[kept.state])
        writes.push({ ...moved, ...moves });
      else if (moved.state === kept.state && (moved.score ?? -Infinity) > (kept.score ?? -Infinity))
        writes.push({ ...kept, score: moved.score, updatedAt: now });
    }
    await this.write(writes, 'merge tags');
    await guarded('merge tags', this.dir, () => table.delete(`tag = ${sqlString(from)}`));
  }

  /**
   * Remove `tag`'s suggestions on these files (a learned tag learned again no longer passes
   * them); accepted and rejected rows stay.
   */
  async removeSuggestions(tag: string, hashes: readonly string[]): Promise<void> {
    if (hashes.length === 0) return;
    this.refuseReadOnly();
    await this.exclusive(async () => {
      const existing = await this.byKey(hashes);
      const stale = hashes
        .map((hash) => existing.get(tagKey(hash, tag)))
        .flatMap((row) => (row?.state === 'suggested' ? [row.key] : []));
      await this.deleteSuggestions(stale);
    });
  }

  /** Forget the tags of files no media row has any more (the caller checks that). */
  async removeFiles(hashes: readonly string[]): Promise<void> {
    await this.exclusive(() => this.deleteWhereIn('hash', hashes, 'remove tags'));
  }

  async count(): Promise<number> {
    const table = await this.latest();
    if (!table) return 0;
    return guarded('count tags', this.dir, () => table.countRows());
  }

  /** Compact small writes and prune old versions (see LibraryStore.optimize). */
  async optimize(cleanupOlderThan: Date): Promise<void> {
    await this.table?.optimize({ cleanupOlderThan });
  }

  /**
   * [Note: a tag run compacts as it goes] Every write of a tag run's batch leaves a small
   * fragment (and deletion files), and every read of the table (each batch reads its files'
   * rows by hash) opens every fragment: on the bench's 1 000 000-row library, 97 fragments
   * into a run, `hash IN (256 hashes)` took 54–114 ms; compacted (0.23 s), 4–5 ms. A run
   * that went on writing slowed batch by batch. So a run compacts the table as it goes
   * (Tagger.tagMedia, after every COMPACT_EVERY_BATCHES writes; the fewer a run leaves are
   * compacted by the next index run's optimize), in turn with the table's other writes;
   * versions older than `cleanupOlderThan` are pruned as optimize does.
   */
  async compact(cleanupOlderThan: Date): Promise<void> {
    this.refuseReadOnly();
    await this.exclusive(async () => {
      const table = await this.latest();
      if (table)
        await guarded('compact tags', this.dir, () => table.optimize({ cleanupOlderThan }));
    });
  }

  close(): void {
    this.table?.close();
  }

  /** Existing rows of these files by key, read a few hundred files per statement. */
  private async byKey(hashes: readonly string[]): Promise<Map<string, TagRow>> {
    const found = new Map<string, TagRow>();
    await this.eachOfFiles(new Set(hashes), (row) => found.set(row.key, row));
    return found;
  }

  /**
   * Hand each row of these files (`wanted`: a set of hashes, or a map keyed by them, which
   * is not copied) to `visit`, in no set order, holding none of them: what
   * a caller keeps of the rows of a whole folder is its own choice (`lantern tag`'s answer
   * for 1 000 000 files keeps them packed, [Note: a folder's tags as they are printed] in
   * engine/tags/folder-tags.ts).
   */
  async eachOfFiles(
    wanted: Pick<ReadonlySet<string>, 'has' | 'size' | 'keys'>,
    visit: (row: TagRow) => void,
  ): Promise<void> {
    const table = await this.latest();
    if (!table || wanted.size === 0) return;
    // [Note: many files' tags in one pass] Each `hash IN (…)` statement is planned with its
    // literals and scans the tags table: the tags of a whole folder of 1 000 000 files
    // (`lantern tag`'s answer) took 2 000 of them, minutes of LanceDB building and
    // dropping expressions. More than one statement's worth is read in one streamed pass
    // over the table instead, keeping the rows of the files asked for.
    if (wanted.size > VALUES_PER_STATEMENT) {
      const query = table.query().select([...COLUMNS]);
      for await (const batch of batchesOf(query, ROWS_PER_READ, this.dir, 'read tags'))
        for (const row of fromArrow(batch)) if (wanted.has(row.hash)) visit(row);
      return;
    }
    await guarded('read tags', this.dir, async () => {
      for (const part of chunks([...wanted.keys()], VALUES_PER_STATEMENT)) {
        const result = await table
          .query()
          .where(whereIn('hash', part))
          .select([...COLUMNS])
          .toArrow();
        for (const row of fromArrow(result)) visit(row);
      }
    });
  }

  /** One mergeInsert on `key`: the batch becomes visible whole or not at all. */
  private async write(rows: readonly TagRow[], what: string): Promise<void> {
    if (rows.length === 0) return;
    const table = await this.writable();
    await guarded(what, this.dir, () =>
      table
        .mergeInsert('key')
        .whenMatchedUpdateAll()
        .whenNotMatchedInsertAll()
        .execute(toArrow(rows)),
    );
  }

  /** Suggested rows by key; a key whose row became a decision meanwhile is left alone. */
  private deleteSuggestions(keys: readonly string[]): Promise<void> {
    return this.deleteWhereIn('key', keys, 'remove old tag suggestions', SUGGESTED);
  }

  private async deleteWhereIn(
    column: 'key' | 'hash',
    values: readonly string[],
    what: string,
    alsoWhere?: string,
  ): Promise<void> {
    if (values.length === 0) return;
    this.refuseReadOnly();
    const table = await this.latest();
    if (!table) return;
    await guarded(what, this.dir, async () => {
      for (const part of chunks(values, VALUES_PER_STATEMENT))
        await table.delete(
          alsoWhere ? `${whereIn(column, part)} AND ${alsoWhere}` : whereIn(column, part),
        );
    });
  }

  /**
   * The table at its newest version, null while it does not exist. A Table handle reads
   * the version it last saw, not what another handle wrote since, and while a model switch
   * is under way the serving and the pending store each hold one over this table (the
   * pending index run writes a photo's keywords through its own): without this, a decision
   * made through one was never seen by the other, and its next write went over it; and a
   * store opened before the table was made never saw it at all.
   */
  private async latest(): Promise<Table | null> {
    if (!this.table && this.openIfMade) this.table = await this.openIfMade();
    const table = this.table;
    if (table) await guarded('read tags', this.dir, () => table.checkoutLatest());
    return table;
  }

  /** The table to write to, created on the first write of a writable store. */
  private async writable(): Promise<Table> {
    const create = this.create;
    if (!create) throw readOnly(this.dir);
    this.table ??= await guarded('create the tags table', this.dir, create);
    return this.table;
  }

  private refuseReadOnly(): void {
    if (!this.create) throw readOnly(this.dir);
  }
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
