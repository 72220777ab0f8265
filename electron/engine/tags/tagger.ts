/**
 * @file Tagging a library's files (engine): the vocabulary's tags embedded with the
 * current model (prompt ensembling, cached per model: tag-embeddings.ts), each tag
 * calibrated on a sample of the library (decide.ts, docs/tagging.md), then every file's
 * stored vector decided against them and the suggestions saved in the store's `tags`
 * table, where the person's accepted and rejected tags are never overwritten
 * ([Note: what a suggestion may change] in native/store/tags.ts). No image is decoded
 * again: tagging reads the vectors the index already holds.
 */
import type { LibraryStore, MediaKey } from '../../../native/store/index.js';
import { LanternError } from '../../shared/errors.js';
import {
  calibrateTag,
  tagDecider,
  type DecidableTag,
  type TagCalibration,
  type TagSuggestion,
} from './decide.js';
import { TagEmbeddingCache, type EncodeText } from './tag-embeddings.js';
import { tagVideosFromFrames, type VideoTag } from './video-tags.js';
import { tagPrompts, type TagDef, type Vocabulary } from './vocabulary.js';

/** What the tagger needs of an open library (Library.taggingContext). */
export interface TaggerContext {
  store: LibraryStore;
  /** The model whose vectors the store holds (and whose text encoder embeds the tags). */
  modelId: string;
  matchFloor?: number | undefined;
  encodeText: EncodeText;
  /** An even sample of the library's vectors: each tag's background. */
  background: () => Promise<Float32Array[]>;
  /** Where tag vectors are cached between runs (the library folder). */
  cacheDir: string;
}

export interface TagRunOptions {
  signal?: AbortSignal | undefined;
  /** Files decided so far, of `total`. */
  onProgress?: (done: number, total: number) => void;
  /** Per-tag offsets the person set (added to the calibrated threshold). */
  offsets?: ReadonlyMap<string, number>;
  /** Awaited before each batch's write: a paused job waits here, with no write under way. */
  beforeBatch?: () => Promise<void>;
  /** Awaited after each batch is written, with its last media id ([Note: resumable tagging]). */
  afterBatch?: (lastId: string) => Promise<void>;
  /**
   * Decide only these tag ids (a moved threshold, an added or shown tag): their rivals in
   * an exclusive category are prepared too, as the rule needs them, but only these tags'
   * suggestions are written or removed; every other tag's rows stay as they are.
   */
  only?: readonly string[] | undefined;
}

/** Texts embedded per call: progress stays visible on a large vocabulary. */
const PROMPTS_PER_CALL = 64;
/** Files decided and written per store write. */
const FILES_PER_BATCH = 256;
/** Batches written between compactions of the tags table: [Note: a tag run compacts as it goes]. */
const COMPACT_EVERY_BATCHES = 32;

export class Tagger {
  /** decideTags over this tagger's tags, prepared once ([Note: a tag run decides with one prepared matrix]). */
  private readonly decide: (vector: Float32Array) => TagSuggestion[];

  private constructor(
    private readonly context: TaggerContext,
    tags: readonly DecidableTag[],
    private readonly calibrations: ReadonlyMap<string, TagCalibration>,
    /** The tags whose rows this tagger writes; null: all it prepared. */
    private readonly only: ReadonlySet<string> | null,
  ) {
    this.decide = tagDecider(tags, calibrations);
  }

  /** Embed and calibrate the vocabulary's visible tags for this library. */
  static async prepare(
    context: TaggerContext,
    vocabulary: Vocabulary,
    options: TagRunOptions = {},
  ): Promise<Tagger> {
    const only = options.only ? new Set(options.only) : null;
    const visible = vocabulary.tags.filter((tag) => !tag.hidden && (!only || needed(tag, only)));
    if (visible.length === 0 && only)
      throw new LanternError('NOT_FOUND', `No tag to decide among ${[...only].join(', ')}.`);
    if (visible.length === 0)
      throw new LanternError(
        'INVALID_INPUT',
        'Every tag of the vocabulary is hidden; show one to tag with it.',
      );
    const background = await context.background();
    if (background.length === 0)
      throw new LanternError(
        'NOT_FOUND',
        'The library has no indexed files to tag yet; index a folder first (`npx lantern index <folder>`).',
      );
    const cache = await TagEmbeddingCache.open(context.cacheDir);
    const encode: EncodeText = async (texts) => {
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += PROMPTS_PER_CALL) {
        if (options.signal?.aborted) throw new LanternError('CANCELLED', 'Tagging was cancelled.');
        out.push(...(await context.encodeText(texts.slice(i, i + PROMPTS_PER_CALL))));
      }
      return out;
    };
    const tags: DecidableTag[] = [];
    const calibrations = new Map<string, TagCalibration>();
    for (const tag of visible) {
      const vector = await cache.vectorFor(context.modelId, tagPrompts(tag), encode);
      tags.push({ id: tag.id, category: tag.category, exclusive: tag.exclusive, vector });
      calibrations.set(
        tag.id,
        calibrateTag(vector, background, {
          matchFloor: context.matchFloor,
          offset: options.offsets?.get(tag.id) ?? 0,
        }),
      );
    }
    await cache.save();
    return new Tagger(context, tags, calibrations, only);

