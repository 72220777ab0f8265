/**
 * @file Integration tests of the `tags` table (native/store/tags.ts) on real LanceDB in
 * temporary folders: states, re-runs, vocabulary edits, moves, model changes, read-only
 * stores and large batches. Runs under vitest in plain Node.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { connect } from '@lancedb/lancedb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LibraryStore, TagTable, TAGS_TABLE } from '../../native/store/index.js';
import type { TagRow } from '../../native/store/index.js';
import { hashOf, mediaRow } from '../fixtures/store-rows.js';

const DIM = 4;
let base = '';
let counter = 0;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'lantern-tags-'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

function freshDir(): string {
  counter += 1;
  return join(base, `library-${counter}`);
}

const A = hashOf(1);
const B = hashOf(2);
const C = hashOf(3);

function open(dir: string, model = 'toy-clip', readOnly = false): Promise<LibraryStore> {
  return LibraryStore.open(dir, { dim: DIM, model, readOnly });
}

/** tag → state of one file's rows. */
async function statesOf(store: LibraryStore, hash: string): Promise<Record<string, string>> {
  const rows = await store.tags.forFiles([hash]);
  return Object.fromEntries(rows.map((row) => [row.tag, row.state]));
}

/**
 * The tags table of `dir` with its first call of `held` (a mergeInsert's `execute`, or
 * `delete`) kept waiting until `release()`: a change caught between its read and its write.
 */
async function heldTable(dir: string, held: 'execute' | 'delete') {
  const table = await (await connect(dir)).openTable(TAGS_TABLE);
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  let reached = () => {};
  const holding = new Promise<void>((resolve) => (reached = resolve));
  let first = true;
  const wrap = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(object, name) {
        const value: unknown = Reflect.get(object, name, object);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (name === held && first) {
            first = false;
            reached();
            return released.then(() => value.apply(object, args) as unknown);
          }
          const result = value.apply(object, args) as unknown;
          // The mergeInsert builder chain, so its execute can be held.
          return typeof name === 'string' && /^(mergeInsert|when)/.test(name)
            ? wrap(result as object)
            : result;
        };
      },
    });
  const tags = new TagTable(wrap(table), () => Promise.resolve(wrap(table)), dir);
  return { tags, holding, release, close: () => table.close() };
}

