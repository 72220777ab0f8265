/**
 * @file A tag's threshold slider (engine, contract channels tags:preview and
 * tags:threshold): what a tag, or a phrase not saved yet, would tag at its calibrated
 * threshold plus an offset (docs/tagging.md, "The threshold slider"), and saving an
 * offset, which decides that one tag again across the library.
 *
 * [Note: the slider reads scores, not vectors]
 * A preview scores every indexed file (one per content: identical copies share their
 * tags) once, and keeps the scores sorted; moving the slider then only counts past a
 * threshold. The scores are cached per library background sample, which the Library
 * drops whenever its files change (an index run, a folder removed, a model promoted), so
 * a cache entry never outlives the files it scored; a few tags or phrases are kept, the
 * oldest forgotten first.
 *
 * [Note: an exclusive tag's preview]
 * In an exclusive category (colours, seasons) the tagger gives a photo only the category's
 * best tag (decide.ts). The preview counts what the tagger would really tag: a photo
 * whose best tag in the category is another one is left out of the count, the histogram
 * and the files near the threshold, as no threshold of this tag would ever tag it;
 * `total` still counts every file scored.
 */
import type { StoredMedia } from '../../../native/store/index.js';
import type { ParsedInput } from '../../shared/contract.js';
import { LanternError } from '../../shared/errors.js';
import type { TagCount, TagPreview, TagPreviewFile } from '../../shared/types.js';
import type { Library } from '../library.js';
import { dot } from '../util/vectors.js';
import { calibrateTag, EXCLUSIVE_MARGIN } from './decide.js';
import { resolveTag } from './library-tags.js';
import { libraryVocabulary, saveTagOffset, tagOffsets } from './library-vocabulary.js';
import { promptsHash, TagEmbeddingCache } from './tag-embeddings.js';
import { libraryTagCounts } from './tag-counts.js';
import { Tagger } from './tagger.js';
import { tagPrompts, type TagDef, type Vocabulary } from './vocabulary.js';

/** Bins of the preview's histogram: enough for a smooth count under a slider's width. */
const HISTOGRAM_BINS = 64;
/** Files shown on each side of the threshold unless the caller asks for another number. */
const DEFAULT_NEAR = 8;
/** Tags or phrases whose scores are kept per library (a person compares a few at a time). */
const SCORED_KEPT = 4;
/** Files whose vectors are read per store query while scoring. */
const FILES_PER_READ = 2048;

interface ScoredFiles {
  /** Threshold from the library's own scores for the tag, before any offset. */
  calibrated: number;
  /** Files the tag could tag, strongest first ([Note: an exclusive tag's preview]). */
  scores: { hash: string; score: number }[];
  /** Files scored, one per content. */
  total: number;
  /** One media row per content, for the files shown near the threshold. */
  rows: Map<string, StoredMedia>;
}

/** See [Note: the slider reads scores, not vectors]. */
const scoredByBackground = new WeakMap<readonly Float32Array[], Map<string, ScoredFiles>>();

/** What a saved tag (by id, name or synonym) or a phrase would tag at calibrated + offset. */
export async function previewTag(
  library: Library,
  input: ParsedInput<'tags:preview'>,
): Promise<TagPreview> {
  const vocabulary = await libraryVocabulary(library.dbDir);
  const saved = input.tag === undefined ? null : resolveTag(vocabulary, input.tag);
  // A phrase is embedded as a tag the person adds to a category Lantern has no templates for.
  const tag: TagDef = saved ?? phraseTag(input.phrase ?? '');
  const offset = input.offset ?? (saved ? (await tagOffsets(library.dbDir)).get(saved.id) : 0) ?? 0;
  const scored = await scoresFor(library, vocabulary, tag);
  const threshold = scored.calibrated + offset;
  const { scores } = scored;
  let count = 0;
  while (count < scores.length && (scores[count]?.score ?? -Infinity) >= threshold) count++;
  const near = input.near ?? DEFAULT_NEAR;
  const file = (entry: { hash: string; score: number }): TagPreviewFile[] => {
    const row = scored.rows.get(entry.hash);
    if (!row) return [];
    return [
      { path: row.path, kind: row.kind, score: round(entry.score), thumbnail: row.thumbnail },
    ];
  };
  return {
    tag: saved && { id: saved.id, name: saved.name, category: saved.category },
    calibrated: round(scored.calibrated),
    offset,
    threshold: round(threshold),
    total: scored.total,
    count,
    histogram: histogramOf(scores.map((entry) => entry.score)),
    justIn: scores
      .slice(Math.max(0, count - near), count)
      .reverse()
      .flatMap(file),
    justMiss: scores.slice(count, count + near).flatMap(file),
  };
}

/**
 * Save a tag's offset and decide that tag again across the library (its rows only: the
 * other tags' suggestions and every accepted or rejected row stay). A hidden tag's offset
 * is saved for when it is shown again.
 */
export async function setTagThreshold(
  library: Library,
  input: ParsedInput<'tags:threshold'>,
): Promise<TagCount[]> {
  return oneAtATime(library.dbDir, async () => {
    const tag = resolveTag(await libraryVocabulary(library.dbDir), input.tag);
    await saveTagOffset(library.dbDir, tag.id, input.offset);
    const vocabulary = await libraryVocabulary(library.dbDir);
    await decideTagsAgain(library, vocabulary, [tag.id]);
    return libraryTagCounts(library, vocabulary);
  });
}