    /** A tag to decide, or a rival in an exclusive category of one. */
    function needed(tag: TagDef, wanted: ReadonlySet<string>): boolean {
      if (wanted.has(tag.id)) return true;
      return (
        tag.exclusive &&
        vocabulary.tags.some((t) => wanted.has(t.id) && t.exclusive && t.category === tag.category)
      );
    }
  }

  /** The calibrated threshold of a tag (for the slider and the CLI's report). */
  calibration(tagId: string): TagCalibration | undefined {
    return this.calibrations.get(tagId);
  }

  /**
   * Decide every file and save the suggestions; a file's earlier suggestions that no
   * longer hold are removed, the person's decisions are kept. Returns how many files
   * got at least one suggestion.
   */
  async tagMedia(media: readonly MediaKey[], options: TagRunOptions = {}): Promise<number> {
    const { store, modelId } = this.context;
    let tagged = 0;
    // [Note: a tag run overlaps its reads and writes] LanceDB reads and writes on its own
    // threads while deciding keeps this one busy, so the next batch's vectors are read, and
    // the last batch's suggestions written, while this batch is decided. The writes stay in
    // order, one at a time, and a paused job still waits with none under way: a batch's
    // write starts once the one before it is done and beforeBatch has let it through, and a
    // batch counts as done (afterBatch, the resume marker; progress) only once written. A
    // `lantern tag` of 200 000 rows (by hand, 2026-12-02, vectors read by id through the
    // btree) spent 22 s deciding and 12 s waiting on its writes, and before reading ahead
    // 24 s on reads and writes together.
    const batchAt = (i: number) => media.slice(i, i + FILES_PER_BATCH);
    const readVectors = (i: number) => {
      const reading = vectorsOf(store, batchAt(i));
      // Awaited when its batch comes; a run stopped before then must not leave it unhandled.
      reading.catch(() => undefined);
      return reading;
    };
    const cancelled = () => new LanternError('CANCELLED', 'Tagging was cancelled.');
    let ahead = readVectors(0);
    let writing: Promise<void> = Promise.resolve();
    try {
      for (let i = 0; i < media.length; i += FILES_PER_BATCH) {
        if (options.signal?.aborted) throw cancelled();
        const batch = batchAt(i);
        const vectors = await ahead;
        if (i + FILES_PER_BATCH < media.length) ahead = readVectors(i + FILES_PER_BATCH);
        // Videos with frames are decided frame by frame, with time ranges (video-tags.ts).
        const videos = await tagVideosFromFrames(store, batch, this.decide);
        // Identical files share one hash and one set of tags: decide each hash once.
        const runs = new Map<
          string,
          { hash: string; rows: { tag: string; score: number; ranges?: VideoTag['ranges'] }[] }
        >();
        batch.forEach((row, index) => {
          const vector = vectors[index];
          if (!vector || runs.has(row.hash)) return;
          const rows = (
            videos.get(row.id) ??
            this.decide(vector).map((s) => ({
              tag: s.id,
              score: Math.round(s.score * 10_000) / 10_000,
            }))
          ).filter((s) => !this.only || this.only.has(s.tag));
          if (rows.length > 0) tagged += 1;
          runs.set(row.hash, { hash: row.hash, rows });
        });
        await writing;
        await options.beforeBatch?.();
        if (options.signal?.aborted) throw cancelled();
        const done = Math.min(media.length, i + batch.length);
        const last = batch.at(-1);
        const written = i / FILES_PER_BATCH + 1;
        writing = store.tags
          .replaceSuggestionsOfFiles(modelId, [...runs.values()], {
            tags: this.only ?? undefined,
          })
          .then(async () => {
            if (last) await options.afterBatch?.(last.id);
            options.onProgress?.(done, media.length);
            // [Note: a tag run compacts as it goes] (native/store/tags.ts).
            if (written % COMPACT_EVERY_BATCHES === 0) await store.compactTags();
          });
        // Awaited before the next write or at the end; a failure must not go unhandled meanwhile.
        writing.catch(() => undefined);
      }
    } finally {
      // A run that stops (cancelled, failed) lets the write under way finish first.
      await writing.catch(() => undefined);
    }
    await writing;
    return tagged;
  }
}

/** Each file's stored vector, index for index (undefined where a row went missing). */
export async function vectorsOf(
  store: LibraryStore,
  media: readonly MediaKey[],
): Promise<(Float32Array | undefined)[]> {
  const vectors = await store.getVectors(media.map((row) => row.id));
  if (vectors.length === media.length) return vectors;
  // A row removed meanwhile (a folder removed while tagging): ask one by one.
  return Promise.all(media.map(async (row) => (await store.getVectors([row.id]))[0]));
}
