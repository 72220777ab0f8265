/**
 * @file A learned tag learned and applied a part of the library at a time ([Note: a
 * learned tag at scale] in engine/tags/learned-tags.ts), checked against the rule written
 * out plainly: learnTag over every distinct content's vector held at once, the saved
 * linear model's score against its threshold. 9 000 photos, more than one read (1 000) and
 * one pass of applying (8 192). Real LanceDB in a temporary folder.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LibraryStore, type MediaKey } from '../../native/store/index.js';
import { learnTag } from '../../electron/engine/tags/learn.js';
import {
  applyLearnedTags,
  learnLibraryTag,
  readLearnedTags,
  type SavedLearnedTag,
} from '../../electron/engine/tags/learned-tags.js';
import { hashOf, mediaRow } from '../fixtures/store-rows.js';

const DIM = 8;
const FILES = 9000;
let base = '';
let store: LibraryStore;

/** A unit vector from a seeded generator. */
function vectorOf(i: number): Float32Array {
  let state = (i + 1) * 2654435761;
  const next = () => {
    state = (Math.imul(state ^ (state >>> 15), 2246822507) + 0x6d2b79f5) >>> 0;
    return state / 4294967296 - 0.5;
  };
  const v = Float32Array.from({ length: DIM }, next);
  // A leaning photo: along the first axis, the rest a twentieth of the noise (the
  // examples, photos 0, 40 and 120, a quarter: the weakest of them sets the threshold).
  const noise = [0, 40, 120].includes(i) ? 4 : 20;
  if (i % 40 === 0) for (let k = 0; k < DIM; k++) v[k] = k === 0 ? 1 : v[k]! / noise;
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

const pathOf = (i: number) => `/lib/${String(i).padStart(5, '0')}.jpg`;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'lantern-learned-scale-'));
  store = await LibraryStore.open(join(base, 'store'), { dim: DIM, model: 'toy-clip' });
  // Photo 81 is a copy of photo 80 (one content, two paths).
  const rows = Array.from({ length: FILES }, (_, i) =>
    mediaRow(pathOf(i), { hash: hashOf(i === 81 ? 80 : i), vector: vectorOf(i === 81 ? 80 : i) }),
  );
  await store.upsertMedia(rows.slice(0, 5000));
  await store.upsertMedia(rows.slice(5000));
});

afterAll(async () => {
  await store?.close();
  await rm(base, { recursive: true, force: true });
});

/** Every distinct content's first row and vector, in storage order, all at once. */
async function wholeLibrary(): Promise<{ rows: MediaKey[]; vectors: Float32Array[] }> {
  const rows: MediaKey[] = [];
  const seen = new Set<string>();
  for (const row of await store.listTagTargets(() => true)) {
    if (seen.has(row.hash)) continue;
    seen.add(row.hash);
    rows.push(row);
  }
  return { rows, vectors: await store.getVectors(rows.map((row) => row.id)) };
}

const linearScore = (tag: SavedLearnedTag, v: Float32Array) =>
  tag.weights.reduce((sum, w, i) => sum + w * (v[i] ?? 0), tag.bias);

describe('a learned tag over a library larger than one read', () => {
  it('learns the threshold and suggests the files the plain rule does', async () => {
    const examples = [0, 40, 120].map(pathOf);
    const counter = [pathOf(7)];
    const answer = await learnLibraryTag(store, base, 'toy-clip', {
      name: 'Leaning',
      examples,
      negatives: counter,
    });
    const [saved] = await readLearnedTags(base);
    const { rows, vectors } = await wholeLibrary();
    expect(rows).toHaveLength(FILES - 1);
    const byPath = new Map((await store.listMedia()).map((row) => [row.path, row.hash] as const));
    const hashIndex = new Map(rows.map((row, i) => [row.hash, i]));
    const vectorAt = (path: string) => vectors[hashIndex.get(byPath.get(path)!)!]!;
    const plain = learnTag(examples.map(vectorAt), counter.map(vectorAt), vectors);
    expect(saved!.threshold).toBe(plain.threshold);
    expect(answer.threshold).toBe(Math.round(plain.threshold * 10_000) / 10_000);
    // The saved weights are the plain scorer's.
    for (const i of [3, 40, 4000, 8998])
      expect(linearScore(saved!, vectors[i]!)).toBeCloseTo(plain.score(vectors[i]!), 9);
    const marked = new Set([...examples, ...counter].map((path) => byPath.get(path)!));
    const want = [...byPath]
      .filter(([, hash]) => !marked.has(hash))
      .filter(([path]) => linearScore(saved!, vectorAt(path)) >= saved!.threshold)
      .map(([path]) => path)
      .sort();
    // Not an empty case: the leaning photos (every 40th) are found, the copy of one too.
    expect(want.length).toBeGreaterThan(150);
    expect(want).toContain(pathOf(81));
    expect(answer.suggested.map((s) => s.path).sort()).toEqual(want);
    const stored = await store.tags.filesWithTag('learned/leaning', ['suggested']);
    expect(new Set(stored)).toEqual(new Set(want.map((path) => byPath.get(path))));
  });

  it('applies a saved tag to every file a part at a time', async () => {
    const [saved] = await readLearnedTags(base);
    const suggested = await store.tags.filesWithTag('learned/leaning', ['suggested']);
    await store.tags.removeSuggestions('learned/leaning', suggested);
    expect(await store.tags.filesWithTag('learned/leaning', ['suggested'])).toEqual([]);
    const media = await store.listTagTargets(() => true);
    const result = await applyLearnedTags(store, base, 'toy-clip', media);
    expect(result).toEqual({ applied: ['learned/leaning'], otherModel: [] });
    const { rows, vectors } = await wholeLibrary();
    const decided = new Set([
      ...(await store.tags.filesWithTag('learned/leaning', ['accepted', 'rejected'])),
    ]);
    const want = rows
      .filter(
        (row, i) => !decided.has(row.hash) && linearScore(saved!, vectors[i]!) >= saved!.threshold,
      )
      .map((row) => row.hash);
    expect(want.length).toBeGreaterThan(150);
    expect(new Set(await store.tags.filesWithTag('learned/leaning', ['suggested']))).toEqual(
      new Set(want),
    );
  });
});