/**
 * Decide some tags again over every indexed file, with the saved offsets; their rivals in
 * an exclusive category are weighed but keep their rows (Tagger's `only`). Hidden tags
 * are skipped: a hidden tag is not suggested.
 */
export async function decideTagsAgain(
  library: Library,
  vocabulary: Vocabulary,
  ids: readonly string[],
): Promise<void> {
  const visible = ids.filter((id) => vocabulary.tags.some((tag) => tag.id === id && !tag.hidden));
  if (visible.length === 0) return;
  const media = await library.store.listMedia();
  if (media.length === 0) return;
  const tagger = await Tagger.prepare(library.taggingContext(), vocabulary, {
    offsets: await tagOffsets(library.dbDir),
    only: visible,
  });
  await tagger.tagMedia(media);
}

/** Work on a library's tags that must not interleave (two slider releases, an edit). */
const running = new Map<string, Promise<unknown>>();

export function oneAtATime<T>(dbDir: string, work: () => Promise<T>): Promise<T> {
  const before = running.get(dbDir) ?? Promise.resolve();
  const next = before.catch(() => undefined).then(work);
  running.set(dbDir, next);
  void next
    .finally(() => {
      if (running.get(dbDir) === next) running.delete(dbDir);
    })
    .catch(() => undefined);
  return next;
}

function phraseTag(phrase: string): TagDef {
  return {
    id: '',
    name: phrase,
    category: '',
    synonyms: [],
    templates: [],
    exclusive: false,
    hidden: false,
  };
}

/** The tag's sorted scores over the library, from the cache when the files are unchanged. */
async function scoresFor(
  library: Library,
  vocabulary: Vocabulary,
  tag: TagDef,
): Promise<ScoredFiles> {
  const context = library.taggingContext();
  const background = await context.background();
  if (background.length === 0)
    throw new LanternError(
      'NOT_FOUND',
      'The library has no indexed files yet; index a folder first (`npx lantern index <folder>`).',
    );
  // The tagger's rivals: the category's other visible tags ([Note: an exclusive tag's preview]).
  const rivals = tag.exclusive
    ? vocabulary.tags.filter((t) => t.category === tag.category && t.id !== tag.id && !t.hidden)
    : [];
  const key = [context.modelId, tag, ...rivals]
    .map((t) => (typeof t === 'string' ? t : promptsHash(tagPrompts(t))))
    .join('|');
  const kept = scoredByBackground.get(background) ?? new Map<string, ScoredFiles>();
  scoredByBackground.set(background, kept);
  const hit = kept.get(key);
  if (hit) {
    kept.delete(key); // most recently used last
    kept.set(key, hit);
    return hit;
  }
  const cache = await TagEmbeddingCache.open(context.cacheDir);
  const vectorOf = (t: TagDef) =>
    cache.vectorFor(context.modelId, tagPrompts(t), (texts) => context.encodeText(texts));
  const vector = await vectorOf(tag);
  const rivalVectors: Float32Array[] = [];
  for (const rival of rivals) rivalVectors.push(await vectorOf(rival));
  await cache.save();

  const rows = new Map<string, StoredMedia>();
  for (const row of await context.store.listMedia())
    if ((rows.get(row.hash)?.path ?? '\uffff') > row.path) rows.set(row.hash, row);
  const unique = [...rows.values()];
  const scores: { hash: string; score: number }[] = [];
  for (let i = 0; i < unique.length; i += FILES_PER_READ) {
    const part = unique.slice(i, i + FILES_PER_READ);
    const vectors = await context.store.getVectors(part.map((row) => row.id));
    // getVectors skips a row removed meanwhile; then the vectors no longer line up.
    const aligned =
      vectors.length === part.length
        ? vectors
        : await Promise.all(part.map(async (row) => (await context.store.getVectors([row.id]))[0]));
    part.forEach((row, index) => {
      const photo = aligned[index];
      if (!photo) return;
      const score = dot(vector, photo);
      const rival = Math.max(-Infinity, ...rivalVectors.map((r) => dot(r, photo)));
      if (score - rival >= EXCLUSIVE_MARGIN) scores.push({ hash: row.hash, score });
    });
  }
  scores.sort((a, b) => b.score - a.score);
  const calibration = calibrateTag(vector, background, { matchFloor: context.matchFloor });
  const scored = { calibrated: calibration.threshold, scores, total: unique.length, rows };
  kept.set(key, scored);
  for (const old of kept.keys()) if (kept.size > SCORED_KEPT) kept.delete(old);
  return scored;
}

/** Equal bins from the lowest to the highest of scores sorted strongest first. */
function histogramOf(scores: readonly number[]): TagPreview['histogram'] {
  const counts = new Array<number>(HISTOGRAM_BINS).fill(0);
  if (scores.length === 0) return { min: 0, max: 0, counts };
  // Sorted strongest first (ScoredFiles.scores).
  const max = scores[0] ?? 0;
  const min = scores[scores.length - 1] ?? 0;
  const width = (max - min) / HISTOGRAM_BINS;
  for (const score of scores) {
    const bin = width > 0 ? Math.min(HISTOGRAM_BINS - 1, Math.floor((score - min) / width)) : 0;
    counts[bin] = (counts[bin] ?? 0) + 1;
  }
  return { min: round(min), max: round(max), counts };
}

const round = (value: number) => Math.round(value * 10_000) / 10_000;