describe('tags table', () => {
  it('is created on the first tag written, and stores every column', async () => {
    const dir = freshDir();
    const store = await open(dir);
    expect(existsSync(join(dir, `${TAGS_TABLE}.lance`))).toBe(false);
    expect(await store.tags.forFiles([A])).toEqual([]);
    await store.tags.suggest([
      { hash: A, tag: 'colours/red', score: 0.31, model: 'toy-clip', ranges: [[1.5, 4]] },
    ]);
    expect(existsSync(join(dir, `${TAGS_TABLE}.lance`))).toBe(true);
    const [row] = await store.tags.forFiles([A]);
    expect(row).toMatchObject<Partial<TagRow>>({
      key: `${A}|colours/red`,
      hash: A,
      tag: 'colours/red',
      state: 'suggested',
      source: 'auto',
      score: 0.31,
      model: 'toy-clip',
      ranges: [[1.5, 4]],
    });
    expect(row!.updatedAt).toBeGreaterThan(0);
    await store.close();
  });

  it('keeps a rejected tag rejected through suggest and replaceSuggestions, and refreshes only the measurements of an accepted one', async () => {
    const store = await open(freshDir());
    const tags = store.tags;
    await tags.suggest([
      { hash: A, tag: 'red', score: 0.3, model: 'm1' },
      { hash: A, tag: 'blue', score: 0.3, model: 'm1' },
      { hash: A, tag: 'green', score: 0.3, model: 'm1' },
    ]);
    await tags.setState([A], 'red', 'rejected');
    await tags.setState([A], 'blue', 'accepted');
    await tags.suggest([
      { hash: A, tag: 'red', score: 0.9, model: 'm2', source: 'learned' },
      { hash: A, tag: 'blue', score: 0.8, model: 'm2', ranges: [[0, 2]] },
      { hash: A, tag: 'green', score: 0.5, model: 'm2' },
    ]);
    const rows = new Map((await tags.forFiles([A])).map((row) => [row.tag, row]));
    expect(rows.get('red')).toMatchObject({
      state: 'rejected',
      score: 0.3,
      model: 'm1',
      source: 'auto',
    });
    expect(rows.get('blue')).toMatchObject({
      state: 'accepted',
      score: 0.8,
      model: 'm2',
      ranges: [[0, 2]],
    });
    expect(rows.get('green')).toMatchObject({ state: 'suggested', score: 0.5, model: 'm2' });

    // A re-run that suggests red again and no longer suggests green.
    await tags.replaceSuggestions(A, 'm3', [
      { tag: 'red', score: 0.95 },
      { tag: 'purple', score: 0.4 },
    ]);
    expect(await statesOf(store, A)).toEqual({
      red: 'rejected',
      blue: 'accepted',
      purple: 'suggested',
    });
    expect(await tags.filesWithTag('red', ['suggested', 'accepted'])).toEqual([]);
    await store.close();
  });

  it('replaces the suggestions of many files in one call, leaving other files alone', async () => {
    const store = await open(freshDir());
    await store.tags.suggest([
      { hash: A, tag: 'red', score: 0.3 },
      { hash: B, tag: 'red', score: 0.3 },
      { hash: C, tag: 'red', score: 0.3 },
    ]);
    await store.tags.replaceSuggestionsOfFiles('m', [
      { hash: A, rows: [{ tag: 'blue', score: 0.5 }] },
      { hash: B, rows: [] },
    ]);
    expect(await statesOf(store, A)).toEqual({ blue: 'suggested' });
    expect(await statesOf(store, B)).toEqual({});
    expect(await statesOf(store, C)).toEqual({ red: 'suggested' });
    await store.close();
  });

  it('re-decides only the tags it is told to, leaving other tags’ suggestions alone', async () => {
    const store = await open(freshDir());
    await store.tags.suggest([
      { hash: A, tag: 'red', score: 0.3 },
      { hash: A, tag: 'sky', score: 0.4 },
      { hash: B, tag: 'red', score: 0.3 },
      { hash: B, tag: 'sky', score: 0.4 },
    ]);
    await store.tags.setState([B], 'red', 'accepted');
    // A run of 'red' alone (a moved threshold): A loses red, sky stays everywhere.
    await store.tags.replaceSuggestionsOfFiles(
      'm',
      [
        { hash: A, rows: [] },
        { hash: B, rows: [] },
      ],
      { tags: new Set(['red']) },
    );
    expect(await statesOf(store, A)).toEqual({ sky: 'suggested' });
    expect(await statesOf(store, B)).toEqual({ red: 'accepted', sky: 'suggested' });
    await store.close();
  });

  it('removes every suggestion of a hidden tag and keeps the person’s decisions of it', async () => {
    const store = await open(freshDir());
    await store.tags.suggest([
      { hash: A, tag: 'red', score: 0.3 },
      { hash: B, tag: 'red', score: 0.3 },
      { hash: C, tag: 'sky', score: 0.3 },
    ]);
    await store.tags.setState([B], 'red', 'accepted');
    await store.tags.setState([C], 'red', 'rejected');
    await store.tags.removeSuggestionsOfTag('red');
    expect(await statesOf(store, A)).toEqual({});
    expect(await statesOf(store, B)).toEqual({ red: 'accepted' });
    expect(await statesOf(store, C)).toEqual({ red: 'rejected', sky: 'suggested' });
    await store.close();
  });

  it('accepts and rejects in bulk, creating rows a person adds by hand, and keeps decisions when asked', async () => {
    const store = await open(freshDir());
    const tags = store.tags;
    await tags.suggest([{ hash: A, tag: 'beach', score: 0.4, source: 'learned' }]);
    await tags.setState([A, B, C], 'beach', 'accepted');
    const rows = await tags.forFiles([A, B, C]);
    expect(rows.map((r) => [r.hash, r.state, r.source, r.score])).toEqual([
      [A, 'accepted', 'learned', 0.4],
      [B, 'accepted', 'user', null],
      [C, 'accepted', 'user', null],
    ]);
    // A file's own keywords, read again at each index, do not undo the person's decision.
    await tags.setState([B], 'beach', 'rejected');
    await tags.setStates(
      [
        { hash: B, tag: 'beach', state: 'accepted', source: 'keyword' },
        { hash: B, tag: 'holiday', state: 'accepted', source: 'keyword' },
      ],
      { keepDecisions: true },
    );
    const b = new Map((await tags.forFiles([B])).map((r) => [r.tag, r]));
    expect(b.get('beach')).toMatchObject({ state: 'rejected', source: 'user' });
    expect(b.get('holiday')).toMatchObject({ state: 'accepted', source: 'keyword' });
    await expect(tags.setState([A], 'beach', 'maybe' as 'accepted')).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    await store.close();
  });

  it('counts files per tag and finds the files of a tag by state', async () => {
    const store = await open(freshDir());
    const tags = store.tags;
    await tags.suggest([
      { hash: A, tag: 'red', score: 0.3 },
      { hash: B, tag: 'red', score: 0.3 },
      { hash: C, tag: 'blue', score: 0.3 },
    ]);
    await tags.setState([A], 'red', 'accepted');
    expect(await tags.countByTag()).toEqual(
      new Map([
        ['red', 2],
        ['blue', 1],
      ]),
    );
    expect(await tags.countByTag('accepted')).toEqual(new Map([['red', 1]]));
    expect(await tags.filesWithTag('red')).toEqual([A]);
    expect((await tags.filesWithTag('red', ['suggested', 'accepted'])).sort()).toEqual([A, B]);
    await store.close();
  });

  it('merges tags keeping the stronger state per file, and renames', async () => {
    const store = await open(freshDir());
    const tags = store.tags;
    await tags.suggest([
      { hash: A, tag: 'sea', score: 0.2 },
      { hash: A, tag: 'ocean', score: 0.7 },
      { hash: B, tag: 'sea', score: 0.5 },
      { hash: B, tag: 'ocean', score: 0.5 },
      { hash: C, tag: 'sea', score: 0.6 },
    ]);
    await tags.setState([A], 'sea', 'accepted'); // accepted beats ocean's suggestion
    await tags.setState([B], 'ocean', 'rejected'); // rejected beats sea's suggestion
    await tags.mergeTag('sea', 'ocean');
    const rows = await tags.forFiles([A, B, C]);
    expect(rows.map((r) => [r.hash, r.tag, r.state, r.score])).toEqual([
      [A, 'ocean', 'accepted', 0.2],
      [B, 'ocean', 'rejected', 0.5],
      [C, 'ocean', 'suggested', 0.6],
    ]);
    expect(rows.map((r) => r.key)).toEqual([`${A}|ocean`, `${B}|ocean`, `${C}|ocean`]);

    await tags.renameTag('ocean', 'water');
    expect((await tags.forFiles([A, B, C])).map((r) => [r.tag, r.state])).toEqual([
      ['water', 'accepted'],
      ['water', 'rejected'],
      ['water', 'suggested'],
    ]);
    expect(await tags.count()).toBe(3);
    await store.close();
  });

  it('keeps states across closing, reopening, a model change and a move of the file', async () => {
    const dir = freshDir();
    const first = await open(dir, 'model-one');
    await first.upsertMedia([mediaRow('/lib/old/a.jpg', { hash: A })]);
    await first.tags.suggest([{ hash: A, tag: 'red', score: 0.3, model: 'model-one' }]);
    await first.tags.setState([A], 'red', 'rejected');
    await first.tags.setState([A], 'cat', 'accepted');
    await first.close();

    // Another model, and the file moved: a new path and media id, the same bytes.
    const second = await open(dir, 'model-two');
    await second.upsertMedia([mediaRow('/lib/new/a-renamed.jpg', { hash: A })]);
    const [moved] = await second.listMedia();
    expect(moved!.path).toBe('/lib/new/a-renamed.jpg');
    await second.tags.replaceSuggestions(moved!.hash, 'model-two', [{ tag: 'red', score: 0.99 }]);
    expect(await statesOf(second, moved!.hash)).toEqual({ red: 'rejected', cat: 'accepted' });
    await second.close();
  });

  it('answers empty from a read-only store without the table, never creating it, and refuses writes', async () => {
    const dir = freshDir();
    await (await open(dir)).close();
    const reader = await open(dir, 'toy-clip', true);
    expect(await reader.tags.forFiles([A])).toEqual([]);
    expect(await reader.tags.countByTag()).toEqual(new Map());
    expect(await reader.tags.filesWithTag('red')).toEqual([]);
    expect(await reader.tags.count()).toBe(0);
    await expect(reader.tags.setState([A], 'red', 'accepted')).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    await reader.close();
    expect(existsSync(join(dir, `${TAGS_TABLE}.lance`))).toBe(false);

    // A library that was never created reads empty too.
    const missing = await open(freshDir(), 'toy-clip', true);
    expect(await missing.tags.countByTag('accepted')).toEqual(new Map());
    await missing.close();
  });

  it('reads tags written by the writer from a read-only store', async () => {
    const dir = freshDir();
    const writer = await open(dir);
    await writer.tags.setState([A], 'red', 'accepted');
    await writer.close();
    const reader = await open(dir, 'toy-clip', true);
    expect(await statesOf(reader, A)).toEqual({ red: 'accepted' });
    await expect(reader.tags.mergeTag('red', 'blue')).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    await reader.close();
  });

  it('removes the tags of files no longer in the library', async () => {
    const store = await open(freshDir());
    await store.tags.setState([A, B], 'red', 'accepted');
    await store.tags.removeFiles([A]);
    expect(await store.tags.filesWithTag('red')).toEqual([B]);
    await store.close();
  });

  it('keeps a decision made while a tagging run is between reading a file’s rows and writing them', async () => {
    for (const held of ['execute', 'delete'] as const) {
      const dir = freshDir();
      const store = await open(dir);
      await store.tags.suggest([{ hash: A, tag: 'red', score: 0.3 }]);
      await store.close();
      const { tags, holding, release, close } = await heldTable(dir, held);
      // A re-run that suggests red again (held at its write), or no longer suggests it
      // (held at deleting the old suggestion).
      const rows = held === 'execute' ? [{ tag: 'red', score: 0.35 }] : [];
      const run = tags.replaceSuggestionsOfFiles('toy-clip', [{ hash: A, rows }]);
      await holding;
      const decision = tags.setState([A], 'red', 'accepted');
      // Were the two allowed to overlap, the decision would be written now, under the run.
      await Promise.race([decision, delay(500)]);
      release();
      await Promise.all([run, decision]);
      const [row] = await tags.forFiles([A]);
      expect(row, held).toMatchObject({ tag: 'red', state: 'accepted' });
      close();
    }
  });

  it('sees and keeps a decision made through the other store of a model switch', async () => {
    // While a new model's index is built, the serving and the pending model's stores each
    // hold a handle on the one tags table.
    const dir = freshDir();
    const serving = await open(dir, 'toy-clip');
    const pending = await open(dir, 'toy-clip-next');
    await pending.tags.suggest([{ hash: A, tag: 'red', score: 0.3 }]);
    expect(await statesOf(serving, A)).toEqual({ red: 'suggested' });
    await serving.tags.setState([A], 'red', 'rejected');
    expect(await statesOf(pending, A)).toEqual({ red: 'rejected' });
    await pending.tags.replaceSuggestionsOfFiles('toy-clip-next', [
      { hash: A, rows: [{ tag: 'red', score: 0.4 }] },
    ]);
    expect(await statesOf(serving, A)).toEqual({ red: 'rejected' });
    await serving.close();
    await pending.close();
    const reopened = await open(dir);
    expect(await statesOf(reopened, A)).toEqual({ red: 'rejected' });
    await reopened.close();
  });

  it('writes 10 000 rows in one call in batches, and writing them again does not duplicate them', async () => {
    const store = await open(freshDir());
    // One tag on each of 10 000 files: reading their rows back names 10 000 hashes.
    const hashes = Array.from({ length: 10_000 }, (_, i) => hashOf(1000 + i));
    const rows = hashes.map((hash) => ({ hash, tag: 'red', score: 0.3 }));
    await store.tags.suggest(rows);
    expect(await store.tags.count()).toBe(10_000);
    await store.tags.setState(hashes, 'red', 'rejected');
    await store.tags.suggest(rows);
    expect(await store.tags.count()).toBe(10_000);
    expect(await store.tags.countByTag('rejected')).toEqual(new Map([['red', 10_000]]));
    expect((await store.tags.forFiles(hashes)).length).toBe(10_000);
    // More files than one statement holds are read in one pass ([Note: many files' tags in
    // one pass]): only the files asked for come back, each once, a hash asked twice too.
    const some = [...hashes.slice(2000, 2600), hashes[2000]!, hashOf(99_999)];
    expect((await store.tags.forFiles(some)).map((row) => row.hash)).toEqual(
      hashes.slice(2000, 2600).sort(),
    );
    await store.tags.removeFiles(hashes);
    expect(await store.tags.count()).toBe(0);
    await store.close();
  }, 120_000);
});
